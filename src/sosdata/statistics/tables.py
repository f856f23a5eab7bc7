"""The published statistics of a quarter, defined as data and computed by DuckDB SQL.

Every table counts *units* (a person in a service task, a period, a decision…) built by one SQL
query over the quarter's built records (as the views ``register_<component>`` show them, the
text read as an ENUM: see :func:`_records`) and classified by the
person's sex, age group and area. Each table is published at three area levels:

* ``county`` — the county (hyvinvointialue) of the person's home municipality,
* ``municipality`` — the home municipality, with its county as a subtotal,
* ``organiser`` — the organiser whose record the unit comes from.

A person has one sex, age group and home municipality per quarter, so every additive
dimension adds up: the person's latest record in the quarter (by start date) gives the home
municipality; the reported sex is taken as male/female when any record says so (the smallest
such code), else the smallest code reported; the age is whole years at the quarter's last day
from the birth date of the identity code. A person in a service task is counted once per task,
with the organiser of their latest period in it.

Tables of one definition at different levels share cells (their totals); they are suppressed
together (:func:`sosdata.statistics.suppression.suppress_linked`) so that a cell hidden in one
is hidden in all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import duckdb
import numpy as np
import polars as pl

from sosdata import codes, components, organisers
from sosdata.config import Settings
from sosdata.periods import Quarter
from sosdata.register import build as register_build
from sosdata.register import text_codes
from sosdata.statistics import revisions
from sosdata.statistics.suppression import TOTAL, Hierarchy, suppress_linked

LEVELS = ("county", "municipality", "organiser")
#: the code of persons whose home municipality is in no county (198, 199, 200)
NO_COUNTY = "XX"
AGE_GROUPS = (
    ("0-17", 0, 17),
    ("18-64", 18, 64),
    ("65-74", 65, 74),
    ("75-84", 75, 84),
    ("85-", 85, None),
)


def _l(fi: str, sv: str, en: str) -> dict[str, str]:
    return {"fi": fi, "sv": sv, "en": en}


TOTAL_LABEL = _l("Yhteensä", "Totalt", "Total")


@dataclass(frozen=True)
class Dimension:
    """A classification of a table: codes in display order (the total first when additive)."""

    name: str
    title: Mapping[str, str]
    codes: tuple[str, ...]
    labels: Mapping[str, Mapping[str, str]]
    #: child → parent for an additive dimension (None: not additive, no total)
    parents: Mapping[str, str] | None = None

    def label(self, code: str, lang: str) -> str:
        names = self.labels.get(code)
        return (names.get(lang) or names.get("fi") or code) if names else code

    @property
    def hierarchy(self) -> Hierarchy | None:
        return Hierarchy(self.name, self.parents) if self.parents is not None else None


@dataclass
class Table:
    """One published table: a (sparse) cube of non-zero cells with their suppression status."""

    id: str
    definition: str
    level: str
    quarter: str
    title: Mapping[str, str]
    unit: Mapping[str, str]
    dimensions: tuple[Dimension, ...]
    #: dimension columns, ``value``, ``contributors``, ``status`` (null | primary | secondary)
    cells: pl.DataFrame
    threshold: int = 5

    @property
    def dims(self) -> list[str]:
        return [d.name for d in self.dimensions]

    @property
    def hierarchies(self) -> list[Hierarchy]:
        return [h for d in self.dimensions if (h := d.hierarchy) is not None]

    def dimension(self, name: str) -> Dimension:
        return next(d for d in self.dimensions if d.name == name)

    def full(self, only: Mapping[str, Sequence[str]] | None = None) -> pl.DataFrame:
        """Every combination of codes in display order, zeros filled; ``shown`` is the
        published text (``..`` where suppressed). ``only``: per dimension, the codes wanted
        (the grid is cut before it is made: a municipality table has millions of combinations)."""
        grid = None
        for order, d in enumerate(self.dimensions):
            wanted = set((only or {}).get(d.name, d.codes))
            codes = [(i, c) for i, c in enumerate(d.codes) if c in wanted]
            frame = pl.DataFrame(
                {d.name: [c for _, c in codes], f"_o{order}": [i for i, _ in codes]},
                schema={d.name: pl.String, f"_o{order}": pl.Int64},
            )
            grid = frame if grid is None else grid.join(frame, how="cross")
        assert grid is not None
        out = grid.join(self.cells, on=self.dims, how="left", nulls_equal=True).sort(
            [f"_o{i}" for i in range(len(self.dimensions))]
        )
        return out.select(
            *self.dims,
            pl.col("value").fill_null(0),
            pl.col("status"),
            pl.when(pl.col("status").is_not_null())
            .then(pl.lit(".."))
            .otherwise(pl.col("value").fill_null(0).cast(pl.String))
            .alias("shown"),
        )


@dataclass(frozen=True)
class TableDef:
    """A table as data: the SQL that yields its units and the dimensions that classify them.

    ``units`` is a SELECT over the quarter's rows of each component (``stat_rows_<component>``:
    the view's columns and the integer person key ``pid``) or a reduction of them shared with
    other definitions (:data:`SHARED`), ``$start`` and ``$end`` bound, giving ``pid``,
    ``jarjestaja`` and the ``dims`` columns, one row per counted unit.
    """

    id: str
    title: Mapping[str, str]
    unit: Mapping[str, str]
    units: str
    dims: tuple[str, ...]
    #: dimensions with a total (the others are never summed: a person may be in several)
    additive: frozenset[str] = field(default_factory=frozenset)
    #: whether the municipality level is broken down by sex and age too
    demographics_by_municipality: bool = True
    #: units are distinct persons within each cell (no COUNT DISTINCT needed)
    person_units: bool = True


PERSONS = _l("henkilöä", "personer", "persons")

#: reductions of a component's rows that several definitions' units read, made on first use
#: after ``_prepare`` (which drops those of another quarter). ``stat_tasks``: a person's periods
#: in a service task during the quarter, reduced to the latest (start date, organiser): the
#: units of ``clients``, and of ``persons`` once reduced per person.
SHARED = {
    "stat_tasks": """
        SELECT pid, palvelutehtava,
               max({'d': coalesce(alkupvm, DATE '0001-01-01'), 'o': jarjestaja}) AS latest
        FROM stat_rows_asiakkuusjaksot
        WHERE palvelutehtava IS NOT NULL
          AND coalesce(alkupvm <= $end, true) AND coalesce(loppupvm >= $start, true)
        GROUP BY pid, palvelutehtava""",
}

DEFINITIONS: tuple[TableDef, ...] = (
    TableDef(
        "clients",
        _l(
            "Asiakkaat palvelutehtävittäin",
            "Klienter per serviceuppgift",
            "Clients per service task",
        ),
        PERSONS,
        "SELECT pid, palvelutehtava, latest.o AS jarjestaja FROM stat_tasks",
        ("palvelutehtava",),
    ),
    TableDef(
        "persons",
        _l(
            "Asiakkaat yhteensä ja useamman palvelutehtävän asiakkaat",
            "Klienter totalt och klienter i flera serviceuppgifter",
            "Clients in any service task and in more than one",
        ),
        PERSONS,
        """WITH tasks AS (
             SELECT pid, count(*) AS n, max(latest).o AS jarjestaja FROM stat_tasks GROUP BY pid)
           SELECT pid, jarjestaja, 'any' AS mittari FROM tasks
           UNION ALL
           SELECT pid, jarjestaja, 'multiple' FROM tasks WHERE n > 1""",
        ("mittari",),
    ),
    TableDef(
        "periods",
        _l(
            "Alkaneet ja päättyneet asiakkuusjaksot",
            "Påbörjade och avslutade klientrelationsperioder",
            "Client periods started and ended in the quarter",
        ),
        _l("jaksoa", "perioder", "periods"),
        """SELECT pid, jarjestaja, palvelutehtava, 'new' AS tapahtuma
           FROM stat_rows_asiakkuusjaksot WHERE alkupvm BETWEEN $start AND $end
           UNION ALL
           SELECT pid, jarjestaja, palvelutehtava, 'ended'
           FROM stat_rows_asiakkuusjaksot WHERE loppupvm BETWEEN $start AND $end""",
        ("tapahtuma", "palvelutehtava"),
        additive=frozenset({"palvelutehtava"}),
        person_units=False,
    ),
    TableDef(
        "child_welfare",
        _l(
            "Lastensuojelun asiakkaat (LsL 27 §), alkaneet ja päättyneet",
            "Klienter inom barnskyddet (BSL 27 §), nya och avslutade",
            "Child-welfare clients (s. 27), new and ended",
        ),
        PERSONS,
        """WITH rel AS (
             SELECT * FROM stat_rows_lastensuojelu
             WHERE coalesce(alkupvm <= $end, true) AND coalesce(loppupvm >= $start, true)),
           latest AS (
             SELECT pid,
                    max({'d': coalesce(alkupvm, DATE '0001-01-01'), 'o': jarjestaja}).o
                      AS jarjestaja,
                    bool_or(alkupvm BETWEEN $start AND $end) AS new,
                    bool_or(loppupvm BETWEEN $start AND $end) AS ended
             FROM rel GROUP BY pid)
           SELECT pid, jarjestaja, 'clients' AS mittari FROM latest
           UNION ALL SELECT pid, jarjestaja, 'new' FROM latest WHERE new
           UNION ALL SELECT pid, jarjestaja, 'ended' FROM latest WHERE ended""",
        ("mittari",),
    ),
    TableDef(
        "decisions",
        _l(
            "Palvelupäätökset sosiaalipalveluittain ja päätöksen tyypeittäin",
            "Servicebeslut per socialservice och beslutstyp",
            "Service decisions by social service and decision type",
        ),
        _l("päätöstä", "beslut", "decisions"),
        """SELECT pid, jarjestaja, sosiaalipalvelu,
                  coalesce(paatoksen_tyyppi, '1') AS paatoksen_tyyppi
           FROM stat_rows_palvelupaatokset WHERE sosiaalipalvelu IS NOT NULL""",
        ("sosiaalipalvelu", "paatoksen_tyyppi"),
        additive=frozenset({"sosiaalipalvelu", "paatoksen_tyyppi"}),
        demographics_by_municipality=False,
        person_units=False,
    ),
    TableDef(
        "services",
        _l(
            "Palveluja saaneet asiakkaat sosiaalipalveluittain",
            "Klienter som fått service per socialservice",
            "Clients who received services, by social service",
        ),
        PERSONS,
        """SELECT pid, sosiaalipalvelu,
                  max({'d': coalesce(alkupvm, DATE '0001-01-01'), 'o': jarjestaja}).o AS jarjestaja
           FROM stat_rows_palvelutiedot
           WHERE sosiaalipalvelu IS NOT NULL
             AND coalesce(alkupvm <= $end, true) AND coalesce(loppupvm >= $start, true)
           GROUP BY pid, sosiaalipalvelu""",
        ("sosiaalipalvelu",),
        demographics_by_municipality=False,
    ),
)
BY_ID = {d.id: d for d in DEFINITIONS}

#: the components read, each as ``stat_rows_<component>``: the quarter's rows with ``pid``
COMPONENTS = tuple(components.COMPONENTS)
#: the date that places a record in time, for the person's latest record (home municipality)
_RECORD_DATE = {"palvelupaatokset": "coalesce(voimassa_alkaen, paatospvm)"}

#: one row per person of the quarter: sex, age group and home municipality (see module doc)
PERSON_SQL = (
    """
