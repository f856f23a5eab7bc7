"""The validation rules of a separate delivery: the one catalogue.

Every rule has a stable id (used in reports, the register and the generated ``docs/rules.md``),
a severity, the level it works on (the whole delivery, or one row), the components and columns
it concerns, an explanation and a message in Finnish, Swedish and English, and — for row rules —
a vectorised check: a Polars expression over whole columns that is true on the rows that break
the rule.

Row checks run on a *prepared* frame (see ``validate.py``): the component's columns as read
(strings, empty = null) plus derived columns named by the constants below (parsed dates, the
identity code's birth date and invalid reason, the effective range of the row, …).

Messages are templates, registered as the codes' texts of :mod:`sosdata.findings`. File-level
messages are filled from a :class:`~sosdata.findings.Finding` (``{file}``, ``{line}``, params…);
row messages take ``{column}`` and ``{period}`` (filled in once) and ``{value}`` / ``{other}``
(filled per row, identity codes masked).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import polars as pl

from sosdata import findings, fixedwidth, identity
from sosdata.components import Component, Kind, decided_in
from sosdata.periods import Quarter

LANGUAGES = ("fi", "sv", "en")

# --- rule ids -------------------------------------------------------------------------------
# file level: reject the whole delivery
FILE_NOT_UTF8 = "FILE_NOT_UTF8"
FILE_DELIMITER = "FILE_DELIMITER"
FILE_EMPTY = "FILE_EMPTY"
FILE_HEADER_MISSING = "FILE_HEADER_MISSING"
FILE_HEADER_DUPLICATE = "FILE_HEADER_DUPLICATE"
FILE_HEADER_UNKNOWN = "FILE_HEADER_UNKNOWN"
FILE_RAGGED_ROW = "FILE_RAGGED_ROW"
FILE_UNREADABLE = "FILE_UNREADABLE"
FILE_TOO_LARGE = "FILE_TOO_LARGE"
FILE_VALUE_TOO_LONG = "FILE_VALUE_TOO_LONG"
FILE_UNKNOWN = "FILE_UNKNOWN"
COMPONENT_NOT_DECLARED = "COMPONENT_NOT_DECLARED"
COMPONENT_DECLARED_MISSING = "COMPONENT_DECLARED_MISSING"
MANIFEST_MISSING = "MANIFEST_MISSING"
MANIFEST_INVALID = "MANIFEST_INVALID"
MANIFEST_PERIOD_MISMATCH = "MANIFEST_PERIOD_MISMATCH"
MANIFEST_ORGANISER_MISMATCH = "MANIFEST_ORGANISER_MISMATCH"
MANIFEST_GROUP_MISMATCH = "MANIFEST_GROUP_MISMATCH"
TOO_MANY_ERRORS = "TOO_MANY_ERRORS"
# row errors: reject the row
REQUIRED_MISSING = "REQUIRED_MISSING"
HETU_FORMAT = "HETU_FORMAT"
HETU_DATE = "HETU_DATE"
HETU_INDIVIDUAL_NUMBER = "HETU_INDIVIDUAL_NUMBER"
HETU_CHECKSUM = "HETU_CHECKSUM"
ORGANISER_UNKNOWN = "ORGANISER_UNKNOWN"
ORGANISER_NOT_MANIFEST = "ORGANISER_NOT_MANIFEST"
MUNICIPALITY_UNKNOWN = "MUNICIPALITY_UNKNOWN"
SEX_UNKNOWN = "SEX_UNKNOWN"
SERVICE_TASK_UNKNOWN = "SERVICE_TASK_UNKNOWN"
SERVICE_TASK_FAMILY_LAW = "SERVICE_TASK_FAMILY_LAW"
SOCIAL_SERVICE_UNKNOWN = "SOCIAL_SERVICE_UNKNOWN"
DECISION_TYPE_UNKNOWN = "DECISION_TYPE_UNKNOWN"
DATE_INVALID = "DATE_INVALID"
START_AFTER_END = "START_AFTER_END"
RANGE_NOT_IN_PERIOD = "RANGE_NOT_IN_PERIOD"
START_AFTER_PERIOD = "START_AFTER_PERIOD"
DECISION_DATE_AFTER_PERIOD = "DECISION_DATE_AFTER_PERIOD"
BORN_AFTER_START = "BORN_AFTER_START"
SERVICE_TASK_AMBIGUOUS = "SERVICE_TASK_AMBIGUOUS"
# warnings: the row is accepted
SERVICE_TASK_NOT_INFERRED = "SERVICE_TASK_NOT_INFERRED"
HETU_TEMPORARY = "HETU_TEMPORARY"
SEX_CONTRADICTS_HETU = "SEX_CONTRADICTS_HETU"
START_BEFORE_2020 = "START_BEFORE_2020"
DUPLICATE_ROW = "DUPLICATE_ROW"
OVERLAPPING_PERIODS = "OVERLAPPING_PERIODS"
MUNICIPALITY_OUTSIDE_AREA = "MUNICIPALITY_OUTSIDE_AREA"
CW_CLIENT_OVER_25 = "CW_CLIENT_OVER_25"

# --- derived columns of the prepared frame (built in validate.py) ---------------------------
LINE = "_line"
HETU_INVALID = "_hetu_invalid"  # identity.Invalid value, null when valid
BIRTH_DATE = "_birth_date"
HETU_SEX = "_hetu_sex"  # "1"/"2" from the individual number
HETU_IS_TEMPORARY = "_hetu_temporary"
DUPLICATE = "_duplicate"  # an exact copy of an earlier row
RANGE_START = "_range_start"  # the row's effective start (IV: valid from, else decision date)
RANGE_END = "_range_end"
TASKS_IN_II = "_tasks_in_ii"  # IV/V: number of distinct service tasks of the person in II
OVERLAPS = "_overlaps"  # II/III: the row's range overlaps another of the same person (and task)
ORGANISER_NUMBER = "_organiser_number"  # the row's organiser's place in the register, or null
SERVED_BY = "_served_by"  # the place in the register of the organiser serving the municipality

#: SPEC §3: a relationship started earlier may be given as this date
EARLIEST_START = dt.date(2020, 1, 1)
#: section-27 clients are children and young adults (after-care ends at 25)
CW_MAX_AGE = 25


def date_column(column: str) -> str:
    """Name of the parsed form of a date column in the prepared frame."""
    return f"_date_{column}"


def code_column(column: str) -> str:
    """Name of a coded column's places in its code set in the prepared frame."""
    return f"_code_{column}"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Level(StrEnum):
    FILE = "file"  # rejects the whole delivery
    ROW = "row"


