"""Injected row errors: for every row-level error rule of the catalogue, a way to turn a valid
delivered row into one that breaks exactly that rule and no other error rule.

Injected rows are *added* copies of true rows, so rejecting them leaves the true register
intact. Each mutation works on a whole frame of chosen rows at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from sosdata.components import CHILD_WELFARE, CLIENT_PERIODS, DECISIONS, SERVICES
from sosdata.delivery import rules as r
from sosdata.identity import CHECK_CHARACTERS
from sosdata.periods import Quarter

ALL = (CLIENT_PERIODS.name, CHILD_WELFARE.name, DECISIONS.name, SERVICES.name)
WITH_TASK = (CLIENT_PERIODS.name, DECISIONS.name, SERVICES.name)
IV_V = (DECISIONS.name, SERVICES.name)
#: a well-formed OID that no organiser has
UNKNOWN_ORGANISER = "1.2.246.10.99999999.10.0"
_CHECK_OF = dict(enumerate(CHECK_CHARACTERS))
_INDEX_OF_CHECK = {c: i for i, c in enumerate(CHECK_CHARACTERS)}


@dataclass(frozen=True)
class Target:
    """What a mutation needs to know about the delivery it writes into."""

    component: str
    quarter: Quarter
    organiser: str
    other_organiser: str


Mutate = Callable[[pl.DataFrame, Target, np.random.Generator], pl.DataFrame]


@dataclass(frozen=True)
class Injection:
    rule: str
    components: tuple[str, ...]
    mutate: Mutate
    #: the injected rows need base rows of persons with several service tasks in II
    needs_ambiguous: bool = False


def _iso(day: dt.date) -> str:
    return day.isoformat()


def _dates(t: Target, start: dt.date, end: dt.date | None, decided: dt.date | None = None):
    """Column values giving a row the range start..end (IV: validity, with decision date)."""
    text = lambda d: pl.lit(_iso(d) if d else None, dtype=pl.String)  # noqa: E731
    if t.component == DECISIONS.name:
        return {
            "paatospvm": text(decided or start),
            "voimassa_alkaen": text(start),
            "voimassa_asti": text(end),
        }
    return {"alkupvm": text(start), "loppupvm": text(end)}


def _end_column(component: str) -> str:
    return "voimassa_asti" if component == DECISIONS.name else "loppupvm"


def _with_check(digits: pl.Expr, sign: pl.Expr) -> pl.Expr:
    """A code from nine digits DDMMYYNNN and a century sign, with its correct check character."""
    check = (digits.cast(pl.Int64) % 31).replace_strict(_CHECK_OF, return_dtype=pl.String)
    return pl.concat_str([digits.str.slice(0, 6), sign, digits.str.slice(6, 3), check])


_HETU = pl.col("henkilotunnus")


def _required_missing(rows: pl.DataFrame, t: Target, rng) -> pl.DataFrame:
    own = {
        CLIENT_PERIODS.name: "alkupvm",
        CHILD_WELFARE.name: "alkupvm",
        DECISIONS.name: "sosiaalipalvelu",
        SERVICES.name: "sosiaalipalvelu",
    }[t.component]
    choice = rng.integers(0, 3, rows.height)
    columns = np.array(["kotikunta", "sukupuoli", own])[choice]
    return rows.with_columns(
        pl.when(pl.lit(columns) == name).then(None).otherwise(pl.col(name)).alias(name)
        for name in ("kotikunta", "sukupuoli", own)
    )


def _hetu_format(rows: pl.DataFrame, t: Target, rng) -> pl.DataFrame:
    # a wrong century sign, or a character left out
    broken_sign = _HETU.str.slice(0, 6) + "*" + _HETU.str.slice(7)
    return rows.with_columns(
        pl.when(pl.lit(rng.random(rows.height) < 0.5))
        .then(broken_sign)
        .otherwise(_HETU.str.slice(0, 10))
        .alias("henkilotunnus")
    )


def _hetu_date(rows: pl.DataFrame, t: Target, rng) -> pl.DataFrame:
    # 30 February of the same year: a well-formed code whose date does not exist
    digits = "3002" + _HETU.str.slice(4, 2) + _HETU.str.slice(7, 3)
    return rows.with_columns(_with_check(digits, _HETU.str.slice(6, 1)).alias("henkilotunnus"))


def _hetu_individual_number(rows: pl.DataFrame, t: Target, rng) -> pl.DataFrame:
    number = pl.when(pl.col("sukupuoli") == "1").then(pl.lit("001")).otherwise(pl.lit("000"))
    digits = _HETU.str.slice(0, 6) + number
    return rows.with_columns(_with_check(digits, _HETU.str.slice(6, 1)).alias("henkilotunnus"))


def _hetu_checksum(rows: pl.DataFrame, t: Target, rng) -> pl.DataFrame:
    shift = pl.lit(rng.integers(1, len(CHECK_CHARACTERS), rows.height))
    index = _HETU.str.slice(10, 1).replace_strict(_INDEX_OF_CHECK, return_dtype=pl.Int64)
    wrong = ((index + shift) % len(CHECK_CHARACTERS)).replace_strict(
        _CHECK_OF, return_dtype=pl.String
    )
    return rows.with_columns((_HETU.str.slice(0, 10) + wrong).alias("henkilotunnus"))


def _set(column: str, value: str | Callable[[Target], str]) -> Mutate:
    def mutate(rows: pl.DataFrame, t: Target, rng) -> pl.DataFrame:
        text = value(t) if callable(value) else value
        return rows.with_columns(pl.lit(text, dtype=pl.String).alias(column))

    return mutate


def _date_invalid(rows: pl.DataFrame, t: Target, rng) -> pl.DataFrame:
    # a day that does not exist, or a date in the Finnish way instead of ISO
    end = t.quarter.end
    values = np.where(rng.random(rows.height) < 0.5, f"{end.year}-02-30", f"{end:%d.%m.%Y}")
    return rows.with_columns(pl.lit(values).alias(_end_column(t.component)))


def _start_after_end(rows: pl.DataFrame, t: Target, rng) -> pl.DataFrame:
    q = t.quarter.start
    return rows.with_columns(
        **_dates(t, q + dt.timedelta(days=40), q + dt.timedelta(days=10), q + dt.timedelta(5))
    )


def _range_not_in_period(rows: pl.DataFrame, t: Target, rng) -> pl.DataFrame:
    q = t.quarter.start
    return rows.with_columns(**_dates(t, q - dt.timedelta(days=200), q - dt.timedelta(days=20)))


def _start_after_period(rows: pl.DataFrame, t: Target, rng) -> pl.DataFrame:
    # IV: decided before the period (one decided during it is data of it, however late it starts)
    q = t.quarter
    return rows.with_columns(
        **_dates(t, q.end + dt.timedelta(days=5), None, q.start - dt.timedelta(days=5))
    )


def _decision_date_after_period(rows: pl.DataFrame, t: Target, rng) -> pl.DataFrame:
    q = t.quarter
    return rows.with_columns(
        **_dates(t, q.start + dt.timedelta(days=5), None, q.end + dt.timedelta(days=3))
    )


def _born_after_start(rows: pl.DataFrame, t: Target, rng) -> pl.DataFrame:
    # a newborn of the quarter whose period is said to have started before the birth
    q = t.quarter.start
    born = q + dt.timedelta(days=20)
    number = pl.lit(rng.integers(450, 500, rows.height) * 2, dtype=pl.Int64) + (
        pl.col("sukupuoli") == "1"
    ).cast(pl.Int64)
    digits = pl.lit(f"{born:%d%m%y}") + number.cast(pl.String)
    return rows.with_columns(
        _with_check(digits, pl.lit("A")).alias("henkilotunnus"),
        **_dates(t, q + dt.timedelta(days=5), None),
    )


def _task_ambiguous(rows: pl.DataFrame, t: Target, rng) -> pl.DataFrame:
    return rows.with_columns(pl.lit(None, dtype=pl.String).alias("palvelutehtava"))


INJECTIONS: tuple[Injection, ...] = (
    Injection(r.REQUIRED_MISSING, ALL, _required_missing),
    Injection(r.HETU_FORMAT, ALL, _hetu_format),
    Injection(r.HETU_DATE, ALL, _hetu_date),
    Injection(r.HETU_INDIVIDUAL_NUMBER, ALL, _hetu_individual_number),
    Injection(r.HETU_CHECKSUM, ALL, _hetu_checksum),
    Injection(r.ORGANISER_UNKNOWN, ALL, _set("jarjestaja", UNKNOWN_ORGANISER)),
    Injection(r.ORGANISER_NOT_MANIFEST, ALL, _set("jarjestaja", lambda t: t.other_organiser)),
    Injection(r.MUNICIPALITY_UNKNOWN, ALL, _set("kotikunta", "999")),
    Injection(r.SEX_UNKNOWN, ALL, _set("sukupuoli", "3")),
    Injection(r.SERVICE_TASK_UNKNOWN, WITH_TASK, _set("palvelutehtava", "8")),
    Injection(r.SERVICE_TASK_FAMILY_LAW, WITH_TASK, _set("palvelutehtava", "7")),
    Injection(r.SOCIAL_SERVICE_UNKNOWN, IV_V, _set("sosiaalipalvelu", "36")),
    Injection(r.DECISION_TYPE_UNKNOWN, (DECISIONS.name,), _set("paatoksen_tyyppi", "4")),
    Injection(r.DATE_INVALID, ALL, _date_invalid),
    Injection(r.START_AFTER_END, ALL, _start_after_end),
    Injection(r.RANGE_NOT_IN_PERIOD, ALL, _range_not_in_period),
    Injection(r.START_AFTER_PERIOD, ALL, _start_after_period),
    Injection(r.DECISION_DATE_AFTER_PERIOD, (DECISIONS.name,), _decision_date_after_period),
    # IV has two dates that must follow the birth; one rule, one date per row elsewhere
    Injection(
        r.BORN_AFTER_START,
        (CLIENT_PERIODS.name, CHILD_WELFARE.name, SERVICES.name),
        _born_after_start,
    ),
    # V's task is optional: a task-less V row is kept (SERVICE_TASK_NOT_INFERRED, a warning)
    Injection(r.SERVICE_TASK_AMBIGUOUS, (DECISIONS.name,), _task_ambiguous, needs_ambiguous=True),
)
BY_RULE: dict[str, Injection] = {i.rule: i for i in INJECTIONS}


def injected_rules() -> list[str]:
    return [i.rule for i in INJECTIONS]
