"""The validation report and its four forms: text, JSON, CSV and a self-contained HTML page.

Counts are always exact. What is *listed* is bounded, because synthetic and real data can raise
one warning on every row (HETU_TEMPORARY on 5 million rows): the JSON, text and HTML forms list
every file-level issue, error issues up to ``LISTED_ERRORS`` per rule and column (the text and
HTML forms the first ``EXAMPLES``), and the first ``EXAMPLES`` of each warning; the JSON says how
many were left out (``omitted``). The CSV form and :attr:`Report.issues` hold every issue, built
column-wise. Identity codes appear only masked (birth-date part kept).

Issues are findings (:mod:`sosdata.findings`): the file-level ones objects, the row-level ones
frames in :data:`~sosdata.findings.FINDING_SCHEMA`. The report's own forms list them in
:data:`ISSUE_SCHEMA` — a finding's code under the name ``rule`` — as the stored issues are.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from typing import Any

import jinja2
import polars as pl

from sosdata import findings, identity, safe_export
from sosdata.components import COMPONENTS, Component
from sosdata.delivery import rules
from sosdata.delivery.rules import Context, Rule, Severity
from sosdata.delivery.stored_issues import KIND, StoredIssues
from sosdata.findings import FINDING_SCHEMA, Finding

FORMATS = ("text", "json", "csv", "html")
#: examples listed per rule and column in the text and HTML forms, and of warnings in JSON
EXAMPLES = 20
#: error issues listed per rule and column in the JSON form
LISTED_ERRORS = 10_000
#: a JSON report with more issues than this is written compactly
JSON_INDENT_LIMIT = 1_000

#: the issues as the report lists them (CSV, JSON) and the register stores them
ISSUE_SCHEMA = pl.Schema(
    {
        "rule": pl.String,
        "severity": pl.String,
        "component": pl.String,
        "file": pl.String,
        "line": pl.Int64,
        "column": pl.String,
        "message": pl.String,
    }
)
#: the findings' fields a delivery does not use, null in its frames
_UNUSED = {name: FINDING_SCHEMA[name] for name in ("question", "path", "params")}
#: what a stored row issue keeps in place of its message: the masked values the message shows
#: (the rest of the message is its rule's template, its column and the quarter)
_SHOWN = (("value", pl.String()), ("other", pl.String()))
_ORDER = {rule.id: i for i, rule in enumerate(rules.CATALOGUE)}
_COMPONENT_ORDER = {name: i for i, name in enumerate(COMPONENTS)}

WORDS: dict[str, dict[str, str]] = {
    "title": {
        "fi": "Toimituksen tarkistusraportti",
        "sv": "Kontrollrapport för leveransen",
        "en": "Delivery validation report",
    },
    "accepted": {"fi": "HYVÄKSYTTY", "sv": "GODKÄND", "en": "ACCEPTED"},
    "rejected": {"fi": "HYLÄTTY", "sv": "AVVISAD", "en": "REJECTED"},
    "period": {"fi": "Seurantajakso", "sv": "Uppföljningsperiod", "en": "Period"},
    "organiser": {"fi": "Järjestäjä", "sv": "Anordnare", "en": "Organiser"},
    "component": {"fi": "Osa", "sv": "Del", "en": "Component"},
    "file": {"fi": "Tiedosto", "sv": "Fil", "en": "File"},
    "rows": {"fi": "Rivejä", "sv": "Rader", "en": "Rows"},
    "accepted_rows": {"fi": "Hyväksyttyjä", "sv": "Godkända", "en": "Accepted"},
    "rejected_rows": {"fi": "Hylättyjä", "sv": "Avvisade", "en": "Rejected"},
    "defaults_applied": {
        "fi": "Oletusarvoja käytetty",
        "sv": "Standardvärden använda",
        "en": "Defaults applied",
    },
    "rule": {"fi": "Sääntö", "sv": "Regel", "en": "Rule"},
    "severity": {"fi": "Vakavuus", "sv": "Allvarlighet", "en": "Severity"},
    "count": {"fi": "Määrä", "sv": "Antal", "en": "Count"},
    "explanation": {"fi": "Selitys", "sv": "Förklaring", "en": "Explanation"},
    "line": {"fi": "Rivi", "sv": "Rad", "en": "Line"},
    "column": {"fi": "Sarake", "sv": "Kolumn", "en": "Column"},
    "message": {"fi": "Viesti", "sv": "Meddelande", "en": "Message"},
    "error": {"fi": "virhe", "sv": "fel", "en": "error"},
    "warning": {"fi": "varoitus", "sv": "varning", "en": "warning"},
    "examples": {"fi": "Ensimmäiset esimerkit", "sv": "De första exemplen", "en": "First examples"},
    "more": {"fi": "ja {n} muuta", "sv": "och {n} till", "en": "and {n} more"},
    "no_issues": {"fi": "Ei huomautettavaa.", "sv": "Inga anmärkningar.", "en": "No issues."},
    "accepted_text": {
        "fi": "Toimitus hyväksytään. Virheelliset rivit (jos niitä on) jätetään pois.",
        "sv": "Leveransen godkänns. Felaktiga rader (om sådana finns) lämnas bort.",
        "en": "The delivery is accepted. Rows in error (if any) are left out.",
    },
    "rejected_text": {
        "fi": "Toimitus hylätään. Korjaa alla luetellut virheet ja toimita uudelleen.",
        "sv": "Leveransen avvisas. Rätta felen nedan och leverera på nytt.",
        "en": "The delivery is rejected. Correct the errors below and deliver again.",
    },
    "threshold": {"fi": "Hylkäysraja", "sv": "Gräns för avvisning", "en": "Rejection limit"},
}


def word(key: str, lang: str) -> str:
    return WORDS[key][lang]


def listing(issues: pl.DataFrame) -> pl.DataFrame:
    """A findings frame in the report's columns (:data:`ISSUE_SCHEMA`)."""
    return issues.select(
        pl.col("code").alias("rule"), *(pl.col(name) for name in list(ISSUE_SCHEMA)[1:])
    )