CREATE OR REPLACE TEMP TABLE stat_person AS
WITH rows AS ({rows}
), person AS (
  SELECT pid,
         max(syntymapaiva) AS syntymapaiva,
         coalesce(min(sukupuoli) FILTER (WHERE sukupuoli IN ('1', '2')), min(sukupuoli), '0')
           AS sukupuoli,
         max({'d': coalesce(d, DATE '0001-01-01'), 'k': kotikunta,
              'h': coalesce(hyvinvointialue, '"""
    + NO_COUNTY
    + """')}) AS latest
  FROM rows GROUP BY pid
)
SELECT pid, sukupuoli, latest.k AS kotikunta, latest.h AS hyvinvointialue,
       CASE {age_cases} ELSE 'X' END AS ikaryhma
FROM (SELECT *, year($end) - year(syntymapaiva)
               - CASE WHEN strftime(syntymapaiva, '%m%d') > strftime($end, '%m%d')
                      THEN 1 ELSE 0 END AS age
      FROM person)
"""
)


def _person_rows() -> str:
    """Every record of the quarter with its person's attributes and date, all components."""
    return "\n  UNION ALL".join(
        f"""
  SELECT pid, syntymapaiva, sukupuoli, kotikunta, hyvinvointialue,
         {_RECORD_DATE.get(c, "alkupvm")} AS d
  FROM stat_rows_{c}"""
        for c in COMPONENTS
    )


def _age_cases() -> str:
    parts = []
    for code, low, high in AGE_GROUPS:
        if high is None:
            parts.append(f"WHEN age >= {low} THEN '{code}'")
        else:
            # a negative age (born after the quarter) is still a child
            parts.append(f"WHEN age <= {high} THEN '{code}'")
    return " ".join(parts)


def age_group_of(age: int) -> str:
    """The age-group code of an age in whole years (the SQL's rule, for independent checks)."""
    for code, _low, high in AGE_GROUPS:
        if high is None or age <= high:
            return code
    raise AssertionError("unreachable")


# --- dimensions ------------------------------------------------------------------------------

_MEASURES = {
    "mittari": (
        _l("Mittari", "Mått", "Measure"),
        {
            "any": _l("Asiakkaat yhteensä", "Klienter totalt", "Clients in any task"),
            "multiple": _l(
                "Useamman palvelutehtävän asiakkaat",
                "Klienter i flera serviceuppgifter",
                "Clients in more than one task",
            ),
            "clients": _l("Asiakkaat", "Klienter", "Clients"),
            "new": _l("Alkaneet asiakkuudet", "Nya klientrelationer", "New relationships"),
            "ended": _l(
                "Päättyneet asiakkuudet", "Avslutade klientrelationer", "Ended relationships"
            ),
        },
    ),
    "tapahtuma": (
        _l("Tapahtuma", "Händelse", "Event"),
        {
            "new": _l("Alkaneet jaksot", "Påbörjade perioder", "Periods started"),
            "ended": _l("Päättyneet jaksot", "Avslutade perioder", "Periods ended"),
        },
    ),
}
_MEASURE_CODES = {
    "persons": ("any", "multiple"),
    "child_welfare": ("clients", "new", "ended"),
    "periods": ("new", "ended"),
}


def _code_dimension(name: str, code_list: Sequence[str], settings: Settings, additive: bool):
    code_set = codes.load(name, settings.codes_dir)
    labels = {c.code: dict(c.names) for c in code_set}
    labels[TOTAL] = TOTAL_LABEL
    listed = tuple(code_list)
    return Dimension(
        name,
        dict(code_set.title),
        ((TOTAL,) if additive else ()) + listed,
        labels,
        {c: TOTAL for c in listed} if additive else None,
    )


def _age_dimension() -> Dimension:
    labels: dict[str, Mapping[str, str]] = {code: _l(code, code, code) for code, *_ in AGE_GROUPS}
    labels["85-"] = _l("85 ja yli", "85 och äldre", "85 and over")
    labels["X"] = _l("Tuntematon", "Okänd", "Unknown")
    labels[TOTAL] = TOTAL_LABEL
    listed = tuple(code for code, *_ in AGE_GROUPS)
    return Dimension(
        "ikaryhma",
        _l("Ikäryhmä", "Åldersgrupp", "Age group"),
        (TOTAL, *listed),
        labels,
        {c: TOTAL for c in listed},
    )


def _area_dimension(level: str, settings: Settings, present: pl.DataFrame) -> Dimension:
    """``present``: the distinct (hyvinvointialue, kotikunta, jarjestaja) of the data."""
    whole = _l("Koko maa", "Hela landet", "Whole country")
    if level == "organiser":
        register = organisers.load(settings.data_dir)
        known = [o.oid for o in register]
        extra = sorted(set(present["jarjestaja"].drop_nulls()) - set(known))
        listed = tuple(known + extra)
        labels: dict[str, Mapping[str, str]] = {o.oid: dict(o.names) for o in register}
        labels[TOTAL] = whole
        return Dimension(
            "jarjestaja",
            _l("Järjestäjä", "Anordnare", "Organiser"),
            (TOTAL, *listed),
            labels,
            {c: TOTAL for c in listed},
        )
    counties = codes.load("hyvinvointialue", settings.codes_dir)
    municipalities = codes.load("kunta", settings.codes_dir)
    labels = {c.code: dict(c.names) for c in counties}
    labels[TOTAL] = whole
    labels[NO_COUNTY] = _l(
        "Ei hyvinvointialuetta (ulkomailla tai tuntematon)",
        "Inget välfärdsområde (utlandet eller okänd)",
        "No county (abroad or unknown)",
    )
    known = [c.code for c in counties]
    found = set(present["hyvinvointialue"].drop_nulls()) - set(known) - {NO_COUNTY}
    county_codes = [*known, *sorted(found), NO_COUNTY]
    if level == "county":
        return Dimension(
            "alue",
            _l("Alue", "Område", "Area"),
            (TOTAL, *county_codes),
            labels,
            {c: TOTAL for c in county_codes},
        )
    labels |= {m.code: dict(m.names) for m in municipalities}
    parents: dict[str, str] = {}
    order: list[str] = [TOTAL]
    by_county: dict[str, list[str]] = {}
    for m in municipalities:
        county = m.extra.get("county") or NO_COUNTY
        by_county.setdefault(county, []).append(m.code)
    seen = {m.code for m in municipalities}
    for row in present.select("hyvinvointialue", "kotikunta").unique().iter_rows():
        county, municipality = row
        if municipality is not None and municipality not in seen:
            by_county.setdefault(county or NO_COUNTY, []).append(municipality)
            seen.add(municipality)
    for county in county_codes:
        order.append(county)
        parents[county] = TOTAL
        for municipality in by_county.get(county, []):
            order.append(municipality)
            parents[municipality] = county
    return Dimension("alue", _l("Alue", "Område", "Area"), tuple(order), labels, parents)


def _dimensions(
    definition: TableDef, level: str, settings: Settings, present: pl.DataFrame
) -> tuple[Dimension, ...]:
    out = [_area_dimension(level, settings, present)]
    for name in definition.dims:
        additive = name in definition.additive
        if name in _MEASURES:
            title, labels = _MEASURES[name]
            out.append(Dimension(name, title, _MEASURE_CODES[definition.id], labels, None))
        elif name == "palvelutehtava":
            tasks = codes.reported_service_tasks(settings.codes_dir)
            out.append(_code_dimension(name, tasks, settings, additive))
        else:
            listed = [c.code for c in codes.load(name, settings.codes_dir)]
            out.append(_code_dimension(name, listed, settings, additive))
    if level != "municipality" or definition.demographics_by_municipality:
        sexes = [c.code for c in codes.load("sukupuoli", settings.codes_dir)]
        out += [_code_dimension("sukupuoli", sexes, settings, True), _age_dimension()]
    return tuple(out)


# --- computing -------------------------------------------------------------------------------


def _area_grouping(level: str) -> tuple[str, str]:
    """GROUPING SETS over the area, and the expression naming the area cell."""
    if level == "organiser":
        return (
            "GROUPING SETS ((jarjestaja), ())",
            f"CASE WHEN grouping(jarjestaja) = 1 THEN '{TOTAL}' ELSE jarjestaja END",
        )
    if level == "county":
        return (
            "GROUPING SETS ((hyvinvointialue), ())",
            f"CASE WHEN grouping(hyvinvointialue) = 1 THEN '{TOTAL}' ELSE hyvinvointialue END",
        )
    return (
        "GROUPING SETS ((hyvinvointialue, kotikunta), (hyvinvointialue), ())",
        f"CASE WHEN grouping(hyvinvointialue) = 1 THEN '{TOTAL}' "
        "WHEN grouping(kotikunta) = 1 THEN hyvinvointialue ELSE kotikunta END",
    )


def _cube_sql(definition: TableDef, dims: Sequence[Dimension], level: str) -> str:
    """Cells of the cube: ``value`` (units) and, for person units, ``contributors``."""
    area_sets, area_expr = _area_grouping(level)
    others = list(dims[1:])
    fixed = [d.name for d in others if d.parents is None]
    summed = [d.name for d in others if d.parents is not None]
    group = [*fixed, area_sets]
    if summed:
        group.append(f"CUBE ({', '.join(summed)})")
    select = [f"{area_expr} AS {dims[0].name}"]
    select += [
        f"CASE WHEN grouping({n}) = 1 THEN '{TOTAL}' ELSE coalesce({n}, 'X') END AS {n}"
        for n in summed
    ]
    select += [f"coalesce({n}, 'X') AS {n}" for n in fixed]
    units = "sum(units)::BIGINT"
    contributors = f", {units} AS contributors" if definition.person_units else ""
    return (
        f"SELECT {', '.join(select)}, {units} AS value{contributors} "
        f"FROM {_unit_counts_table(definition)} GROUP BY {', '.join(group)}"
    )


def _unit_counts_table(definition: TableDef) -> str:
    return f"stat_units_{definition.id}"


def _unit_counts_sql(units: str) -> str:
    """The ``units`` (a table or a query) counted per combination of every code a cell is
    classified by, at every level: each level's grouping sets then sum far fewer rows than
    there are units."""
    return f"SELECT * EXCLUDE (pid), count(*) AS units FROM {units} GROUP BY ALL"


def _unit_table(definition: TableDef) -> str:
    return f"stat_unit_{definition.id}"


#: columns of a unit that are attributes of its person (one value per person and quarter)
_PERSON_ATTRIBUTES = ("hyvinvointialue", "kotikunta", "sukupuoli", "ikaryhma")


def _reduced_table(definition: TableDef, kept: Sequence[str]) -> str:
    return "_".join([f"stat_reduced_{definition.id}", *sorted(kept)])


def _contributors_sql(
    definition: TableDef, dims: Sequence[Dimension], level: str
) -> tuple[str, dict[str, str]]:
    """Distinct persons behind every cell of the cube, without ``count(DISTINCT)``.

    The person's sex, age group and home area are one per person, so once the units are
    reduced to one row per person and combination of the unit-level codes kept in a cell
    (``SELECT DISTINCT``), ``count(*)`` over any grouping of person attributes counts distinct
    persons. One such reduction per subset of the summed unit-level dimensions (the
    organiser is one at the organiser level) covers every cell; this is far cheaper than a
    distinct count per grouping set. The reductions carry every person attribute, so the
    levels share them: returns the SQL and the reductions it reads (table name → SELECT).
    """
    area_sets, area_expr = _area_grouping(level)
    others = list(dims[1:])
    fixed = [d.name for d in others if d.parents is None]
    summed = [d.name for d in others if d.parents is not None]
    person_summed = [n for n in summed if n in _PERSON_ATTRIBUTES]
    unit_summed = [n for n in summed if n not in _PERSON_ATTRIBUTES]
    area_is_unit = level == "organiser"
    if area_is_unit:
        unit_summed.append("jarjestaja")
    parts, reductions = [], {}
    for mask in range(2 ** len(unit_summed)):
        kept = [n for i, n in enumerate(unit_summed) if mask >> i & 1]
        reduced = _reduced_table(definition, kept)
        columns = [*fixed, *kept, *_PERSON_ATTRIBUTES]
        reductions[reduced] = (
            f"SELECT {', '.join(columns)}, count(*) AS persons FROM "
            f"(SELECT DISTINCT pid, {', '.join(columns)} FROM {_unit_table(definition)}) "
            "GROUP BY ALL"
        )
        group = [*fixed, *[n for n in kept if n != "jarjestaja"]]
        if not area_is_unit:
            group.append(area_sets)
        if person_summed:
            group.append(f"CUBE ({', '.join(person_summed)})")
        if area_is_unit:
            area = "jarjestaja" if "jarjestaja" in kept else f"'{TOTAL}'"
        else:
            area = area_expr
        select = [f"{area} AS {dims[0].name}"]
        for n in summed:
            if n in person_summed:
                select.append(
                    f"CASE WHEN grouping({n}) = 1 THEN '{TOTAL}' ELSE coalesce({n}, 'X') END AS {n}"
                )
            elif n in kept:
                select.append(f"coalesce({n}, 'X') AS {n}")
            else:
                select.append(f"'{TOTAL}' AS {n}")
        select += [f"coalesce({n}, 'X') AS {n}" for n in fixed]
        if "jarjestaja" in kept:
            group.append("jarjestaja")
        parts.append(
            f"SELECT {', '.join(select)}, sum(persons)::BIGINT AS contributors FROM {reduced} "
            + (f"GROUP BY {', '.join(group)}" if group else "")
        )
    return "\nUNION ALL\n".join(parts), reductions


def _cells(
    conn: duckdb.DuckDBPyConnection,
    definition: TableDef,
    dims: Sequence[Dimension],
    level: str,
    made: set[str],
) -> pl.DataFrame:
    """``made``: the temporary tables made so far for this definition (its unit counts among
    them), shared by its levels (the contributors' reductions are made here when missing)."""
    names = [d.name for d in dims]
    sql = ""
    needed: dict[str, str] = {}
    if not definition.person_units:
        sql, needed = _contributors_sql(definition, dims, level)
    for table, select in needed.items():
        if table not in made:
            conn.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {select}")
            made.add(table)
    cells = conn.sql(_cube_sql(definition, dims, level)).pl()
    if sql:
        people = conn.sql(sql).pl()
        cells = cells.join(people, on=names, how="left", nulls_equal=True)
    return cells.select(*names, "value", "contributors")


def _records(conn: duckdb.DuckDBPyConnection, quarter: Quarter) -> dict[str, str]:
    """The queries of the quarter's records of each component, as the ``register_<component>``
    views show them but with the text as an ENUM of the stored values in their order: every
    query below then groups, joins and takes ``max`` of small integers, with the same results
    as of the text."""
    text = text_codes.sorted_enum(conn)
    return {
        c: register_build.records(conn, components.get(c), quarter, text_as=text)
        for c in COMPONENTS
    }


def _prepare(conn: duckdb.DuckDBPyConnection, quarter: Quarter) -> None:
    """The quarter's rows of every component (``stat_rows_<component>``, views) and its
    persons (``stat_person``), both keyed by the integer ``pid``: the person's number in the
    register, which the built records keep (every grouping and join is by an integer)."""
    for component, rows in _records(conn, quarter).items():
        conn.execute(
            f"CREATE OR REPLACE TEMP VIEW stat_rows_{component} AS "
            f"SELECT person_id AS pid, * EXCLUDE (person_id) FROM ({rows})"
        )
    conn.execute(
        PERSON_SQL.replace("{rows}", _person_rows()).replace("{age_cases}", _age_cases()),
        {"end": quarter.end},
    )
    # the definitions' shared reductions are made once per quarter, when first needed
    for table in SHARED:
        conn.execute(f"DROP TABLE IF EXISTS {table}")


def _params(sql: str, quarter: Quarter) -> dict[str, object]:
    """The quarter's bounds that ``sql`` names (DuckDB refuses unused parameters)."""
    bounds = {"start": quarter.start, "end": quarter.end}
    return {k: v for k, v in bounds.items() if f"${k}" in sql}


def _units(
    conn: duckdb.DuckDBPyConnection, definition: TableDef, quarter: Quarter, made: set[str]
) -> str:
    """The definition's units with their person's attributes, as the unit counts read them.

    Units that are not persons are read again by the contributors' reductions, so they are
    made a table (``stat_unit_<id>``, added to ``made``); persons' units are read once and
    given as a query, so millions of them (4.7 M services' units in a national quarter) are
    never written."""
    for table, select in SHARED.items():
        if table in definition.units:
            conn.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {table} AS {select}", _params(select, quarter)
            )
    attributes = ", ".join(f"p.{a}" for a in _PERSON_ATTRIBUTES)
    units = f"SELECT u.*, {attributes} FROM ({definition.units}) u JOIN stat_person p USING (pid)"
    if definition.person_units:
        return f"({units})"
    table = _unit_table(definition)
    conn.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {units}", _params(units, quarter))
    made.add(table)
    return table


def _add_extra_codes(dimension: Dimension, cells: pl.DataFrame) -> Dimension:
    """Codes found in the data but not in the code set (e.g. unknown age) join the end."""
    found = set(cells[dimension.name].unique().to_list()) - set(dimension.codes)
    if not found:
        return dimension
    extra = tuple(sorted(found))
    parents = dict(dimension.parents) | {c: TOTAL for c in extra} if dimension.parents else None
    return Dimension(
        dimension.name, dimension.title, dimension.codes + extra, dimension.labels, parents
    )


def compute_definition(
    conn: duckdb.DuckDBPyConnection,
    definition: TableDef,
    quarter: Quarter,
    settings: Settings,
    *,
    levels: Sequence[str] = LEVELS,
    audit: bool = False,
    prepared: bool = False,
    earlier: Mapping[str, pl.DataFrame] | None = None,
) -> list[Table]:
    """The tables of one definition at the given levels, suppressed together; ``earlier``
    (per table id, cells of earlier publications of the quarter) links the suppression to
    them (:mod:`.revisions`)."""
    if not prepared:
        _prepare(conn, quarter)
    made: set[str] = set()  # the temporary tables of this definition, shared by its levels
    counted = _unit_counts_sql(_units(conn, definition, quarter, made))
    unit_counts = _unit_counts_table(definition)
    conn.execute(
        f"CREATE OR REPLACE TEMP TABLE {unit_counts} AS {counted}", _params(counted, quarter)
    )
    made.add(unit_counts)
    # the unit counts hold every combination of codes, in far fewer rows than the units
    present = conn.sql(
        f"SELECT DISTINCT hyvinvointialue, kotikunta, jarjestaja FROM {unit_counts}"
    ).pl()
    tables = []
    for level in levels:
        dims = _dimensions(definition, level, settings, present)
        cells = _cells(conn, definition, dims, level, made)
        # a stable row order makes the suppression pattern reproducible run after run
        cells = (
            cells.select(*[d.name for d in dims], "value", "contributors")
            .with_columns(pl.col("value").cast(pl.Int64), pl.col("contributors").cast(pl.Int64))
            .sort([d.name for d in dims])
        )
        dims = tuple(_add_extra_codes(d, cells) for d in dims)
        tables.append(
            Table(
                id=f"{definition.id}_{level}",
                definition=definition.id,
                level=level,
                quarter=str(quarter),
                title=definition.title,
                unit=definition.unit,
                dimensions=dims,
                cells=cells,
                threshold=settings.suppression_threshold,
            )
        )
    for temporary in made:  # millions of rows each
        conn.execute(f"DROP TABLE {temporary}")
    presets: list[np.ndarray | None] = []
    for table in tables:
        before = (earlier or {}).get(table.id)
        if before is None:
            presets.append(None)
            continue
        table.cells, preset = revisions.linked(
            table.cells, table.dims, before, settings.suppression_threshold
        )
        presets.append(preset)
    statuses = suppress_linked(
        [(t.cells, t.dims, t.hierarchies) for t in tables],
        settings.suppression_threshold,
        audit=audit,
        presets=presets,
    )
    for table, suppressed in zip(tables, statuses, strict=True):
        table.cells = suppressed
    return tables


def quarters_present(conn: duckdb.DuckDBPyConnection, up_to: Quarter | None = None) -> list[str]:
    """The quarters whose current build holds client periods, up to ``up_to``."""
    found = register_build.quarters(conn, components.get("asiakkuusjaksot"))
    return [q for q in found if up_to is None or Quarter.parse(q) <= up_to]


#: the time series' cells of one quarter (``trend_county`` adds the quarter)
SERIES_SCHEMA = pl.Schema(
    {
        "alue": pl.String,
        "palvelutehtava": pl.String,
        "value": pl.Int64,
        "contributors": pl.Int64,
        "status": pl.String,
    }
)
#: the definitions whose county tables the time series repeats
SERIES_DEFINITIONS = ("clients", "persons")


def series_cells(published: Sequence[Table]) -> pl.DataFrame:
    """A quarter's time-series cells, taken from its published county tables of clients
    (per task) and persons (any task, under the task total): sexes and ages together, with
    their values, contributors and statuses exactly as published."""
    parts = []
    for t in published:
        if t.level != "county" or t.definition not in SERIES_DEFINITIONS:
            continue
        cells = t.cells.filter((pl.col("sukupuoli") == TOTAL) & (pl.col("ikaryhma") == TOTAL))
        if t.definition == "persons":
            cells = cells.filter(pl.col("mittari") == "any").with_columns(
                pl.lit(TOTAL).alias("palvelutehtava")
            )
        parts.append(cells.select(*SERIES_SCHEMA).cast(SERIES_SCHEMA))
    return pl.concat(parts) if parts else pl.DataFrame(schema=SERIES_SCHEMA)


def stored_series(
    conn: duckdb.DuckDBPyConnection, quarters: Sequence[str]
) -> dict[str, pl.DataFrame]:
    """The stored time-series cells of those of ``quarters`` that were published."""
    if not quarters:
        return {}
    published = {
        r[0]
        for r in conn.execute(
            "SELECT quarter FROM stat_published_quarters WHERE list_contains($q, quarter)",
            {"q": list(quarters)},
        ).fetchall()
    }
    if not published:
        return {}
    cells = conn.sql(
        f"SELECT quarter, {', '.join(SERIES_SCHEMA)} FROM stat_published_series "
        "WHERE list_contains($q, quarter)",
        params={"q": sorted(published)},
    ).pl()
    return {
        q: cells.filter(pl.col("quarter") == q).select(*SERIES_SCHEMA).cast(SERIES_SCHEMA)
        for q in published
    }


def store_series(conn: duckdb.DuckDBPyConnection, published: Sequence[Table]) -> None:
    """Record a quarter's time-series cells as published (replacing an earlier publication
    of the quarter). Run it inside the transaction that publishes the quarter."""
    quarters = {t.quarter for t in published if t.definition in SERIES_DEFINITIONS}
    if len(quarters) != 1:
        raise ValueError(f"one quarter's tables expected, got {sorted(quarters)}")
    (quarter,) = quarters
    threshold = next(t.threshold for t in published if t.definition in SERIES_DEFINITIONS)
    cells = series_cells(published)
    conn.execute("DELETE FROM stat_published_series WHERE quarter = ?", [quarter])
    conn.register("stat_series_new", cells)
    try:
        conn.execute(
            f"INSERT INTO stat_published_series SELECT ?, {', '.join(SERIES_SCHEMA)} "
            "FROM stat_series_new",
            [quarter],
        )
    finally:
        conn.unregister("stat_series_new")
    conn.execute(
        "INSERT OR REPLACE INTO stat_published_quarters VALUES (?, ?, "
        "current_timestamp AT TIME ZONE 'UTC')",
        [quarter, threshold],
    )


def trend(
    conn: duckdb.DuckDBPyConnection,
    quarter: Quarter,
    settings: Settings,
    *,
    audit: bool = False,
    current: Sequence[Table] = (),
) -> Table:
    """Clients per service task and in any task, by county, for every quarter present up to
    ``quarter``: each quarter's cells exactly as published (and suppressed) in its own tables.

    An earlier quarter that was published (:func:`store_series`) repeats its stored cells; one
    never published gets its clients and persons tables computed and suppressed, at every level
    since the levels' linked suppression decides the county cells' statuses. ``quarter`` itself
    takes its cells from ``current`` (its tables just computed) when given.
    """
    present = quarters_present(conn, quarter)
    stored = stored_series(conn, [q for q in present if q != str(quarter)])
    parts = []
    for q in present:
        if q in stored:
            cells = stored[q]
        elif q == str(quarter) and current:
            cells = series_cells(current)
        else:
            earlier = Quarter.parse(q)
            _prepare(conn, earlier)
            cells = series_cells(
                [
                    table
                    for name in SERIES_DEFINITIONS
                    for table in compute_definition(
                        conn, BY_ID[name], earlier, settings, audit=audit, prepared=True
                    )
                ]
            )
        parts.append(cells.with_columns(pl.lit(q).alias("vuosineljannes")))
    clients = next(d for d in DEFINITIONS if d.id == "clients")
    empty = pl.DataFrame(
        schema={"hyvinvointialue": pl.String, "kotikunta": pl.String, "jarjestaja": pl.String}
    )
    area = _area_dimension("county", settings, empty)
    task = _dimensions(clients, "organiser", settings, empty)[1]
    task = Dimension(
        task.name,
        task.title,
        (TOTAL, *task.codes),
        {
            **task.labels,
            TOTAL: _l("Kaikki palvelutehtävät", "Alla serviceuppgifter", "Any service task"),
        },
        None,
    )
    quarters = tuple(present) or (str(quarter),)
    period = Dimension(
        "vuosineljannes",
        _l("Vuosineljännes", "Kvartal", "Quarter"),
        quarters,
        {q: _l(q, q, q) for q in quarters},
        None,
    )
    cells = (
        pl.concat(parts)
        if parts
        else pl.DataFrame(schema={**SERIES_SCHEMA, "vuosineljannes": pl.String})
    )
    # a non-additive quarter dimension: each quarter keeps its own published pattern
    area = Dimension(area.name, area.title, area.codes, area.labels, None)
    return Table(
        id="trend_county",
        definition="trend",
        level="county",
        quarter=str(quarter),
        title=_l(
            "Asiakkaat palvelutehtävittäin vuosineljänneksittäin",
            "Klienter per serviceuppgift och kvartal",
            "Clients per service task by quarter",
        ),
        unit=PERSONS,
        dimensions=(area, task, period),
        cells=cells.select(
            "alue", "palvelutehtava", "vuosineljannes", "value", "contributors", "status"
        ),
        threshold=settings.suppression_threshold,
    )


def compute(
    conn: duckdb.DuckDBPyConnection,
    quarter: Quarter,
    settings: Settings,
    *,
    audit: bool = False,
    with_trend: bool = True,
    earlier: Mapping[str, pl.DataFrame] | None = None,
) -> list[Table]:
    """Every published table of ``quarter`` (suppressed), the time series last; ``earlier``:
    see :func:`compute_definition`."""
    _prepare(conn, quarter)
    tables: list[Table] = []
    for definition in DEFINITIONS:
        tables += compute_definition(
            conn, definition, quarter, settings, audit=audit, prepared=True, earlier=earlier
        )
    if with_trend:
        tables.append(trend(conn, quarter, settings, audit=audit, current=tables))
    return tables
