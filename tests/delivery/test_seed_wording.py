"""The delivery rules as the source documents word them: V's optional service task, IV's
decisions made in the period, and one truth in a rejected delivery's report."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sosdata.components import DECISIONS, belongs_to
from sosdata.delivery import rules

#: the ids of the rules that only warn: a row breaking them is accepted
WARNINGS = {r.id for r in rules.CATALOGUE if r.severity is rules.Severity.WARNING}

II, IV, V = "asiakkuusjaksot", "palvelupaatokset", "palvelutiedot"
Q1_START, Q1_END = dt.date(2023, 1, 1), dt.date(2023, 3, 31)
_FIXTURES = [HealthCheck.function_scoped_fixture]


@settings(max_examples=20, deadline=None, suppress_health_check=_FIXTURES)
@given(tasks=st.lists(st.sampled_from(["1", "2", "3", "4", "5", "6"]), max_size=4))
def test_a_service_without_a_task_is_always_kept(deliveries, tasks):
    """Seed 001 on V: "Serviceuppgiften och inledandet och avslutandet av servicen är frivilliga
    uppgifter." Whatever II says of the client, the row is accepted; its task is the client's
    only task when there is exactly one ("Om klientrelationsperioden endast gäller en
    serviceuppgift → ifrågavarande serviceuppgift"), else unknown."""
    files = {V: [deliveries.row(V, palvelutehtava="")]}
    if tasks:
        files[II] = [deliveries.row(II, palvelutehtava=t) for t in tasks]
    result = deliveries.validate(deliveries.folder(files))
    assert result.accepted
    assert set(result.report.counts) <= WARNINGS, result.report.counts
    (task,) = result.rows[V]["palvelutehtava"].to_list()
    assert task == (tasks[0] if len(set(tasks)) == 1 else None)
    assert (rules.SERVICE_TASK_NOT_INFERRED in result.report.counts) == (len(set(tasks)) != 1)


def test_a_decision_without_a_task_of_a_client_with_several_is_rejected(deliveries):
    """Seed 001 on IV: "När beslutsuppgifterna lämnas in ska alla följande sex datainnehåll
    lämnas in"; the footnote gives the task only when there is one, so with two in this
    delivery's II the decision lacks a required content."""
    files = {
        II: [deliveries.row(II, palvelutehtava="1"), deliveries.row(II, palvelutehtava="2")],
        IV: [deliveries.row(IV, palvelutehtava="")],
    }
    result = deliveries.validate(deliveries.folder(files))
    assert result.report.counts[rules.SERVICE_TASK_AMBIGUOUS] == 1
    assert result.rows[IV].is_empty()


def test_a_decision_without_a_task_and_no_client_period_here_waits_for_the_register(deliveries):
    """II may come from Kanta: the build takes the task from the quarter's register."""
    result = deliveries.validate(deliveries.folder({IV: [deliveries.row(IV, palvelutehtava="")]}))
    assert result.accepted
    assert set(result.report.counts) - {rules.HETU_TEMPORARY} == {rules.SERVICE_TASK_NOT_INFERRED}
    assert result.rows[IV]["palvelutehtava"].to_list() == [None]


def test_a_decision_made_in_q1_taking_effect_in_q2_is_accepted_for_both(deliveries):
    """Seed 000: the decision data covers "Positivt servicebeslut som fattats under
    uppföljningsperioden" — whenever it takes effect; in Q2 it is in force."""
    decision = deliveries.row(IV, paatospvm="2023-03-20", voimassa_alkaen="2023-04-01")
    for period in (deliveries.period, deliveries.period.next()):
        manifest = deliveries.manifest([IV], seurantajakso=str(period))
        result = deliveries.validate(deliveries.folder({IV: [decision]}, manifest), period=period)
        assert result.accepted, period
        assert result.rows[IV].height == 1, (period, result.report.counts)


_DAYS = st.one_of(
    st.none(), st.dates(min_value=dt.date(2022, 6, 1), max_value=dt.date(2023, 9, 30))
)


@settings(max_examples=15, deadline=None, suppress_health_check=_FIXTURES)
@given(
    decisions=st.lists(st.tuples(_DAYS, _DAYS, _DAYS), min_size=1, max_size=40),
)
def test_the_period_rules_of_iv_are_components_belongs_to(deliveries, decisions):
    """A decision row passes the period rules exactly when ``components.belongs_to`` (used by
    the derivation, the build and so the statistics) says it is data of the period: decided
    during it, or in force during it (valid from defaulting to the decision date, valid to to
    "gäller tills vidare")."""
    text = lambda d: "" if d is None else d.isoformat()  # noqa: E731
    rows = [
        deliveries.row(IV, paatospvm=text(d), voimassa_alkaen=text(f), voimassa_asti=text(t))
        for d, f, t in decisions
    ]
    result = deliveries.validate(deliveries.folder({IV: rows}))
    accepted_lines = set(result.rows[IV]["_line"]) if IV in result.rows else set()
    typed = pl.DataFrame(
        [
            {"paatospvm": d, "voimassa_alkaen": f if f is not None else d, "voimassa_asti": t}
            for d, f, t in decisions
        ],
        schema={"paatospvm": pl.Date, "voimassa_alkaen": pl.Date, "voimassa_asti": pl.Date},
    )
    belongs = typed.select(belongs_to(DECISIONS, deliveries.period)).to_series().to_list()
    for line, (decided, start, end), in_period in zip(
        range(2, len(rows) + 2), decisions, belongs, strict=True
    ):
        effective = start if start is not None else decided
        other_errors = (decided is not None and decided > Q1_END) or (
            effective is not None and end is not None and effective > end
        )
        assert (line in accepted_lines) == (in_period and not other_errors), (
            decided,
            start,
            end,
        )


def test_a_rejected_delivery_accepts_no_row(deliveries):
    """TOO_MANY_ERRORS: "Koko toimitus hylätään" — the whole delivery is rejected, so every
    form of the report says 0 rows accepted."""
    rows = [deliveries.row(II, alkupvm=f"2022-01-{1 + i:02d}") for i in range(9)]
    rows += [deliveries.row(II, kotikunta="999")]
    result = deliveries.validate(deliveries.folder({II: rows}))
    assert not result.accepted
    assert rules.TOO_MANY_ERRORS in result.report.counts
    summary = result.report.components[II]
    assert (summary.rows, summary.accepted_rows, summary.rejected_rows) == (10, 0, 1)
    assert json.loads(result.report.render("json"))["components"][II]["accepted_rows"] == 0
    assert "Accepted 0," in result.report.render("text", lang="en")


def test_9999_12_31_is_no_end_in_a_delivery_too(deliveries):
    """Seed 001: "Om datum för avslutande saknas innebär det att klientrelationen fortsätter";
    9999-12-31 says the same, in every component alike."""
    files = {
        II: [deliveries.row(II, loppupvm="9999-12-31")],
        "lastensuojelu": [deliveries.row("lastensuojelu", loppupvm="9999-12-31")],
        IV: [deliveries.row(IV, voimassa_asti="9999-12-31")],
        V: [deliveries.row(V, loppupvm="9999-12-31")],
    }
    result = deliveries.validate(deliveries.folder(files))
    assert result.accepted
    ends = {II: "loppupvm", "lastensuojelu": "loppupvm", IV: "voimassa_asti", V: "loppupvm"}
    for name, end in ends.items():
        assert result.rows[name][end].to_list() == [None], name