@dataclass(frozen=True)
class Context:
    """What row checks need besides the rows: the period, code sets, organisers, manifest."""

    component: Component
    period: Quarter
    #: code-set name → codes valid on at least one day of the period
    codes: dict[str, list[str]]
    #: service tasks that are delivered (not family-law services)
    reported_tasks: list[str]
    #: the organiser register's OIDs; a row's organiser is known by its place in this list
    organisers: list[str]
    #: municipality code → the place of the organiser serving it in ``organisers``
    municipality_organiser: dict[str, int]
    manifest_organiser: str | None = None

    def organiser_number(self, oid: str | None) -> int | None:
        return self.organisers.index(oid) if oid in self.organisers else None

    def code_places(self, codeset: str) -> dict[str, int]:
        """Each code's place in its code set (see :meth:`code_columns`)."""
        return {code: i for i, code in enumerate(self.codes[codeset])}

    def code_columns(self, frame: pl.DataFrame) -> list[pl.Series]:
        """Per coded column, each value's place in its code set (null when not in it): the
        code-set rules compare small integers instead of looking up each string."""
        return [
            fixedwidth.look_up(
                frame.get_column(c.name), self.code_places(c.codeset), code_column(c.name)
            )
            for c in self.component.columns
            if c.codeset is not None
        ]

    def organiser_columns(self, frame: pl.DataFrame) -> list[pl.Series]:
        """The organiser lookups several rules share, computed once per row."""
        return [
            self._organiser_numbers(frame.get_column("jarjestaja")).alias(ORGANISER_NUMBER),
            fixedwidth.look_up(
                frame.get_column("kotikunta"), self.municipality_organiser, SERVED_BY
            ),
        ]

    def _organiser_numbers(self, oids: pl.Series) -> pl.Series:
        # a file is nearly always one organiser's: one comparison per row instead of a lookup
        first = oids[0] if len(oids) else None
        if first is not None and oids.eq_missing(first).all():
            return pl.repeat(self.organiser_number(first), len(oids), dtype=pl.UInt16, eager=True)
        return oids.cast(pl.Enum(self.organisers), strict=False).to_physical().cast(pl.UInt16)


Check = Callable[[Context, str], pl.Expr]
Targets = Callable[[Component], list[str]]
Other = Callable[[Context, str], pl.Expr]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    level: Level
    #: what the rule means and what to do, per language (docs, HTML report)
    explanation: dict[str, str]
    #: one issue's message, per language
    message: dict[str, str]
    #: the columns the rule checks in a component (empty: not applicable); row rules only
    targets: Targets | None = None
    #: true on the rows that break the rule
    check: Check | None = None
    #: the ``{other}`` value of a row message
    other: Other | None = None
    #: text for the documentation: which components/columns
    scope: str = ""

    def columns(self, component: Component) -> list[str]:
        return self.targets(component) if self.targets else []

    def broken(self, ctx: Context, column: str) -> pl.Expr:
        """The check of a row rule on ``column``: true on the rows that break it."""
        if self.check is None:
            raise TypeError(f"rule {self.id} has no row check")
        return self.check(ctx, column)

    def shown_values(self, ctx: Context, column: str) -> dict[str, pl.Expr]:
        """The values a row message of this rule on ``column`` shows (``value``, ``other``),
        masked, as expressions over the frame: only those its templates name."""
        named = set(re.findall(r"\{(value|other)\}", " ".join(self.message.values())))
        shown = {}
        if "value" in named:
            shown["value"] = _shown_value(ctx.component, column)
        if "other" in named:
            other = self.other(ctx, column) if self.other else pl.lit("")
            shown["other"] = identity.redact_expr(other.cast(pl.String))
        return shown

    def message_expr(self, ctx: Context, column: str, lang: str) -> pl.Expr:
        """The row messages of this rule on ``column`` as one expression over the frame."""
        shown = self.shown_values(ctx, column)
        return self.message_from(
            lang,
            column=pl.lit(column),
            period=str(ctx.period),
            value=shown.get("value", pl.lit(None, pl.String)),
            other=shown.get("other", pl.lit(None, pl.String)),
        )

    def message_from(
        self, lang: str, *, column: pl.Expr, period: str, value: pl.Expr, other: pl.Expr
    ) -> pl.Expr:
        """The row messages in ``lang`` from the expressions of their column and shown values:
        when validating, and when stored issues are read in the reader's language."""
        fields = {"column": column, "value": value, "other": other}
        template = self.message[lang].replace("{period}", period)
        names = re.findall(r"\{(column|value|other)\}", template)
        fmt = re.sub(r"\{(column|value|other)\}", "{}", template)
        if not names:
            return pl.lit(fmt)
        return pl.format(fmt, *(fields[n].fill_null("") for n in names))


def _shown_value(component: Component, column: str) -> pl.Expr:
    """A column's value as it may appear in a report: identity codes masked, in their own
    column and wherever else one was written."""
    col = pl.col(column)
    if column in component.column_names and component.column(column).kind is Kind.IDENTITY:
        return identity.mask_expr(col)
    return identity.redact_expr(col)


def _t(fi: str, sv: str, en: str) -> dict[str, str]:
    return {"fi": fi, "sv": sv, "en": en}


# --- target helpers -----------------------------------------------------------------------


def _column(name: str, components: tuple[str, ...] | None = None) -> Targets:
    def targets(component: Component) -> list[str]:
        if components is not None and component.name not in components:
            return []
        return [name] if name in component.column_names else []

    return targets


def _required(component: Component) -> list[str]:
    return [c.name for c in component.columns if c.required]


def _dates(component: Component) -> list[str]:
    return [c.name for c in component.columns if c.kind is Kind.DATE]


def _start(component: Component) -> list[str]:
    return [component.start] if component.start else []


def _end(component: Component) -> list[str]:
    return [component.end] if component.end else []


def _born_targets(component: Component) -> list[str]:
    # the dates on which the client must already have been alive
    return [c.name for c in component.columns if c.kind is Kind.DATE and c.name != component.end]


def _row(components: tuple[str, ...] | None = None) -> Targets:
    """A rule about the whole row; the issue names no column."""

    def targets(component: Component) -> list[str]:
        if components is not None and component.name not in components:
            return []
        return [""]

    return targets


# --- check helpers --------------------------------------------------------------------------


def _not_in_code_set(ctx: Context, column: str) -> pl.Expr:
    # the column's places in its own code set (Context.code_columns)
    return pl.col(column).is_not_null() & pl.col(code_column(column)).is_null()


def _hetu_reason(reason: identity.Invalid) -> Check:
    return lambda ctx, column: pl.col(HETU_INVALID) == reason.value


def _valid_hetu() -> pl.Expr:
    return pl.col("henkilotunnus").is_not_null() & pl.col(HETU_INVALID).is_null()


def _date_invalid(ctx: Context, column: str) -> pl.Expr:
    return pl.col(column).is_not_null() & pl.col(date_column(column)).is_null()


def _organiser_unknown(ctx: Context, column: str) -> pl.Expr:
    return pl.col(column).is_not_null() & pl.col(ORGANISER_NUMBER).is_null()


def _organiser_not_manifest(ctx: Context, column: str) -> pl.Expr:
    if ctx.manifest_organiser is None:
        return pl.lit(False)
    manifest = pl.lit(ctx.organiser_number(ctx.manifest_organiser), dtype=pl.UInt16)
    return pl.col(ORGANISER_NUMBER).is_not_null() & pl.col(ORGANISER_NUMBER).ne_missing(manifest)


def _sex_contradicts(sex: pl.Expr) -> pl.Expr:
    # comparisons with a constant, far cheaper than comparing a string column with the enum
    hetu_sex = pl.col(HETU_SEX)
    return ((sex == "1") & (hetu_sex == "2")) | ((sex == "2") & (hetu_sex == "1"))