@dataclass
class ComponentSummary:
    file: str
    rows: int
    accepted_rows: int
    rejected_rows: int
    defaults_applied: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "rows": self.rows,
            "accepted_rows": self.accepted_rows,
            "rejected_rows": self.rejected_rows,
            "defaults_applied": dict(self.defaults_applied),
        }


Limit = Callable[[Rule], int | None]
#: what an issue of a rule and column shows (its message, or the values the message shows)
Said = Callable[[Rule, str], list[pl.Expr]]


@dataclass
class ComponentCheck:
    """A component's rows after checking: the prepared rows and one flag column per rule and
    column; messages are built from them on demand, in any language."""

    component: Component
    file: str
    ctx: Context
    prepared: pl.DataFrame
    flags: pl.DataFrame
    targets: list[tuple[Rule, str]]
    counts: dict[str, int]
    summary: ComponentSummary

    @cached_property
    def _flagged(self) -> pl.LazyFrame:
        """The prepared rows with their flags (a flag's name, rule and column joined by a tab,
        is no column's name)."""
        return self.prepared.hstack(self.flags.get_columns()).lazy()

    def _listed(self, limit: Limit, said: Said) -> Iterator[tuple[Rule, str, pl.LazyFrame]]:
        """Each rule and column with issues, and the rows ``limit`` lists of them: their line
        and what ``said`` shows of them. Collected together, the rules' rows are found in
        parallel, and only the columns ``said`` reads are gathered."""
        for (rule, column), key in zip(self.targets, self.counts, strict=True):
            if not self.counts[key]:
                continue
            rows = self._flagged.filter(pl.col(key))
            if (most := limit(rule)) is not None:
                rows = rows.head(most)
            yield rule, column, rows.select(pl.col(rules.LINE).alias("line"), *said(rule, column))

    def issue_frame(self, lang: str, limit: Limit) -> pl.DataFrame:
        """The issues as findings with their messages in ``lang``."""

        def message(rule: Rule, column: str) -> list[pl.Expr]:
            return [rule.message_expr(self.ctx, column, lang).alias("message")]

        parts = [
            rows.select(
                pl.lit(rule.id).alias("code"),
                pl.lit(rule.severity.value).alias("severity"),
                pl.lit(self.component.name).alias("component"),
                pl.lit(self.file).alias("file"),
                "line",
                pl.lit(column or None, dtype=pl.String).alias("column"),
                "message",
                *(pl.lit(None, dtype).alias(name) for name, dtype in _UNUSED.items()),
            )
            for rule, column, rows in self._listed(limit, message)
        ]
        return pl.concat(parts).collect() if parts else findings.empty_frame()

    def stored_issues(self) -> StoredIssues:
        """Every issue as stored: one kind per rule and column, and each issue's line with the
        (masked) values its message shows (``_SHOWN``) in place of the message."""

        def shown(rule: Rule, column: str) -> list[pl.Expr]:
            values = rule.shown_values(self.ctx, column)
            return [values.get(name, pl.lit(None, dtype)).alias(name) for name, dtype in _SHOWN]

        kinds: list[tuple[str, str, str, str, str | None]] = []
        parts: list[pl.LazyFrame] = []
        for rule, column, rows in self._listed(_no_limit, shown):
            parts.append(rows.with_columns(kind=pl.lit(len(kinds), dtype=pl.Int32)))
            kinds.append(
                (rule.id, rule.severity.value, self.component.name, self.file, column or None)
            )
        if not parts:
            return StoredIssues.empty()
        kinds_frame = pl.DataFrame(kinds, schema=dict.fromkeys(KIND, pl.String), orient="row")
        return StoredIssues(
            kinds_frame.with_row_index("kind").with_columns(pl.col("kind").cast(pl.Int32)),
            pl.concat(parts).collect(),
        )

    def omitted(self, limit: Limit) -> dict[str, int]:
        """How many issues of each rule ``limit`` leaves out."""
        omitted: dict[str, int] = {}
        for (rule, _), key in zip(self.targets, self.counts, strict=True):
            most = limit(rule)
            if most is not None and self.counts[key] > most:
                omitted[rule.id] = omitted.get(rule.id, 0) + self.counts[key] - most
        return omitted


