"""A delivery's issues a page at a time: every sort, both directions and the filters give the
order the report's own columns define, whatever the kinds they are stored by."""

from __future__ import annotations

import itertools
import json
import random
from typing import Any

import polars as pl
import pytest

from sosdata.config import Settings
from sosdata.delivery.stored_issues import StoredIssues
from sosdata.register import deliveries, store
from sosdata.register.submit import store_issues

KINDS = [  # rule, severity, component, file, column
    ("HETU_TEMPORARY", "warning", "asiakkuusjaksot", "asiakkuusjaksot.csv", "henkilotunnus"),
    ("HETU_CHECKSUM", "error", "asiakkuusjaksot", "asiakkuusjaksot.csv", "henkilotunnus"),
    ("DATE_INVALID", "error", "palvelutiedot", "palvelutiedot.csv", "alkupvm"),
    ("DATE_INVALID", "error", "palvelutiedot", "palvelutiedot.csv", "loppupvm"),
    ("START_BEFORE_2020", "warning", "palvelutiedot", "palvelutiedot.csv", "alkupvm"),
    ("FILE_HEADER_UNKNOWN", "error", "palvelutiedot", "palvelutiedot.csv", None),
    ("MANIFEST_MISSING", "error", None, None, None),
    ("BORN_AFTER_START", "error", "palvelutiedot", "palvelutiedot.csv", "sukupuoli"),
]
FIELDS = ("rule", "severity", "component", "file", "column")


def _issues(n: int) -> list[dict[str, Any]]:
    rng = random.Random(7)
    pairs = rng.sample([(k, line) for k in range(len(KINDS)) for line in range(1, 40)], n)
    pairs += [(5, None), (6, None)]  # file issues have no line
    pairs += [(k, 50) for k in (2, 3, 5, 7)]  # one line: rule, then column decide
    return [dict(zip(FIELDS, KINDS[k], strict=True), line=line, value=None) for k, line in pairs]


def _report_key(issue: dict[str, Any]) -> tuple:
    """The report's order: severity, component (nulls first), line (nulls first), rule, column
    (nulls last, DuckDB's default)."""
    return (
        issue["severity"],
        (issue["component"] is not None, issue["component"]),
        (issue["line"] is not None, issue["line"]),
        (issue["rule"] is None, issue["rule"]),
        (issue["column"] is None, issue["column"] or ""),
    )


def _expected(issues: list[dict[str, Any]], chosen: deliveries.IssueFilter) -> list[tuple]:
    kept = [
        i
        for i in issues
        if all(
            getattr(chosen, f) in (None, i[f]) for f in ("rule", "component", "severity", "file")
        )
    ]

    def key(issue: dict[str, Any]) -> tuple:
        first = issue[chosen.sort]  # nulls first either way
        return ((first is not None, first), *_report_key(issue))

    ordered = sorted(kept, key=key)
    if chosen.descending:  # the chosen column descending, nulls still first; ties as before
        groups = [list(g) for _, g in itertools.groupby(ordered, key=lambda i: i[chosen.sort])]
        nulls = [g for g in groups if g[0][chosen.sort] is None]
        ordered = [i for g in nulls + [g for g in reversed(groups) if g not in nulls] for i in g]
    return [(i["rule"], i["line"], i["column"]) for i in ordered]


@pytest.fixture
def stored(settings: Settings) -> list[dict[str, Any]]:
    issues = _issues(60)
    conn = store.connect(settings)
    conn.execute(
        "INSERT INTO deliveries VALUES (1, 'o', 'koko alue', '2023Q1', now()::TIMESTAMP, false, "
        "'rejected', 'sha', 'a.zip', 'anna', NULL, ?)",
        [json.dumps({"accepted": False})],
    )
    store_issues(conn, StoredIssues.of(pl.DataFrame(issues[:30])), 1)
    store_issues(conn, StoredIssues.of(pl.DataFrame(issues[30:])), 1)
    conn.close()
    return issues


@pytest.mark.parametrize("sort", deliveries.ISSUE_SORTS)
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("only", [{}, {"severity": "error"}, {"component": "palvelutiedot"}])
def test_a_page_is_in_the_reports_order(settings, stored, sort, descending, only) -> None:
    chosen = deliveries.IssueFilter(sort=sort, descending=descending, **only)
    with store.opened(settings) as conn:
        whole = deliveries.issue_page(conn, 1, chosen, limit=None, read_by="keeper")
        page = deliveries.issue_page(conn, 1, chosen, offset=5, limit=7, read_by="keeper")
    read = list(whole.rows.select("rule", "line", "column").iter_rows())
    assert read == _expected(stored, chosen)
    assert (
        whole.matching == len(read)
        and list(page.rows.select("rule", "line", "column").iter_rows()) == read[5:12]
    )
    counts = {tuple(r[:4]): r[4] for r in whole.counts.iter_rows()}
    assert sum(counts.values()) == len(stored)
    assert counts[KINDS[3][:4]] == sum(1 for i in stored if i["rule"] == "DATE_INVALID")


def test_the_whole_report_lists_every_issue_in_the_reports_order(settings, stored) -> None:
    with store.opened(settings) as conn:
        report = deliveries.report(conn, 1, read_by="keeper")
    read = [(i["rule"], i["line"], i["column"]) for i in report["issues"]]
    assert read == [(i["rule"], i["line"], i["column"]) for i in sorted(stored, key=_report_key)]