def _family_law(ctx: Context, column: str) -> pl.Expr:
    # codes of the code set that are not delivered
    places = ctx.code_places("palvelutehtava")
    family_law = [place for code, place in places.items() if code not in ctx.reported_tasks]
    return pl.col(code_column(column)).is_in(family_law)


def _outside_area(ctx: Context, column: str) -> pl.Expr:
    # null (not flagged) where either the organiser or the municipality is unknown
    return pl.col(SERVED_BY) != pl.col(ORGANISER_NUMBER)


def _duplicate(ctx: Context, column: str) -> pl.Expr:
    return pl.col(DUPLICATE)


def _cw_over_25(ctx: Context, column: str) -> pl.Expr:
    aged_26 = pl.col(BIRTH_DATE).dt.offset_by(f"{CW_MAX_AGE + 1}y")
    return aged_26 <= pl.col(date_column(column))


def _end_of(ctx: Context, column: str) -> pl.Expr:
    return pl.col(RANGE_END).cast(pl.String)


def _not_decided_in_period(ctx: Context) -> pl.Expr:
    """IV: a decision made during the period is data of it whatever its validity (see
    ``components.belongs_to``); elsewhere true."""
    decided = ctx.component.decided
    if decided is None:
        return pl.lit(True)
    return ~decided_in(ctx.period, pl.col(date_column(decided)))


def _ended_before_period(ctx: Context, column: str) -> pl.Expr:
    return (pl.col(RANGE_END) < ctx.period.start) & _not_decided_in_period(ctx)


def _starts_after_period(ctx: Context, column: str) -> pl.Expr:
    return (pl.col(date_column(column)) > ctx.period.end) & _not_decided_in_period(ctx)


def _tasks_in_ii() -> pl.Expr:
    return pl.col(TASKS_IN_II).fill_null(0)


def _task_ambiguous(ctx: Context, column: str) -> pl.Expr:
    # IV only: all six contents are delivered, so a task the footnote cannot give is missing
    if ctx.component.decided is None:
        return pl.lit(False)
    return pl.col(column).is_null() & (_tasks_in_ii() >= 2)


def _task_not_inferred(ctx: Context, column: str) -> pl.Expr:
    # V: the task is optional, the row is kept whatever II says; IV: II of this delivery says
    # nothing of the person, so the register's client periods may still give the task
    missing = pl.col(column).is_null()
    if ctx.component.decided is None:
        return missing & (_tasks_in_ii() != 1)
    return missing & (_tasks_in_ii() == 0)


# --- the catalogue --------------------------------------------------------------------------

E, W = Severity.ERROR, Severity.WARNING
FILE, ROW = Level.FILE, Level.ROW
_CODE_COMPONENTS_IV_V = ("palvelupaatokset", "palvelutiedot")

