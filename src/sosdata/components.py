"""The data components II–V (SPEC §4) as columns: the one definition of each.

The delivery reader and validator, the Kanta derivation, the synthetic generator, the register
and the generated format documentation all read their columns, types, required flags and
defaults from here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from sosdata.periods import Quarter


class Kind(StrEnum):
    ORGANISER = "organiser"  # an OID in the SOTE organisation register
    IDENTITY = "identity"  # a personal identity code (SPEC §6)
    CODE = "code"  # a code of the column's code set
    DATE = "date"  # ISO date YYYY-MM-DD


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: Kind
    required: bool
    labels: dict[str, str]
    codeset: str | None = None
    #: what the register assumes when the value is missing (SPEC §4 IV), in three languages
    default: dict[str, str] | None = None

    @property
    def dtype(self) -> pl.DataType:
        return pl.Date() if self.kind is Kind.DATE else pl.String()


@dataclass(frozen=True, slots=True)
class Component:
    name: str
    roman: str
    labels: dict[str, str]
    columns: tuple[Column, ...]
    #: the columns whose range must overlap the period (every component has one)
    start: str
    end: str
    #: IV: the decision date, which also places a row in a period (see :func:`belongs_to`)
    decided: str | None = None

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def own_columns(self) -> list[str]:
        """The record's own columns, after the identifying ones every component starts with."""
        return [c.name for c in self.columns[len(IDENTIFYING) :]]

    @property
    def schema(self) -> pl.Schema:
        """Types of accepted rows: codes stay strings (leading zeros matter), dates are dates."""
        return pl.Schema({c.name: c.dtype for c in self.columns})


def _labels(fi: str, sv: str, en: str) -> dict[str, str]:
    return {"fi": fi, "sv": sv, "en": en}


IDENTIFYING = (
    Column("jarjestaja", Kind.ORGANISER, True, _labels("Järjestäjä", "Anordnare", "Organiser")),
    Column(
        "henkilotunnus",
        Kind.IDENTITY,
        True,
        _labels("Henkilötunnus", "Personbeteckning", "Personal identity code"),
    ),
    Column(
        "kotikunta",
        Kind.CODE,
        True,
        _labels("Kotikunta", "Hemkommun", "Home municipality"),
        codeset="kunta",
    ),
    Column("sukupuoli", Kind.CODE, True, _labels("Sukupuoli", "Kön", "Sex"), codeset="sukupuoli"),
)


def _service_task(required: bool) -> Column:
    return Column(
        "palvelutehtava",
        Kind.CODE,
        required,
        _labels("Palvelutehtävä", "Serviceuppgift", "Service task"),
        codeset="palvelutehtava",
        default=None
        if required
        else _labels(
            "asiakkaan ainoa palvelutehtävä, jos niitä on yksi",
            "klientens enda serviceuppgift, om det finns en",
            "the client's only service task, if there is exactly one",
        ),
    )


_SOCIAL_SERVICE = Column(
    "sosiaalipalvelu",
    Kind.CODE,
    True,
    _labels("Sosiaalipalvelu", "Socialservice", "Social service"),
    codeset="sosiaalipalvelu",
)


def _date(name: str, required: bool, labels: dict[str, str], default=None) -> Column:
    return Column(name, Kind.DATE, required, labels, default=default)


_START = _labels("Alkupäivä", "Startdatum", "Start date")
_END = _labels("Loppupäivä", "Slutdatum", "End date")
_CONTINUES = _labels("jatkuu", "fortsätter", "continues")

CLIENT_PERIODS = Component(
    "asiakkuusjaksot",
    "II",
    _labels(
        "Asiakkuusjaksot palvelutehtävittäin",
        "Klientrelationsperioder per serviceuppgift",
        "Client-relationship periods per service task",
    ),
    (
        *IDENTIFYING,
        _service_task(True),
        _date("alkupvm", True, _START),
        _date("loppupvm", False, _END, default=_CONTINUES),
    ),
    start="alkupvm",
    end="loppupvm",
)

CHILD_WELFARE = Component(
    "lastensuojelu",
    "III",
    _labels(
        "Lastensuojelun asiakkuus (LsL 27 §)",
        "Klientrelation inom barnskyddet (BSL 27 §)",
        "Child-welfare client relationship (Child Welfare Act s. 27)",
    ),
    (
        *IDENTIFYING,
        _date("alkupvm", True, _START),
        _date("loppupvm", False, _END, default=_CONTINUES),
    ),
    start="alkupvm",
    end="loppupvm",
)

