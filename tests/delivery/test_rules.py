"""Every row rule of the catalogue: one delivery that breaks it and one that does not."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest

from sosdata import identity, organisers
from sosdata.components import COMPONENTS
from sosdata.delivery import rules

#: the ids of the rules that only warn: a row breaking them is accepted
WARNINGS = {r.id for r in rules.CATALOGUE if r.severity is rules.Severity.WARNING}

_REGISTER = organisers.load(None)
OID = _REGISTER.for_county("02").oid
OTHER_OID = _REGISTER.for_county("03").oid
ADULT = identity.make(dt.date(1980, 5, 17), 901)
CHILD = identity.make(dt.date(2015, 3, 2), 902)
BORN_1990 = identity.make(dt.date(1990, 6, 1), 903)
#: no one born in 1850 is alive: a safe non-temporary code
NOT_TEMPORARY = identity.make(dt.date(1850, 1, 1), 899)
#: individual number 001 is never issued (the code is deliberately invalid)
NUMBER_001 = "010180-001" + identity.check_character("010180001")


def _wrong_check(code: str) -> str:
    return code[:10] + ("A" if code[10] != "A" else "B")


@dataclass
class Case:
    rule: str
    component: str
    failing: list[dict[str, str]]
    passing: list[dict[str, str]]
    #: other components delivered alongside (rows of changes)
    also: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    also_passing: dict[str, list[dict[str, str]]] | None = None
    #: the (line, column) the failing case must report
    where: tuple[int, str | None] | None = None


II, III, IV, V = "asiakkuusjaksot", "lastensuojelu", "palvelupaatokset", "palvelutiedot"

CASES = [
    Case(rules.REQUIRED_MISSING, II, [{"kotikunta": ""}], [{}], where=(2, "kotikunta")),
    Case(rules.REQUIRED_MISSING, IV, [{"sosiaalipalvelu": ""}], [{}], where=(2, "sosiaalipalvelu")),
    Case(
        rules.HETU_FORMAT,
        II,
        [{"henkilotunnus": ADULT.lower().replace("-", " ")}],
        [{}],
        where=(2, "henkilotunnus"),
    ),
    Case(rules.HETU_FORMAT, III, [{"henkilotunnus": "12345"}], [{}]),
    Case(rules.HETU_DATE, II, [{"henkilotunnus": "300280-9010"}], [{}], where=(2, "henkilotunnus")),
    Case(
        rules.HETU_INDIVIDUAL_NUMBER,
        II,
        [{"henkilotunnus": NUMBER_001}],
        [{}],
        where=(2, "henkilotunnus"),
    ),
    Case(
        rules.HETU_CHECKSUM,
        II,
        [{"henkilotunnus": _wrong_check(ADULT)}],
        [{}],
        where=(2, "henkilotunnus"),
    ),
    Case(
        rules.ORGANISER_UNKNOWN,
        II,
        [{"jarjestaja": "1.2.246.10.1234"}],
        [{}],
        where=(2, "jarjestaja"),
    ),
    Case(
        rules.ORGANISER_NOT_MANIFEST, II, [{"jarjestaja": OTHER_OID}], [{}], where=(2, "jarjestaja")
    ),
    Case(
        rules.MUNICIPALITY_UNKNOWN,
        II,
        [{"kotikunta": "999"}],
        [{"kotikunta": "199"}],
        where=(2, "kotikunta"),
    ),
    Case(rules.MUNICIPALITY_UNKNOWN, V, [{"kotikunta": "91"}], [{}]),
    Case(rules.SEX_UNKNOWN, II, [{"sukupuoli": "3"}], [{"sukupuoli": "9"}], where=(2, "sukupuoli")),
    Case(
        rules.SERVICE_TASK_UNKNOWN,
        II,
        [{"palvelutehtava": "8"}],
        [{"palvelutehtava": "6"}],
        where=(2, "palvelutehtava"),
    ),
    Case(
        rules.SERVICE_TASK_FAMILY_LAW,
        II,
        [{"palvelutehtava": "7"}],
        [{"palvelutehtava": "4"}],
        where=(2, "palvelutehtava"),
    ),
    Case(rules.SERVICE_TASK_FAMILY_LAW, IV, [{"palvelutehtava": "7"}], [{}]),
    Case(
        rules.SOCIAL_SERVICE_UNKNOWN,
        IV,
        [{"sosiaalipalvelu": "36"}],
        [{"sosiaalipalvelu": "35"}],
        where=(2, "sosiaalipalvelu"),
    ),
    Case(rules.SOCIAL_SERVICE_UNKNOWN, V, [{"sosiaalipalvelu": "x"}], [{}]),
    Case(
        rules.DECISION_TYPE_UNKNOWN,
        IV,
        [{"paatoksen_tyyppi": "4"}],
        [{"paatoksen_tyyppi": "3"}],
        where=(2, "paatoksen_tyyppi"),
    ),
    Case(
        rules.DATE_INVALID,
        II,
        [{"alkupvm": "2023-02-30"}],
        [{"alkupvm": "2023-02-28"}],
        where=(2, "alkupvm"),
    ),
    Case(
        rules.DATE_INVALID,
        II,
        [{"loppupvm": "2023-3-1"}],
        [{"loppupvm": "2023-03-01"}],
        where=(2, "loppupvm"),
    ),
    Case(
        rules.DATE_INVALID, IV, [{"voimassa_asti": "31.3.2023"}], [{}], where=(2, "voimassa_asti")
    ),
    Case(
        rules.START_AFTER_END,
        II,
        [{"alkupvm": "2023-02-01", "loppupvm": "2023-01-15"}],
        [{"alkupvm": "2023-01-15", "loppupvm": "2023-01-15"}],
        where=(2, "alkupvm"),
    ),
    Case(
        rules.START_AFTER_END,
        IV,
        [{"voimassa_alkaen": "", "paatospvm": "2023-02-01", "voimassa_asti": "2023-01-31"}],
        [{"voimassa_alkaen": "", "paatospvm": "2023-01-31", "voimassa_asti": "2023-01-31"}],
        where=(2, "voimassa_alkaen"),
    ),
    Case(
        rules.RANGE_NOT_IN_PERIOD,
        II,
        [{"loppupvm": "2022-12-31"}],
        [{"loppupvm": "2023-01-01"}],
        where=(2, "loppupvm"),
    ),
    Case(rules.RANGE_NOT_IN_PERIOD, III, [{"loppupvm": "2022-06-30"}], [{}]),
    Case(
        rules.START_AFTER_PERIOD,
        II,
        [{"alkupvm": "2023-04-01"}],
        [{"alkupvm": "2023-03-31"}],
        where=(2, "alkupvm"),
    ),
    Case(rules.START_AFTER_PERIOD, V, [{"alkupvm": "2023-04-01"}], [{"alkupvm": ""}]),
    # "Positivt servicebeslut som fattats under uppföljningsperioden": made in the period, it
    # is data of the period even when it takes effect after it, or ended before it
    Case(
        rules.START_AFTER_PERIOD,
        IV,
        [{"paatospvm": "2022-12-20", "voimassa_alkaen": "2023-04-01"}],
        [{"paatospvm": "2023-03-20", "voimassa_alkaen": "2023-04-01"}],
        where=(2, "voimassa_alkaen"),
    ),
    Case(
        rules.RANGE_NOT_IN_PERIOD,
        IV,
        [
            {
                "paatospvm": "2022-10-01",
                "voimassa_alkaen": "2022-10-01",
                "voimassa_asti": "2022-12-31",
            }
        ],
        [
            {
                "paatospvm": "2023-01-02",
                "voimassa_alkaen": "2022-10-01",
                "voimassa_asti": "2022-12-31",
            }
        ],
        where=(2, "voimassa_asti"),
    ),
    Case(
        rules.DECISION_DATE_AFTER_PERIOD,
        IV,
        [{"paatospvm": "2023-04-01"}],
        [{"paatospvm": "2023-03-31"}],
        where=(2, "paatospvm"),
    ),
    Case(
        rules.BORN_AFTER_START,
        II,
        [{"henkilotunnus": CHILD, "sukupuoli": "2", "alkupvm": "2015-03-01"}],
        [{"henkilotunnus": CHILD, "sukupuoli": "2", "alkupvm": "2015-03-02"}],
        where=(2, "alkupvm"),
    ),
    Case(
        rules.SERVICE_TASK_AMBIGUOUS,
        IV,
        [{"palvelutehtava": ""}],
        [{"palvelutehtava": ""}],
        also={II: [{"palvelutehtava": "1"}, {"palvelutehtava": "2"}]},
        also_passing={
            II: [{"palvelutehtava": "2"}, {"palvelutehtava": "2", "alkupvm": "2022-05-02"}]
        },
        where=(2, "palvelutehtava"),
    ),
    # V's task is optional: "Serviceuppgiften och inledandet och avslutandet av servicen är
    # frivilliga uppgifter"; the row is kept whatever II says
    Case(
        rules.SERVICE_TASK_NOT_INFERRED,
        V,
        [{"palvelutehtava": ""}],
        [{"palvelutehtava": ""}],
        also={II: [{"palvelutehtava": "1"}, {"palvelutehtava": "2"}]},
        also_passing={II: [{"palvelutehtava": "2"}]},
        where=(2, "palvelutehtava"),
    ),
    Case(rules.SERVICE_TASK_NOT_INFERRED, V, [{"palvelutehtava": ""}], [{"palvelutehtava": "3"}]),
    # IV: a person without a task in this delivery's II may have one in the register
    Case(rules.SERVICE_TASK_NOT_INFERRED, IV, [{"palvelutehtava": ""}], [{}]),
    # warnings
    Case(
        rules.HETU_TEMPORARY,
        II,
        [{}],
        [{"henkilotunnus": NOT_TEMPORARY}],
        where=(2, "henkilotunnus"),
    ),
    Case(
        rules.SEX_CONTRADICTS_HETU,
        II,
        [{"sukupuoli": "2"}],
        [{"sukupuoli": "9"}],
        where=(2, "sukupuoli"),
    ),
    Case(
        rules.START_BEFORE_2020,
        II,
        [{"alkupvm": "2019-12-31"}],
        [{"alkupvm": "2020-01-01"}],
        where=(2, "alkupvm"),
    ),
    Case(rules.START_BEFORE_2020, III, [{"alkupvm": "2018-01-01"}], [{}]),
    Case(rules.DUPLICATE_ROW, IV, [{}, {}], [{}, {"paatoksen_tyyppi": "3"}], where=(3, None)),
    Case(
        rules.OVERLAPPING_PERIODS,
        II,
        [{"alkupvm": "2023-01-01", "loppupvm": "2023-02-01"}, {"alkupvm": "2023-02-01"}],
        [
            {"alkupvm": "2023-01-01", "loppupvm": "2023-01-31"},
            {"alkupvm": "2023-02-01"},
            {"alkupvm": "2023-01-10", "palvelutehtava": "2"},
        ],
        where=(2, "alkupvm"),
    ),
    Case(
        rules.OVERLAPPING_PERIODS,
        III,
        [{"alkupvm": "2022-01-01"}, {"alkupvm": "2023-03-01", "loppupvm": "2023-03-02"}],
        [{"alkupvm": "2022-01-01", "loppupvm": "2023-01-05"}, {"alkupvm": "2023-01-06"}],
    ),
    Case(
        rules.MUNICIPALITY_OUTSIDE_AREA,
        II,
        [{"kotikunta": "091"}],
        [{"kotikunta": "200"}],
        where=(2, "kotikunta"),
    ),
    Case(
        rules.CW_CLIENT_OVER_25,
        III,
        [{"henkilotunnus": BORN_1990, "alkupvm": "2016-06-01"}],
        [{"henkilotunnus": BORN_1990, "alkupvm": "2016-05-31"}],
        where=(2, "alkupvm"),
    ),
]


def test_every_row_rule_has_cases():
    covered = {c.rule for c in CASES}
    assert covered == {r.id for r in rules.ROW_RULES}


def _deliver(deliveries, case: Case, changes: list[dict[str, str]], also):
    files = {name: [deliveries.row(name, **c) for c in rows] for name, rows in also.items()}
    files[case.component] = [deliveries.row(case.component, **c) for c in changes]
    return deliveries.validate(deliveries.folder(files))


def _ids(case: Case) -> str:
    return f"{case.rule}-{COMPONENTS[case.component].roman}"


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_rule_fires_on_breaking_row(deliveries, case: Case):
    result = _deliver(deliveries, case, case.failing, case.also)
    issues = result.report.issues
    found = issues.filter((issues["code"] == case.rule) & (issues["component"] == case.component))
    assert found.height >= 1, issues
    severity = rules.get(case.rule).severity.value
    assert set(found["severity"]) == {severity}
    assert result.report.counts[case.rule] >= found.height
    if case.where is not None:
        line, column = case.where
        assert (line, column) in list(zip(found["line"], found["column"], strict=True))
    if severity == "error":
        rejected_lines = set(found["line"])
        assert not rejected_lines & set(result.rows[case.component]["_line"])
    else:
        assert set(found["line"]) <= set(result.rows[case.component]["_line"])
    # identity codes appear only masked
    for message in found["message"]:
        assert ADULT not in message and CHILD not in message and BORN_1990 not in message


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_rule_silent_on_good_row(deliveries, case: Case):
    also = case.also if case.also_passing is None else case.also_passing
    result = _deliver(deliveries, case, case.passing, also)
    assert case.rule not in result.report.counts, result.report.issues
    assert set(result.report.counts) <= WARNINGS, result.report.counts
    assert result.accepted
    assert result.rows[case.component].height == len(case.passing)