CATALOGUE: tuple[Rule, ...] = (
    # file level
    Rule(
        FILE_NOT_UTF8,
        E,
        FILE,
        _t(
            "Tiedoston merkistö ei ole UTF-8. Tallenna tiedosto UTF-8-muodossa (BOM sallitaan).",
            "Filens teckenkodning är inte UTF-8. Spara filen som UTF-8 (BOM tillåts).",
            "The file is not UTF-8. Save it as UTF-8 (a byte-order mark is allowed).",
        ),
        _t(
            "{file}: ei UTF-8-muotoa: rivi {line}, sarake {column}, ensimmäinen virheellinen tavu "
            "{byte} (tavu {offset} tiedoston alusta). Tallenna tiedosto UTF-8-muodossa.",
            "{file}: inte UTF-8: rad {line}, kolumn {column}, första felaktiga byte {byte} "
            "(byte {offset} från filens början). Spara filen som UTF-8.",
            "{file}: not UTF-8: line {line}, column {column}, first bad byte {byte} (byte "
            "{offset} from the start of the file). Save the file as UTF-8.",
        ),
        scope="every file",
    ),
    Rule(
        FILE_DELIMITER,
        E,
        FILE,
        _t(
            "Sarakkeet on erotettava puolipisteellä (;).",
            "Kolumnerna ska skiljas åt med semikolon (;).",
            "Columns must be separated by semicolons (;).",
        ),
        _t(
            "{file}, rivi 1: otsikkorivillä ei ole puolipisteitä; erotin näyttää olevan {found}. "
            "Käytä erottimena puolipistettä (;).",
            "{file}, rad 1: rubrikraden har inga semikolon; avgränsaren verkar vara {found}. "
            "Använd semikolon (;) som avgränsare.",
            "{file}, line 1: the header has no semicolons; the delimiter seems to be {found}. "
            "Separate the columns with semicolons (;).",
        ),
        scope="every CSV file",
    ),
    Rule(
        FILE_EMPTY,
        E,
        FILE,
        _t(
            "Tiedosto on tyhjä tai siinä on vain otsikkorivi. Jätä osa pois paketista ja "
            "luettelosta, jos sitä ei toimiteta.",
            "Filen är tom eller har bara en rubrikrad. Lämna bort delen ur paketet och "
            "manifestet om den inte levereras.",
            "The file is empty or has only a header. Leave the component out of the package and "
            "the manifest if it is not delivered.",
        ),
        _t(
            "{file}: ei yhtään datariviä (tyhjä tiedosto tai pelkkä otsikkorivi).",
            "{file}: inga datarader (tom fil eller bara en rubrikrad).",
            "{file}: no data rows (an empty file or a header only).",
        ),
        scope="every CSV file",
    ),
    Rule(
        FILE_HEADER_MISSING,
        E,
        FILE,
        _t(
            "Otsikkorivistä puuttuu osan sarakkeita. Jokainen sarake on oltava otsikossa, vaikka "
            "sen arvot olisivat tyhjiä.",
            "Rubrikraden saknar kolumner. Varje kolumn ska finnas i rubriken även om dess "
            "värden är tomma.",
            "The header lacks some of the component's columns. Every column must be in the "
            "header even when its values are empty.",
        ),
        _t(
            "{file}, rivi 1: otsikosta puuttuu sarakkeet {columns}. Lisää ne otsikkoriville.",
            "{file}, rad 1: rubriken saknar kolumnerna {columns}. Lägg till dem i rubriken.",
            "{file}, line 1: the header lacks the columns {columns}. Add them to the header.",
        ),
        scope="every CSV file",
    ),
    Rule(
        FILE_HEADER_DUPLICATE,
        E,
        FILE,
        _t(
            "Sama sarake on otsikossa useammin kuin kerran.",
            "Samma kolumn finns flera gånger i rubriken.",
            "A column appears more than once in the header.",
        ),
        _t(
            "{file}, rivi 1: sarakkeet {columns} ovat otsikossa useammin kuin kerran "
            "(sarakkeet {positions}). Poista ylimääräiset.",
            "{file}, rad 1: kolumnerna {columns} finns flera gånger i rubriken "
            "(kolumn {positions}). Ta bort de extra.",
            "{file}, line 1: the columns {columns} appear more than once in the header "
            "(columns {positions}). Remove the extra ones.",
        ),
        scope="every CSV file",
    ),
    Rule(
        FILE_HEADER_UNKNOWN,
        E,
        FILE,
        _t(
            "Otsikossa on sarake, jota osaan ei kuulu. Tarkista nimen kirjoitusasu tai poista "
            "sarake.",
            "Rubriken har en kolumn som inte hör till delen. Kontrollera stavningen eller ta "
            "bort kolumnen.",
            "The header has a column the component does not have. Check its spelling or remove it.",
        ),
        _t(
            "{file}, rivi 1: tuntemattomat sarakkeet {columns} (sarakkeet {positions}). "
            "Sallitut sarakkeet: {allowed}.",
            "{file}, rad 1: okända kolumner {columns} (kolumn {positions}). Tillåtna "
            "kolumner: {allowed}.",
            "{file}, line 1: unknown columns {columns} (columns {positions}). Allowed columns: "
            "{allowed}.",
        ),
        scope="every CSV file",
    ),
    Rule(
        FILE_RAGGED_ROW,
        E,
        FILE,
        _t(
            "Rivillä on eri määrä kenttiä kuin otsikossa. Tyhjäkin arvo tarvitsee oman "
            "kenttänsä; arvoissa ei saa olla puolipisteitä eikä rivinvaihtoja.",
            "Raden har ett annat antal fält än rubriken. Även ett tomt värde behöver sitt fält; "
            "värden får inte innehålla semikolon eller radbrytningar.",
            "A row has a different number of fields than the header. An empty value still needs "
            "its field; values must not contain semicolons or line breaks.",
        ),
        _t(
            "{file}, rivi {line}: {found} kenttää, otsikossa {expected}{more}. Korjaa rivit niin, "
            "että jokaisella on {expected} kenttää.",
            "{file}, rad {line}: {found} fält, rubriken har {expected}{more}. Rätta raderna så "
            "att var och en har {expected} fält.",
            "{file}, line {line}: {found} fields, the header has {expected}{more}. Give every "
            "row {expected} fields.",
        ),
        scope="every CSV file",
    ),
    Rule(
        FILE_UNREADABLE,
        E,
        FILE,
        _t(
            "Pakettia tai tiedostoa ei voi lukea (esimerkiksi rikkinäinen ZIP-tiedosto).",
            "Paketet eller filen kan inte läsas (till exempel en skadad ZIP-fil).",
            "The package or file cannot be read (for example a damaged ZIP file).",
        ),
        _t(
            "{file}: tiedostoa ei voi lukea: {reason}. Luo tiedosto uudelleen.",
            "{file}: filen kan inte läsas: {reason}. Skapa filen på nytt.",
            "{file}: cannot be read: {reason}. Create the file again.",
        ),
        scope="the package, every file",
    ),
    Rule(
        FILE_TOO_LARGE,
        E,
        FILE,
        _t(
            "Paketti on purettuna suurempi kuin rekisteri ottaa vastaan, tai ZIP-tiedoston "
            "jäsen laajenee epätavallisen paljon (ZIP-pommi). Paketti hylätään lukematta.",
            "Paketet är större uppackat än registret tar emot, eller en fil i ZIP-arkivet växer "
            "ovanligt mycket (ZIP-bomb). Paketet avvisas oläst.",
            "The package is larger uncompressed than the register accepts, or a ZIP member "
            "inflates unusually far (a ZIP bomb). The package is refused unread.",
        ),
        _t(
            "{file}: {size} tavua purettuna, raja on {limit} ({setting}). Jaa toimitus tai "
            "tarkista paketti.",
            "{file}: {size} byte uppackat, gränsen är {limit} ({setting}). Dela leveransen "
            "eller kontrollera paketet.",
            "{file}: {size} bytes uncompressed, the limit is {limit} ({setting}). Split the "
            "delivery or check the package.",
        ),
        scope="the package, every ZIP member",
    ),
    Rule(
        FILE_VALUE_TOO_LONG,
        E,
        FILE,
        _t(
            "Arvo on pidempi kuin mikään sarakkeen sallittu arvo voi olla (koodit ja päivämäärät "
            "ovat lyhyitä). Tiedosto on luultavasti rikki.",
            "Ett värde är längre än något tillåtet värde i kolumnen kan vara (koder och datum "
            "är korta). Filen är troligen skadad.",
            "A value is longer than any allowed value of its column can be (codes and dates are "
            "short). The file is probably damaged.",
        ),
        _t(
            "{file}, rivi {line}, sarake {column}: arvossa on {length} merkkiä, enintään "
            "{limit} sallitaan. Korjaa arvo.",
            "{file}, rad {line}, kolumn {column}: värdet har {length} tecken, högst {limit} "
            "tillåts. Rätta värdet.",
            "{file}, line {line}, column {column}: the value has {length} characters, at most "
            "{limit} are allowed. Correct the value.",
        ),
        scope="every CSV file",
    ),
    Rule(
        FILE_UNKNOWN,
        E,
        FILE,
        _t(
            "Paketissa on tiedosto, joka ei kuulu toimitukseen. Sallitut: manifest.json ja "
            "asiakkuusjaksot.csv, lastensuojelu.csv, palvelupaatokset.csv, palvelutiedot.csv.",
            "Paketet har en fil som inte hör till leveransen. Tillåtna: manifest.json och "
            "asiakkuusjaksot.csv, lastensuojelu.csv, palvelupaatokset.csv, palvelutiedot.csv.",
            "The package has a file that is not part of the format. Allowed: manifest.json and "
            "asiakkuusjaksot.csv, lastensuojelu.csv, palvelupaatokset.csv, palvelutiedot.csv.",
        ),
        _t(
            "{file}: tuntematon tiedosto paketissa. Poista se tai nimeä se osan mukaan.",
            "{file}: okänd fil i paketet. Ta bort den eller namnge den enligt delen.",
            "{file}: unknown file in the package. Remove it or name it after its component.",
        ),
        scope="the package",
    ),
    Rule(
        COMPONENT_NOT_DECLARED,
        E,
        FILE,
        _t(
            "Paketissa on osan tiedosto, jota manifestin osat-luettelo ei mainitse.",
            "Paketet har en fil för en del som manifestets lista osat inte nämner.",
            "The package has a component file that the manifest's osat list does not name.",
        ),
        _t(
            "{file}: osa {component} puuttuu manifestin osat-luettelosta. Lisää se luetteloon "
            "tai poista tiedosto.",
            "{file}: delen {component} saknas i manifestets lista osat. Lägg till den eller ta "
            "bort filen.",
            "{file}: component {component} is not in the manifest's osat. Add it there or "
            "remove the file.",
        ),
        scope="the package",
    ),
    Rule(
        COMPONENT_DECLARED_MISSING,
        E,
        FILE,
        _t(
            "Manifestin osat-luettelo mainitsee osan, jonka tiedostoa paketissa ei ole.",
            "Manifestets lista osat nämner en del vars fil saknas i paketet.",
            "The manifest's osat list names a component whose file is not in the package.",
        ),
        _t(
            "manifest.json: osa {component} on luettelossa, mutta tiedostoa {file} ei ole. "
            "Lisää tiedosto tai poista osa luettelosta.",
            "manifest.json: delen {component} finns i listan men filen {file} saknas. Lägg "
            "till filen eller ta bort delen ur listan.",
            "manifest.json: component {component} is listed but {file} is missing. Add the "
            "file or remove the component from the list.",
        ),
        scope="the package",
    ),
    Rule(
        MANIFEST_MISSING,
        E,
        FILE,
        _t(
            "Paketista (ZIP tai kansio) puuttuu manifest.json.",
            "Paketet (ZIP eller mapp) saknar manifest.json.",
            "The package (ZIP or folder) has no manifest.json.",
        ),
        _t(
            "{file}: manifest.json puuttuu. Lisää se pakettiin (ks. docs/delivery-format.md).",
            "{file}: manifest.json saknas. Lägg till den i paketet (se docs/delivery-format.md).",
            "{file}: manifest.json is missing. Add it to the package "
            "(see docs/delivery-format.md).",
        ),
        scope="the package",
    ),
    Rule(
        MANIFEST_INVALID,
        E,
        FILE,
        _t(
            "manifest.json ei ole kelvollinen: JSON-virhe, puuttuva tai väärän muotoinen kenttä.",
            "manifest.json är inte giltig: JSON-fel, ett fält saknas eller har fel form.",
            "manifest.json is not valid: JSON syntax, a missing field or a field of the wrong "
            "form.",
        ),
        _t(
            "manifest.json{where}: {reason}",
            "manifest.json{where}: {reason}",
            "manifest.json{where}: {reason}",
        ),
        scope="manifest.json",
    ),
    Rule(
        MANIFEST_PERIOD_MISMATCH,
        E,
        FILE,
        _t(
            "Manifestin seurantajakso ei ole se jakso, jolle toimitus tarkistetaan tai lähetetään.",
            "Manifestets uppföljningsperiod är inte den period leveransen kontrolleras eller "
            "skickas för.",
            "The manifest's period is not the period the delivery is checked or submitted for.",
        ),
        _t(
            "manifest.json: seurantajakso on {found}, odotettiin {expected}.",
            "manifest.json: uppföljningsperioden är {found}, förväntades {expected}.",
            "manifest.json: seurantajakso is {found}, expected {expected}.",
        ),
        scope="manifest.json",
    ),
    Rule(
        MANIFEST_ORGANISER_MISMATCH,
        E,
        FILE,
        _t(
            "Manifestin järjestäjä ei ole annettu järjestäjä (tai lähettäjän organisaatio).",
            "Manifestets anordnare är inte den angivna anordnaren (eller avsändarens "
            "organisation).",
            "The manifest's organiser is not the organiser given (or the submitter's).",
        ),
        _t(
            "manifest.json: jarjestaja on {found}, odotettiin {expected}.",
            "manifest.json: jarjestaja är {found}, förväntades {expected}.",
            "manifest.json: jarjestaja is {found}, expected {expected}.",
        ),
        scope="manifest.json",
    ),
    Rule(
        MANIFEST_GROUP_MISMATCH,
        E,
        FILE,
        _t(
            "Manifestin kuntaryhmä ei ole annettu kuntaryhmä.",
            "Manifestets kommungrupp är inte den angivna kommungruppen.",
            "The manifest's municipality group is not the group given.",
        ),
        _t(
            "manifest.json: kuntaryhma on {found}, odotettiin {expected}.",
            "manifest.json: kuntaryhma är {found}, förväntades {expected}.",
            "manifest.json: kuntaryhma is {found}, expected {expected}.",
        ),
        scope="manifest.json",
    ),
    Rule(
        TOO_MANY_ERRORS,
        E,
        FILE,
        _t(
            "Liian suuressa osassa osan riveistä on virheitä (raja asetuksessa error_threshold, "
            "oletus 5 %). Koko toimitus hylätään; korjaa virheet ja toimita uudelleen.",
            "För stor andel av delens rader har fel (gränsen i inställningen error_threshold, "
            "standard 5 %). Hela leveransen avvisas; rätta felen och leverera på nytt.",
            "Too large a share of a component's rows are in error (limit: setting "
            "error_threshold, default 5 %). The whole delivery is rejected; correct and resend.",
        ),
        _t(
            "{file}: {errors} / {rows} riviä virheellisiä ({share}), raja {limit}.",
            "{file}: {errors} / {rows} rader har fel ({share}), gränsen är {limit}.",
            "{file}: {errors} of {rows} rows in error ({share}), the limit is {limit}.",
        ),
        scope="every component",
    ),
    # row errors
    Rule(
        REQUIRED_MISSING,
        E,
        ROW,
        _t(
            "Pakollinen tieto puuttuu.",
            "En obligatorisk uppgift saknas.",
            "A required value is missing.",
        ),
        _t(
            "Pakollinen sarake {column} on tyhjä.",
            "Den obligatoriska kolumnen {column} är tom.",
            "The required column {column} is empty.",
        ),
        targets=_required,
        check=lambda ctx, column: pl.col(column).is_null(),
        scope="every required column",
    ),
    Rule(
        HETU_FORMAT,
        E,
        ROW,
        _t(
            "Henkilötunnus ei ole muotoa PPKKVVCNNNT (11 merkkiä, isot kirjaimet, ei "
            "välilyöntejä).",
            "Personbeteckningen har inte formen DDMMÅÅCNNNK (11 tecken, versaler, inga "
            "mellanslag).",
            "The identity code is not of the form DDMMYYCNNNQ (11 characters, capitals, no "
            "spaces).",
        ),
        _t(
            "Henkilötunnus {value}: " + identity.REASON_TEXT[identity.Invalid.FORMAT]["fi"] + ".",
            "Personbeteckning {value}: "
            + identity.REASON_TEXT[identity.Invalid.FORMAT]["sv"]
            + ".",
            "Identity code {value}: " + identity.REASON_TEXT[identity.Invalid.FORMAT]["en"] + ".",
        ),
        targets=_column("henkilotunnus"),
        check=_hetu_reason(identity.Invalid.FORMAT),
        scope="henkilotunnus",
    ),
    Rule(
        HETU_DATE,
        E,
        ROW,
        _t(
            "Henkilötunnuksen syntymäaika ei ole olemassa oleva päivä.",
            "Personbeteckningens födelsedatum är inte ett existerande datum.",
            "The birth date of the identity code is not a real date.",
        ),
        _t(
            "Henkilötunnus {value}: " + identity.REASON_TEXT[identity.Invalid.DATE]["fi"] + ".",
            "Personbeteckning {value}: " + identity.REASON_TEXT[identity.Invalid.DATE]["sv"] + ".",
            "Identity code {value}: " + identity.REASON_TEXT[identity.Invalid.DATE]["en"] + ".",
        ),
        targets=_column("henkilotunnus"),
        check=_hetu_reason(identity.Invalid.DATE),
        scope="henkilotunnus",
    ),
    Rule(
        HETU_INDIVIDUAL_NUMBER,
        E,
        ROW,
        _t(
            "Henkilötunnuksen yksilönumero 000 tai 001 ei ole käytössä.",
            "Individnumret 000 eller 001 används inte.",
            "The individual number 000 or 001 is never issued.",
        ),
        _t(
            "Henkilötunnus {value}: "
            + identity.REASON_TEXT[identity.Invalid.INDIVIDUAL_NUMBER]["fi"]
            + ".",
            "Personbeteckning {value}: "
            + identity.REASON_TEXT[identity.Invalid.INDIVIDUAL_NUMBER]["sv"]
            + ".",
            "Identity code {value}: "
            + identity.REASON_TEXT[identity.Invalid.INDIVIDUAL_NUMBER]["en"]
            + ".",
        ),
        targets=_column("henkilotunnus"),
        check=_hetu_reason(identity.Invalid.INDIVIDUAL_NUMBER),
        scope="henkilotunnus",
    ),
    Rule(
        HETU_CHECKSUM,
        E,
        ROW,
        _t(
            "Henkilötunnuksen tarkistusmerkki ei täsmää: tunnus on kirjoitettu väärin.",
            "Personbeteckningens kontrolltecken stämmer inte: beteckningen är felskriven.",
            "The check character does not match: the code is mistyped.",
        ),
        _t(
            "Henkilötunnus {value}: "
            + identity.REASON_TEXT[identity.Invalid.CHECK_CHARACTER]["fi"]
            + ".",
            "Personbeteckning {value}: "
            + identity.REASON_TEXT[identity.Invalid.CHECK_CHARACTER]["sv"]
            + ".",
            "Identity code {value}: "
            + identity.REASON_TEXT[identity.Invalid.CHECK_CHARACTER]["en"]
            + ".",
        ),
        targets=_column("henkilotunnus"),
        check=_hetu_reason(identity.Invalid.CHECK_CHARACTER),
        scope="henkilotunnus",
    ),
    Rule(
        ORGANISER_UNKNOWN,
        E,
        ROW,
        _t(
            "Järjestäjän OID-tunnusta ei ole järjestäjärekisterissä.",
            "Anordnarens OID finns inte i anordnarregistret.",
            "The organiser OID is not in the organiser register.",
        ),
        _t(
            "Järjestäjä {value} on tuntematon.",
            "Anordnaren {value} är okänd.",
            "Organiser {value} is unknown.",
        ),
        targets=_column("jarjestaja"),
        check=_organiser_unknown,
        scope="jarjestaja",
    ),
    Rule(
        ORGANISER_NOT_MANIFEST,
        E,
        ROW,
        _t(
            "Rivin järjestäjä ei ole manifestin järjestäjä: toimitus koskee yhtä järjestäjää.",
            "Radens anordnare är inte manifestets: en leverans gäller en anordnare.",
            "The row's organiser is not the manifest's: a delivery covers one organiser.",
        ),
        _t(
            "Järjestäjä {value} ei ole manifestin järjestäjä {other}.",
            "Anordnaren {value} är inte manifestets anordnare {other}.",
            "Organiser {value} is not the manifest's organiser {other}.",
        ),
        targets=_column("jarjestaja"),
        check=_organiser_not_manifest,
        other=lambda ctx, column: pl.lit(ctx.manifest_organiser or ""),
        scope="jarjestaja",
    ),
    Rule(
        MUNICIPALITY_UNKNOWN,
        E,
        ROW,
        _t(
            "Kotikunta ei ole kuntakoodi, joka on voimassa seurantajaksolla (3 numeroa, esim. "
            "091; erikoiskoodit 198, 199, 200).",
            "Hemkommunen är inte en kommunkod som gäller under perioden (3 siffror, t.ex. 091; "
            "specialkoder 198, 199, 200).",
            "The home municipality is not a municipality code valid in the period (3 digits, "
            "e.g. 091; special codes 198, 199, 200).",
        ),
        _t(
            "Kotikunta {value} ei ole kuntakoodi jaksolla {period}.",
            "Hemkommunen {value} är ingen kommunkod under perioden {period}.",
            "Home municipality {value} is not a municipality code in {period}.",
        ),
        targets=_column("kotikunta"),
        check=_not_in_code_set,
        scope="kotikunta",
    ),
    Rule(
        SEX_UNKNOWN,
        E,
        ROW,
        _t(
            "Sukupuoli ei ole koodiston AR/YDIN – Sukupuoli koodi (0, 1, 2, 9).",
            "Könet är inte en kod i kodverket AR/YDIN – Kön (0, 1, 2, 9).",
            "Sex is not a code of AR/YDIN – Sex (0, 1, 2, 9).",
        ),
        _t(
            "Sukupuoli {value} ei ole koodistossa.",
            "Kön {value} finns inte i kodverket.",
            "Sex {value} is not in the code set.",
        ),
        targets=_column("sukupuoli"),
        check=_not_in_code_set,
        scope="sukupuoli",
    ),
    Rule(
        SERVICE_TASK_UNKNOWN,
        E,
        ROW,
        _t(
            "Palvelutehtävä ei ole koodiston Sosiaalihuolto – Palvelutehtävä koodi, joka on "
            "voimassa seurantajaksolla.",
            "Serviceuppgiften är inte en kod i kodverket Socialvård – Serviceuppgift som gäller "
            "under perioden.",
            "The service task is not a code of Social welfare – Service task valid in the period.",
        ),
        _t(
            "Palvelutehtävä {value} ei ole koodistossa jaksolla {period}.",
            "Serviceuppgiften {value} finns inte i kodverket under {period}.",
            "Service task {value} is not in the code set in {period}.",
        ),
        targets=_column("palvelutehtava"),
        check=_not_in_code_set,
        scope="palvelutehtava",
    ),
    Rule(
        SERVICE_TASK_FAMILY_LAW,
        E,
        ROW,
        _t(
            "Perheoikeudellisten palvelujen tietoja ei toimiteta rekisteriin.",
            "Uppgifter om familjerättslig service levereras inte till registret.",
            "Family-law services are not delivered to the register.",
        ),
        _t(
            "Palvelutehtävää {value} ei toimiteta; poista rivi.",
            "Serviceuppgiften {value} levereras inte; ta bort raden.",
            "Service task {value} is not delivered; remove the row.",
        ),
        targets=_column("palvelutehtava"),
        check=_family_law,
        scope="palvelutehtava",
    ),
    Rule(
        SOCIAL_SERVICE_UNKNOWN,
        E,
        ROW,
        _t(
            "Sosiaalipalvelu ei ole koodiston Sosiaalihuolto – Sosiaalipalvelu koodi, joka on "
            "voimassa seurantajaksolla.",
            "Socialservicen är inte en kod i kodverket Socialvård – Socialservice som gäller "
            "under perioden.",
            "The social service is not a code of Social welfare – Social service valid in the "
            "period.",
        ),
        _t(
            "Sosiaalipalvelu {value} ei ole koodistossa jaksolla {period}.",
            "Socialservicen {value} finns inte i kodverket under {period}.",
            "Social service {value} is not in the code set in {period}.",
        ),
        targets=_column("sosiaalipalvelu"),
        check=_not_in_code_set,
        scope="sosiaalipalvelu",
    ),
    Rule(
        DECISION_TYPE_UNKNOWN,
        E,
        ROW,
        _t(
            "Päätöksen tyyppi ei ole 1 (myönteinen), 2 (kielteinen) tai 3 (osittain myönteinen).",
            "Beslutstypen är inte 1 (positivt), 2 (negativt) eller 3 (delvis positivt).",
            "The decision type is not 1 (positive), 2 (negative) or 3 (partially positive).",
        ),
        _t(
            "Päätöksen tyyppi {value} ei ole koodistossa.",
            "Beslutstypen {value} finns inte i kodverket.",
            "Decision type {value} is not in the code set.",
        ),
        targets=_column("paatoksen_tyyppi"),
        check=_not_in_code_set,
        scope="paatoksen_tyyppi",
    ),
    Rule(
        DATE_INVALID,
        E,
        ROW,
        _t(
            "Päivämäärä ei ole olemassa oleva päivä muodossa VVVV-KK-PP.",
            "Datumet är inte ett existerande datum i formen ÅÅÅÅ-MM-DD.",
            "The date is not a real date of the form YYYY-MM-DD.",
        ),
        _t(
            "{column} {value} ei ole päivämäärä muodossa VVVV-KK-PP.",
            "{column} {value} är inte ett datum i formen ÅÅÅÅ-MM-DD.",
            "{column} {value} is not a date of the form YYYY-MM-DD.",
        ),
        targets=_dates,
        check=_date_invalid,
        scope="every date column",
    ),
    Rule(
        START_AFTER_END,
        E,
        ROW,
        _t(
            "Alkupäivä on loppupäivän jälkeen.",
            "Startdatumet är efter slutdatumet.",
            "The start date is after the end date.",
        ),
        _t(
            "{column} {value} on loppupäivän {other} jälkeen.",
            "{column} {value} är efter slutdatumet {other}.",
            "{column} {value} is after the end date {other}.",
        ),
        targets=_start,
        check=lambda ctx, column: pl.col(RANGE_START) > pl.col(RANGE_END),
        other=_end_of,
        scope="alkupvm/loppupvm; IV: voimassa_alkaen (or paatospvm)/voimassa_asti",
    ),
    Rule(
        RANGE_NOT_IN_PERIOD,
        E,
        ROW,
        _t(
            "Jakso on päättynyt ennen seurantajakson alkua, joten se ei kuulu jaksolle. "
            "Seurantajaksolla tehty päätös (osa IV) kuuluu jaksolle voimassaolostaan riippumatta.",
            "Perioden slutade före uppföljningsperiodens början och hör inte till den. Ett beslut "
            "som fattats under uppföljningsperioden (del IV) hör till den oberoende av "
            "giltigheten.",
            "The range ended before the follow-up period began, so it does not belong to it. A "
            "decision made during the period (component IV) belongs to it whatever its validity.",
        ),
        _t(
            "{column} {value} on ennen jakson {period} alkua.",
            "{column} {value} är före periodens {period} början.",
            "{column} {value} is before the start of {period}.",
        ),
        targets=_end,
        check=_ended_before_period,
        scope="loppupvm; IV: voimassa_asti, unless paatospvm is in the period",
    ),
    Rule(
        START_AFTER_PERIOD,
        E,
        ROW,
        _t(
            "Jakso alkaa vasta seurantajakson jälkeen, joten se ei kuulu jaksolle. "
            "Seurantajaksolla tehty päätös (osa IV) kuuluu jaksolle, vaikka se tulisi voimaan "
            "myöhemmin.",
            "Perioden börjar först efter uppföljningsperioden och hör inte till den. Ett beslut "
            "som fattats under uppföljningsperioden (del IV) hör till den även om det börjar "
            "gälla senare.",
            "The range starts after the follow-up period, so it does not belong to it. A decision "
            "made during the period (component IV) belongs to it even when it takes effect later.",
        ),
        _t(
            "{column} {value} on jakson {period} jälkeen.",
            "{column} {value} är efter perioden {period}.",
            "{column} {value} is after {period}.",
        ),
        targets=_start,
        check=_starts_after_period,
        scope="alkupvm; IV: voimassa_alkaen, unless paatospvm is in the period",
    ),
    Rule(
        DECISION_DATE_AFTER_PERIOD,
        E,
        ROW,
        _t(
            "Päätös on tehty vasta seurantajakson jälkeen.",
            "Beslutet fattades först efter uppföljningsperioden.",
            "The decision was made after the follow-up period.",
        ),
        _t(
            "{column} {value} on jakson {period} jälkeen.",
            "{column} {value} är efter perioden {period}.",
            "{column} {value} is after {period}.",
        ),
        targets=_column("paatospvm"),
        check=lambda ctx, column: pl.col(date_column(column)) > ctx.period.end,
        scope="IV: paatospvm",
    ),
    Rule(
        BORN_AFTER_START,
        E,
        ROW,
        _t(
            "Päivämäärä on ennen henkilötunnuksen syntymäaikaa.",
            "Datumet är före födelsedatumet i personbeteckningen.",
            "The date is before the birth date in the identity code.",
        ),
        _t(
            "{column} {value} on ennen asiakkaan syntymää ({other}).",
            "{column} {value} är före klientens födelse ({other}).",
            "{column} {value} is before the client was born ({other}).",
        ),
        targets=_born_targets,
        check=lambda ctx, column: pl.col(BIRTH_DATE) > pl.col(date_column(column)),
        other=lambda ctx, column: pl.col(BIRTH_DATE).cast(pl.String),
        scope="every start and decision date",
    ),
    Rule(
        SERVICE_TASK_AMBIGUOUS,
        E,
        ROW,
        _t(
            "Päätöksen palvelutehtävä puuttuu, eikä sitä voi päätellä: asiakkaalla on tämän "
            "toimituksen asiakkuusjaksoissa (osa II) useampi palvelutehtävä. Päätöstiedoista "
            "toimitetaan kaikki kuusi tietoa.",
            "Beslutets serviceuppgift saknas och kan inte härledas: klienten har flera "
            "serviceuppgifter i leveransens klientrelationsperioder (del II). Av "
            "beslutsuppgifterna lämnas alla sex datainnehåll in.",
            "The decision's service task is missing and cannot be inferred: the client has several "
            "service tasks in this delivery's client periods (component II). All six contents of "
            "a decision are delivered.",
        ),
        _t(
            "Palvelutehtävä puuttuu, ja asiakkaalla on osassa II {other} palvelutehtävää.",
            "Serviceuppgiften saknas och klienten har {other} serviceuppgifter i del II.",
            "The service task is missing and the client has {other} service tasks in component II.",
        ),
        targets=_column("palvelutehtava", ("palvelupaatokset",)),
        check=_task_ambiguous,
        other=lambda ctx, column: _tasks_in_ii(),
        scope="IV: palvelutehtava",
    ),
    # warnings
    Rule(
        HETU_TEMPORARY,
        W,
        ROW,
        _t(
            "Henkilötunnus on tilapäinen (yksilönumero 900–999). Rivi hyväksytään, mutta "
            "henkilöä ei voi yhdistää väestötietoihin.",
            "Personbeteckningen är tillfällig (individnummer 900–999). Raden godkänns men "
            "personen kan inte kopplas till befolkningsuppgifterna.",
            "The identity code is temporary (individual number 900–999). The row is accepted but "
            "the person cannot be linked to population data.",
        ),
        _t(
            "Henkilötunnus {value} on tilapäinen.",
            "Personbeteckningen {value} är tillfällig.",
            "Identity code {value} is temporary.",
        ),
        targets=_column("henkilotunnus"),
        check=lambda ctx, column: _valid_hetu() & pl.col(HETU_IS_TEMPORARY),
        scope="henkilotunnus",
    ),
    Rule(
        SEX_CONTRADICTS_HETU,
        W,
        ROW,
        _t(
            "Sukupuoli on ristiriidassa henkilötunnuksen kanssa (pariton yksilönumero = mies, "
            "parillinen = nainen).",
            "Könet motsäger personbeteckningen (udda individnummer = man, jämnt = kvinna).",
            "Sex contradicts the identity code (odd individual number = male, even = female).",
        ),
        _t(
            "Sukupuoli {value}, henkilötunnuksen mukaan {other}.",
            "Kön {value}, enligt personbeteckningen {other}.",
            "Sex {value}, the identity code says {other}.",
        ),
        targets=_column("sukupuoli"),
        check=lambda ctx, column: _valid_hetu() & _sex_contradicts(pl.col(column)),
        other=lambda ctx, column: pl.col(HETU_SEX),
        scope="sukupuoli",
    ),
    Rule(
        START_BEFORE_2020,
        W,
        ROW,
        _t(
            "Alkupäivä on ennen 1.1.2020. Ennen sitä alkaneen asiakkuuden alkupäiväksi voi "
            "antaa 2020-01-01, jos tarkkaa päivää on vaikea selvittää.",
            "Startdatumet är före 1.1.2020. För en relation som började tidigare kan 2020-01-01 "
            "anges om det exakta datumet är svårt att ta reda på.",
            "The start date is before 1.1.2020. A relationship that started earlier may be given "
            "as 2020-01-01 when the exact date is hard to find.",
        ),
        _t(
            "{column} {value} on ennen 2020-01-01.",
            "{column} {value} är före 2020-01-01.",
            "{column} {value} is before 2020-01-01.",
        ),
        targets=lambda component: (
            _start(component) if component.name in ("asiakkuusjaksot", "lastensuojelu") else []
        ),
        check=lambda ctx, column: pl.col(date_column(column)) < EARLIEST_START,
        scope="II, III: alkupvm",
    ),
    Rule(
        DUPLICATE_ROW,
        W,
        ROW,
        _t(
            "Rivi on täsmälleen sama kuin jokin aiempi rivi; rekisteri käsittelee ne yhtenä.",
            "Raden är exakt likadan som en tidigare rad; registret behandlar dem som en.",
            "The row is exactly the same as an earlier row; the register treats them as one.",
        ),
        _t(
            "Rivi on saman sisältöinen kuin aiempi rivi.",
            "Raden har samma innehåll som en tidigare rad.",
            "The row repeats an earlier row.",
        ),
        targets=_row(),
        check=_duplicate,
        scope="the whole row",
    ),
    Rule(
        OVERLAPPING_PERIODS,
        W,
        ROW,
        _t(
            "Saman henkilön (ja palvelutehtävän) jaksot ovat päällekkäin; rekisteri yhdistää ne.",
            "Samma persons (och serviceuppgifts) perioder överlappar; registret slår ihop dem.",
            "Periods of the same person (and service task) overlap; the register merges them.",
        ),
        _t(
            "Jakso {value}–{other} on päällekkäin saman henkilön toisen jakson kanssa.",
            "Perioden {value}–{other} överlappar en annan period för samma person.",
            "The period {value}–{other} overlaps another period of the same person.",
        ),
        targets=lambda component: (
            _start(component) if component.name in ("asiakkuusjaksot", "lastensuojelu") else []
        ),
        check=lambda ctx, column: pl.col(OVERLAPS),
        other=lambda ctx, column: pl.col(RANGE_END).cast(pl.String),
        scope="II (person and service task), III (person): alkupvm/loppupvm",
    ),
    Rule(
        MUNICIPALITY_OUTSIDE_AREA,
        W,
        ROW,
        _t(
            "Kotikunta ei kuulu järjestäjän alueeseen. Tämä voi olla oikein (esim. muuttanut "
            "asiakas), mutta tarkista.",
            "Hemkommunen hör inte till anordnarens område. Det kan vara rätt (t.ex. en klient "
            "som flyttat), men kontrollera.",
            "The home municipality is not in the organiser's area. This can be right (e.g. a "
            "client who moved), but check.",
        ),
        _t(
            "Kotikunta {value} ei kuulu järjestäjän alueeseen.",
            "Hemkommunen {value} hör inte till anordnarens område.",
            "Home municipality {value} is outside the organiser's area.",
        ),
        targets=_column("kotikunta"),
        check=_outside_area,
        scope="kotikunta",
    ),
    Rule(
        CW_CLIENT_OVER_25,
        W,
        ROW,
        _t(
            "Lastensuojelun (LsL 27 §) asiakas on alkupäivänä yli 25-vuotias.",
            "Barnskyddsklienten (BSL 27 §) är över 25 år på startdagen.",
            "The section-27 child-welfare client is over 25 on the start date.",
        ),
        _t(
            "Asiakas on yli 25-vuotias {column}-päivänä {value}.",
            "Klienten är över 25 år på {column} {value}.",
            "The client is over 25 on {column} {value}.",
        ),
        targets=_column("alkupvm", ("lastensuojelu",)),
        check=_cw_over_25,
        scope="III: alkupvm",
    ),
    Rule(
        SERVICE_TASK_NOT_INFERRED,
        W,
        ROW,
        _t(
            "Palvelutehtävä puuttuu, eikä tämän toimituksen osa II anna sitä. Rivi hyväksytään: "
            "rekisteri ottaa asiakkaan ainoan palvelutehtävän vuosineljänneksen asiakkuusjaksoista "
            "(molemmista lähteistä), jos niitä on tasan yksi; muuten tehtävä jää tuntemattomaksi "
            "ja palvelu lasketaan silti saaduksi palveluksi.",
            "Serviceuppgiften saknas och leveransens del II ger den inte. Raden godkänns: "
            "registret tar klientens enda serviceuppgift ur kvartalets "
            "klientrelationsperioder (båda källorna) om det finns exakt en; annars förblir "
            "uppgiften okänd och servicen räknas ändå som erhållen service.",
            "The service task is missing and this delivery's component II does not give it. The "
            "row is accepted: the register takes the client's only service task in the quarter's "
            "client periods (both sources) if there is exactly one; otherwise the task stays "
            "unknown and the service still counts as a service received.",
        ),
        _t(
            "Palvelutehtävä puuttuu; asiakkaalla on osassa II {other} palvelutehtävää.",
            "Serviceuppgiften saknas; klienten har {other} serviceuppgifter i del II.",
            "The service task is missing; the client has {other} service tasks in component II.",
        ),
        targets=_column("palvelutehtava", _CODE_COMPONENTS_IV_V),
        check=_task_not_inferred,
        other=lambda ctx, column: _tasks_in_ii(),
        scope="V: palvelutehtava; IV: palvelutehtava when II has no task of the client",
    ),
)

RULES: dict[str, Rule] = {r.id: r for r in CATALOGUE}
ROW_RULES = tuple(r for r in CATALOGUE if r.level is Level.ROW)
findings.register({r.id: r.message for r in CATALOGUE})


def get(rule_id: str) -> Rule:
    return RULES[rule_id]


def finding(
    rule_id: str,
    file: str,
    *,
    line: int | None = None,
    column: str | None = None,
    component: str | None = None,
    params: dict[str, object] | None = None,
) -> findings.Finding:
    """A delivery-level finding of a rule (file, manifest, package), of the rule's severity;
    its message is the rule's, filled with ``file``, ``line`` and ``params``. A name echoed
    from the package (a member's, a header's) is masked like any message."""
    return findings.Finding(
        rule_id,
        get(rule_id).severity.value,
        file=identity.redact(file),
        line=line,
        column=identity.redact(column) if column is not None else None,
        component=component,
        params=params or {},
    )