DECISIONS = Component(
    "palvelupaatokset",
    "IV",
    _labels(
        "Voimassa olevat tai kielteiset palvelupäätökset",
        "Gällande eller negativa servicebeslut",
        "Valid or negative service decisions",
    ),
    (
        *IDENTIFYING,
        _SOCIAL_SERVICE,
        _service_task(False),
        _date(
            "paatospvm",
            False,
            _labels("Päätöspäivä", "Beslutsdatum", "Decision date"),
            default=_labels(
                "päätös on tehty ennen seurantajaksoa",
                "beslutet fattades före uppföljningsperioden",
                "the decision was made before the period",
            ),
        ),
        _date(
            "voimassa_alkaen",
            False,
            _labels("Voimassa alkaen", "Giltigt från", "Valid from"),
            default=_labels("= päätöspäivä", "= beslutsdatum", "= decision date"),
        ),
        _date(
            "voimassa_asti",
            False,
            _labels("Voimassa asti", "Giltigt till", "Valid to"),
            default=_labels("toistaiseksi", "tills vidare", "until further notice"),
        ),
        Column(
            "paatoksen_tyyppi",
            Kind.CODE,
            False,
            _labels("Päätöksen tyyppi", "Beslutstyp", "Decision type"),
            codeset="paatoksen_tyyppi",
            default=_labels("myönteinen", "positivt", "positive"),
        ),
    ),
    start="voimassa_alkaen",
    end="voimassa_asti",
    decided="paatospvm",
)

SERVICES = Component(
    "palvelutiedot",
    "V",
    _labels(
        "Muut tiedot palvelun saamisesta",
        "Övriga uppgifter om att få service",
        "Other information on receiving a service",
    ),
    (
        *IDENTIFYING,
        _SOCIAL_SERVICE,
        _service_task(False),
        _date("alkupvm", False, _START),
        _date("loppupvm", False, _END),
    ),
    start="alkupvm",
    end="loppupvm",
)

COMPONENTS: dict[str, Component] = {
    c.name: c for c in (CLIENT_PERIODS, CHILD_WELFARE, DECISIONS, SERVICES)
}
BY_FILENAME: dict[str, Component] = {c.filename: c for c in COMPONENTS.values()}
#: decision type assumed when the column is empty
DEFAULT_DECISION_TYPE = "1"
#: an end date that means "no end" in every component, as an empty one does
NO_END = dt.date(9999, 12, 31)


def no_end_as_null(end: pl.Expr) -> pl.Expr:
    """An end-date column with :data:`NO_END` read as no end (null)."""
    return pl.when(end != NO_END).then(end)


def get(name: str) -> Component:
    """A component by its name (``asiakkuusjaksot``), file name or Roman numeral."""
    for c in COMPONENTS.values():
        if name in (c.name, c.filename, c.roman):
            return c
    raise KeyError(name)


def decided_in(period: Quarter, decided: pl.Expr) -> pl.Expr:
    """True where a decision date falls within ``period`` (false where it is missing)."""
    return decided.is_between(period.start, period.end).fill_null(False)


def belongs_to(component: Component, period: Quarter) -> pl.Expr:
    """The rows of ``component`` (its typed columns) that are data of ``period``.

    A range belongs to the periods it overlaps (SPEC §3). A decision (IV) belongs as well to
    the period in which it was made: the notification document's decision data covers "Positivt
    servicebeslut som fattats under uppföljningsperioden", "Gällande servicebeslut som fattats
    före uppföljningsperioden och som fortsätter att gälla under hela uppföljningsperioden",
    "Servicebeslut som upphör att gälla under uppföljningsperioden" and "Negativt
    servicebeslut"; so a decision made in 2023Q1 that takes effect in 2023Q2 is data of both.
    Its validity starts at the decision date when not given ("Från och med ... = beslutsdatum")
    and lasts until further notice ("Till och med ... = gäller tills vidare").
    """
    start, end = pl.col(component.start), pl.col(component.end)
    if component.decided is None:
        return period.overlaps_expr(start, end)
    decided = pl.col(component.decided)
    return decided_in(period, decided) | period.overlaps_expr(pl.coalesce(start, decided), end)