def _in_report_order(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """The row issues of the components by component, line and rule."""
    if not frames:
        return findings.empty_frame()
    return pl.concat(frames, how="diagonal_relaxed").sort(
        pl.col("component").replace_strict(_COMPONENT_ORDER, default=99, return_dtype=pl.Int32),
        "line",
        pl.col("code").replace_strict(_ORDER, default=999, return_dtype=pl.Int32),
        maintain_order=True,
    )


def with_messages(issues: pl.DataFrame, lang: str, period: str) -> pl.DataFrame:
    """Stored issues (:meth:`Report.stored_issues`, code named ``rule``) with their messages in
    ``lang``: a row issue's from its rule's template, its column and its shown values, a file
    issue's from its params. A message stored with the issue stays as it is."""
    missing = pl.col("message").is_null()
    message = pl.col("message")
    file_level = []
    for code in issues.filter(missing).get_column("rule").unique().to_list():
        rule = rules.get(code)
        if rule.level is rules.Level.FILE:
            file_level.append(code)
            continue
        said = rule.message_from(
            lang,
            column=pl.col("column"),
            period=period,
            value=pl.col("value"),
            other=pl.col("other"),
        )
        message = pl.when(missing & (pl.col("rule") == code)).then(said).otherwise(message)
    issues = issues.with_columns(message.alias("message"))
    if file_level:
        as_findings = issues.rename({"rule": "code"}).with_columns(
            pl.lit(None, FINDING_SCHEMA[name]).alias(name) for name in ("question", "path")
        )
        rendered = findings.with_messages(as_findings, lang)
        issues = issues.with_columns(rendered.get_column("message"))
    return issues


def _json_limit(rule: Rule) -> int:
    return LISTED_ERRORS if rule.severity is Severity.ERROR else EXAMPLES


def _example_limit(rule: Rule) -> int:
    return EXAMPLES


def _no_limit(rule: Rule) -> None:
    return None


class Report:
    def __init__(
        self,
        *,
        accepted: bool,
        period: str,
        organiser: str | None,
        lang: str,
        file_issues: list[Finding],
        checks: list[ComponentCheck],
        threshold: float,
    ):
        self.accepted = accepted
        self.period = period
        self.organiser = organiser
        self.lang = lang
        self.file_issues = list(file_issues)
        self.checks = list(checks)
        self.threshold = threshold

    # --- facts ------------------------------------------------------------------------------

    @property
    def components(self) -> dict[str, ComponentSummary]:
        return {c.component.name: c.summary for c in self.checks}

    @cached_property
    def counts(self) -> dict[str, int]:
        """Rule id → number of issues (file level and rows), in catalogue order."""
        totals: dict[str, int] = {}
        for issue in self.file_issues:
            totals[issue.code] = totals.get(issue.code, 0) + 1
        for check in self.checks:
            for (rule, _), key in zip(check.targets, check.counts, strict=True):
                if check.counts[key]:
                    totals[rule.id] = totals.get(rule.id, 0) + check.counts[key]
        return dict(sorted(totals.items(), key=lambda item: _ORDER[item[0]]))

    def _file_issue_frame(self, lang: str) -> pl.DataFrame:
        return findings.findings_frame(self.file_issues, lang)

    def issue_frame(self, lang: str | None = None, limit: Limit = _no_limit) -> pl.DataFrame:
        """Issues as findings (:data:`~sosdata.findings.FINDING_SCHEMA`, messages in ``lang``):
        file-level first, then rows by component, line and rule."""
        lang = lang or self.lang
        rows = [c.issue_frame(lang, limit) for c in self.checks]
        return pl.concat([self._file_issue_frame(lang), _in_report_order(rows)])

    @cached_property
    def issues(self) -> pl.DataFrame:
        """Every issue as a finding (code, severity, component, file, line, column, message…)."""
        return self.issue_frame(self.lang)

    def stored_issues(self) -> StoredIssues:
        """Every issue as the register keeps it (:mod:`~sosdata.delivery.stored_issues`): no
        message, but a row issue with the masked values its message shows (``value``,
        ``other``), a file issue with its ``params``; :func:`with_messages` renders them in any
        language when they are read. Millions of warnings cost their values, not millions of
        sentences, and their kind is known as they are listed: it is not looked for among them."""
        # a file issue's params can quote the file (a header, a manifest field): masked too
        files = findings.findings_frame(self.file_issues).drop("message")
        files = files.with_columns(identity.redact_expr(pl.col("params")))
        # in no order: the table is read sorted
        parts = [StoredIssues.of(files), *(c.stored_issues() for c in self.checks)]
        return StoredIssues.concat(parts)

    def listed(self, lang: str | None = None) -> pl.DataFrame:
        """The bounded listing of the JSON form (all file issues, errors up to
        ``LISTED_ERRORS`` and warnings up to ``EXAMPLES`` per rule and column) in the report's
        columns: what to store when ``issues`` would be millions of identical warnings."""
        return listing(self.issue_frame(lang, _json_limit))

    def omitted(self, limit: Limit = _json_limit) -> dict[str, int]:
        out: dict[str, int] = {}
        for check in self.checks:
            for rule_id, n in check.omitted(limit).items():
                out[rule_id] = out.get(rule_id, 0) + n
        return out

    # --- forms ------------------------------------------------------------------------------

    def facts(self) -> dict[str, Any]:
        """The JSON form without its listing of issues: the verdict, the components' rows and
        every rule's count."""
        return {
            "accepted": self.accepted,
            "period": self.period,
            "organiser": self.organiser,
            "components": {name: s.to_dict() for name, s in self.components.items()},
            "counts": dict(self.counts),
        }

    def to_dict(
        self, lang: str | None = None, listed: pl.DataFrame | None = None
    ) -> dict[str, Any]:
        listed = self.listed(lang) if listed is None else listed
        return self.facts() | {
            "issues": listed.to_dicts(),
            "omitted": self.omitted(_json_limit),
        }

    def render(self, fmt: str = "text", lang: str | None = None) -> str:
        lang = lang or self.lang
        if fmt == "json":
            listed = self.listed(lang)
            if listed.height <= JSON_INDENT_LIMIT:  # indented for reading when short
                return json.dumps(self.to_dict(lang, listed), ensure_ascii=False, indent=1)
            # a long listing is serialised by Polars and set in place of its placeholder
            data = self.to_dict(lang, listed.clear())
            text = json.dumps(data, ensure_ascii=False)
            placeholder = '"issues": []'
            return text.replace(placeholder, f'"issues": {listed.write_json()}', 1)
        if fmt == "csv":
            return safe_export.csv_text(listing(self.issue_frame(lang)))
        if fmt == "text":
            return self._text(lang)
        if fmt == "html":
            return self._html(lang)
        raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")

    def _by_rule(self, lang: str) -> list[dict[str, Any]]:
        """Per rule: count, explanation and first examples (for the text and HTML forms)."""
        examples = listing(self.issue_frame(lang, _example_limit))
        grouped = {
            key[0]: frame for key, frame in examples.partition_by("rule", as_dict=True).items()
        }
        out = []
        for rule_id, n in self.counts.items():
            rule = rules.get(rule_id)
            shown = grouped.get(rule_id, pl.DataFrame(schema=ISSUE_SCHEMA)).head(EXAMPLES)
            out.append(
                {
                    "id": rule_id,
                    "severity": rule.severity.value,
                    "severity_word": word(rule.severity.value, lang),
                    "count": n,
                    "explanation": rule.explanation[lang],
                    "examples": shown.to_dicts(),
                    "more": n - shown.height,
                }
            )
        return out

    def _text(self, lang: str) -> str:
        verdict = word("accepted" if self.accepted else "rejected", lang)
        out = [
            f"{word('title', lang)}: {verdict}",
            f"{word('period', lang)}: {self.period}    "
            f"{word('organiser', lang)}: {self.organiser or '-'}",
            word("accepted_text" if self.accepted else "rejected_text", lang),
            "",
        ]
        for name, s in self.components.items():
            defaults = ", ".join(f"{c} {n}" for c, n in s.defaults_applied.items() if n)
            out.append(
                f"{name} ({s.file}): {word('rows', lang)} {s.rows}, "
                f"{word('accepted_rows', lang)} {s.accepted_rows}, "
                f"{word('rejected_rows', lang)} {s.rejected_rows}"
                + (f"; {word('defaults_applied', lang)}: {defaults}" if defaults else "")
            )
        if self.components:
            out.append("")
        by_rule = self._by_rule(lang)
        if not by_rule:
            out.append(word("no_issues", lang))
        for entry in by_rule:
            out.append(f"{entry['id']} ({entry['severity_word']}): {entry['count']}")
            out.append(f"  {entry['explanation']}")
            for e in entry["examples"]:
                if rules.get(e["rule"]).level is rules.Level.FILE:
                    out.append(f"  - {e['message']}")  # file-level messages say where
                    continue
                where = ", ".join(
                    str(p)
                    for p in (
                        e["file"],
                        f"{word('line', lang).lower()} {e['line']}" if e["line"] else None,
                        e["column"] or None,
                    )
                    if p
                )
                out.append(f"  - {where}: {e['message']}")
            if entry["more"] > 0:
                out.append("  … " + word("more", lang).format(n=entry["more"]))
        return "\n".join(out) + "\n"

    def _html(self, lang: str) -> str:
        template = _environment().get_template("report.html.j2")
        return template.render(
            lang=lang,
            w={k: v[lang] for k, v in WORDS.items()},
            report=self,
            components=self.components,
            by_rule=self._by_rule(lang),
            threshold=f"{self.threshold:.1%}",
        )


def _environment() -> jinja2.Environment:
    text = resources.files(__package__).joinpath("templates", "report.html.j2").read_text("utf-8")
    return jinja2.Environment(
        loader=jinja2.DictLoader({"report.html.j2": text}),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
