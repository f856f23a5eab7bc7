"""The quarter build: one register per quarter from the deliveries and Kanta batches in force.

1. Inputs: the accepted rows of the current component of every accepted delivery of the quarter
   (source ``separate``, municipality group from its manifest) and of every current Kanta batch
   component (source ``kanta``). A Kanta row belongs to the municipality group whose
   municipalities include its home municipality (from the delivery-method notifications), else
   to the organiser's whole area as one group named by the county.
2. Source selection per organiser, municipality group, service task and component, following
   the notifications: ``kanta`` keeps Kanta rows only, ``separate`` separate rows only,
   ``kanta_supplemented`` both. Where no notification says, both sources are used (their
   union) and the build summary lists those cells.
3. Merge (``register.merge``): ranges of the same person and key from both sources are merged
   with the SPEC §8 rule; every record keeps its provenance (kanta / separate / both).
   Before that, a decision or service (IV, V) delivered or derived without a service task
   takes the task of the organiser's client when the quarter's client periods (II, both
   sources, as built) give that person exactly one task; otherwise its task stays unknown.
4. Only records of the quarter are kept (``components.belongs_to``: a range overlapping it, or
   a decision made during it); birth date (from the identity code, via the
   person), county of the home municipality and the quarter are added.
5. Everything is written in one transaction that also makes the new build the current one of the
   quarter and drops the rows of the builds it supersedes: readers see the previous build until
   the new one commits. Building again from the same inputs gives the same rows.

The inputs of every build are recorded (``build_inputs``). When the quarter is approved or
published (locked, ``register.lifecycle``), step 1 reads the inputs of the approved build instead
of those in force: deliveries and Kanta batches received after approval are not used until the
keeper reopens the quarter.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import duckdb
import polars as pl

from sosdata import codes, components, organisers
from sosdata.components import CLIENT_PERIODS, Component, belongs_to
from sosdata.config import Settings
from sosdata.periods import Quarter
from sosdata.progress import Progress, Step, silent
from sosdata.register import (
    audit,
    lifecycle,
    merge,
    notifications,
    packed_sort,
    rows,
    store,
    text_codes,
)
from sosdata.register.merge import KANTA, SEPARATE, SOURCE, SOURCES

#: per component: the columns that identify one record besides the organiser and person
#: (ranges of the same key are merged), the range columns, or None to merge identical records
MERGE_KEYS: dict[str, tuple[list[str], tuple[str, str] | None]] = {
    "asiakkuusjaksot": (["palvelutehtava"], ("alkupvm", "loppupvm")),
    "lastensuojelu": ([], ("alkupvm", "loppupvm")),
    "palvelupaatokset": (
        [
            "sosiaalipalvelu",
            "palvelutehtava",
            "paatospvm",
            "voimassa_alkaen",
            "voimassa_asti",
            "paatoksen_tyyppi",
        ],
        None,
    ),
    "palvelutiedot": (["sosiaalipalvelu", "palvelutehtava"], ("alkupvm", "loppupvm")),
}
#: details of a record that are not part of its identity: taken from the most recent part
ATTRIBUTES = ["kuntaryhma", "kotikunta", "sukupuoli"]
EXPECTED_KEY = ["organiser", "municipality_group", "service_task", "component"]


def built_table(component: Component) -> str:
    return f"built_{component.name}"


def view(component: Component) -> str:
    return f"register_{component.name}"


#: the columns every ``register_<component>`` view starts with
VIEW_PERSON_COLUMNS = (
    "quarter",
    "jarjestaja",
    "kuntaryhma",
    "pseudonym",
    "syntymapaiva",
    "sukupuoli",
    "kotikunta",
    "hyvinvointialue",
)


def view_columns(component: Component) -> list[str]:
    """The columns of the ``register_<component>`` view, in order."""
    return [*VIEW_PERSON_COLUMNS, *component.own_columns, SOURCE]


def record_columns(component: Component) -> list[str]:
    """The columns of a built record of ``component`` (``built_<component>`` but the build's
    id): the view's, the person by number (``person_id``, migration 0077) for the pseudonym."""
    return [rows.PERSON if n == "pseudonym" else n for n in view_columns(component)]


def coded_columns(conn: duckdb.DuckDBPyConnection, c: Component) -> list[str]:
    """The columns of the built records of ``c`` kept as codes (``text_codes``): the table's
    ``UINTEGER`` ones, as migration 0006 declares them, but the person's number (0077)."""
    return [
        name
        for (name,) in conn.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND table_name = ? AND data_type = 'UINTEGER' "
            "AND column_name <> ? ORDER BY column_index",
            [built_table(c), rows.PERSON],
        ).fetchall()
    ]


#: a built record (``x``) of the quarter's current build
_CURRENT = "x.build_id IN (SELECT build_id FROM builds WHERE current)"


def records(
    conn: duckdb.DuckDBPyConnection, c: Component, period: Quarter, *, text_as: str = "VARCHAR"
) -> str:
    """A query of the current build's records of ``c`` in ``period``, in the columns of the view
    ``register_<component>`` but the person by number (``person_id``) instead of pseudonym, with
    each code decoded as the view decodes it but to the type ``text_as``: the statistics read the
    text as :func:`text_codes.sorted_enum`, so that their grouping, joins and ``max`` move small
    integers. Unlike the view, it does not join the persons."""
    table = built_table(c)
    coded = set(coded_columns(conn, c))
    columns = ", ".join(
        f"t.text[x.{n}] AS {n}" if n in coded else f"x.{n}" for n in record_columns(c)
    )
    return (
        f"SELECT {columns} FROM {table} x, "
        f"(SELECT list(value::{text_as} ORDER BY code) AS text FROM {text_codes.TABLE}) t "
        f"WHERE {_CURRENT} "
        f"AND x.quarter = (SELECT code FROM {text_codes.TABLE} WHERE value = '{period}')"
    )


def quarters(conn: duckdb.DuckDBPyConnection, c: Component) -> list[str]:
    """The quarters whose current build holds records of ``c``, in order, read from the
    records' quarter codes. Not through the view ``register_<component>``: it joins every record
    to its person (DuckDB keeps the join though nothing reads it), and on some registers DuckDB
    copied the list of stored values onto each record below that join, seconds and gigabytes
    for a national quarter (docs/performance.md)."""
    found = conn.execute(
        f"SELECT DISTINCT t.value FROM {built_table(c)} x JOIN {text_codes.TABLE} t "
        f"ON t.code = x.quarter WHERE {_CURRENT} ORDER BY 1"
    ).fetchall()
    return [q for (q,) in found]


@dataclass
class BuildSummary:
    quarter: str
    build_id: int
    built_by: str
    notifications: bool
    deliveries: list[int]
    kanta_batches: list[int]
    components: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: cells (organiser, municipality group, service task, component) without a notification,
    #: built from the union of both sources
    union_cells: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "quarter": self.quarter,
            "build_id": self.build_id,
            "built_by": self.built_by,
            "notifications": self.notifications,
            "deliveries": self.deliveries,
            "kanta_batches": self.kanta_batches,
            "components": self.components,
            "union_cells": self.union_cells,
            "notes": self.notes,
        }


# ----------------------------------------------------------------------------- inputs


def expected_sources(conn: duckdb.DuckDBPyConnection, period: Quarter) -> pl.DataFrame | None:
    """The notifications' expected sources for ``period``, or None when there are none."""
    frame = notifications.expected_sources(conn, period)
    return frame if frame.height else None


def _municipality_groups(settings: Settings, expected: pl.DataFrame | None) -> pl.DataFrame:
    """Organiser, municipality → group: notified groups first, then the county as one group."""
    counties = codes.load("hyvinvointialue", settings.codes_dir)
    known = organisers.load(settings.data_dir)
    whole_area = pl.DataFrame(
        [
            (o.oid, m, counties.label(o.county, "fi"), "county")
            for o in known
            for m in o.municipalities
        ],
        schema={
            "organiser": pl.String,
            "municipality": pl.String,
            "municipality_group": pl.String,
            "basis": pl.String,
        },
        orient="row",
    )
    if expected is None:
        return whole_area
    notified = (
        expected.select("organiser", "municipality", "municipality_group")
        .drop_nulls()
        .unique()
        .sort("organiser", "municipality", "municipality_group")
        .unique(["organiser", "municipality"], keep="first", maintain_order=True)
        .with_columns(basis=pl.lit("notification"))
    )
    rest = whole_area.join(notified, on=["organiser", "municipality"], how="anti")
    return pl.concat([notified, rest.select(notified.columns)]).sort("organiser", "municipality")


def _county_names(settings: Settings) -> pl.DataFrame:
    counties = codes.load("hyvinvointialue", settings.codes_dir)
    return pl.DataFrame(
        [(o.oid, counties.label(o.county, "fi")) for o in organisers.load(settings.data_dir)],
        schema={"jarjestaja": pl.String, "_area": pl.String},
        orient="row",
    )


def _organiser_rows(settings: Settings) -> pl.DataFrame:
    """The organiser register in force, as recorded with the build."""
    return pl.DataFrame(
        [
            (o.oid, o.county, o.name("fi"), o.name("sv"), o.name("en"), o.fictitious)
            for o in organisers.load(settings.data_dir)
        ],
        schema={
            "oid": pl.String,
            "county": pl.String,
            "name_fi": pl.String,
            "name_sv": pl.String,
            "name_en": pl.String,
            "fictitious": pl.Boolean,
        },
        orient="row",
    )


def _county_of_municipality(settings: Settings) -> pl.DataFrame:
    return pl.DataFrame(
        [(c.code, c.extra.get("county")) for c in codes.load("kunta", settings.codes_dir)],
        schema={"kotikunta": pl.String, "hyvinvointialue": pl.String},
        orient="row",
    )


def _in_force(locked: int | None, source: str, alias: str) -> str:
    """The condition on ``alias`` (a delivery or Kanta component) of the inputs a build reads:
    those in force, or while the quarter is locked those of the approved build."""
    if locked is None:
        return f"{alias}.current"
    key = "delivery_id" if source == SEPARATE else "batch_id"
    organiser = "" if source == SEPARATE else f" AND i.organiser = {alias}.organiser"
    return (
        f"EXISTS (SELECT 1 FROM build_inputs i WHERE i.build_id = {int(locked)} "
        f"AND i.source = '{source}' AND i.input_id = {alias}.{key} "
        f"AND i.component = {alias}.component{organiser})"
    )


def _input_columns(c: Component) -> str:
    """The stored columns, the person's index (see :func:`_persons`) for their number."""
    return ", ".join("p.person" if n == rows.PERSON else f"a.{n}" for n in rows.stored_columns(c))


def _from_source(
    source: str, conn: duckdb.DuckDBPyConnection, sql: str, params: list[Any]
) -> pl.DataFrame:
    """The rows ``sql`` reads from ``source``, named by it (``SOURCES``)."""
    return store.frame(conn, sql, params).with_columns(pl.lit(source, SOURCES).alias(SOURCE))


def _separate_rows(
    conn: duckdb.DuckDBPyConnection, c: Component, quarter: str, locked: int | None = None
) -> pl.DataFrame:
    return _from_source(
        SEPARATE,
        conn,
        f"SELECT {_input_columns(c)}, d.municipality_group AS kuntaryhma "
        f"FROM {rows.table(c)} a "
        "JOIN delivery_components dc ON dc.delivery_id = a.delivery_id AND dc.component = ? "
        f"  AND {_in_force(locked, SEPARATE, 'dc')} "
        "JOIN deliveries d ON d.delivery_id = a.delivery_id AND d.quarter = ? "
        "  AND d.status = 'accepted' "
        f"LEFT JOIN {PERSON_INDEX} p ON p.{rows.PERSON} = a.{rows.PERSON}",
        [c.name, quarter],
    )


def _kanta_rows(
    conn: duckdb.DuckDBPyConnection, c: Component, quarter: str, locked: int | None = None
) -> pl.DataFrame:
    return _from_source(
        KANTA,
        conn,
        f"SELECT {_input_columns(c)}, CAST(NULL AS VARCHAR) AS kuntaryhma "
        f"FROM {rows.table(c)} a "
        # the organiser as its code, as the rows keep it (text_codes)
        "JOIN (SELECT kc.*, t.code AS organiser_code FROM kanta_components kc "
        f"  JOIN {text_codes.TABLE} t ON t.value = kc.organiser) kc "
        "ON kc.batch_id = a.batch_id AND kc.organiser_code = a.jarjestaja "
        f"  AND kc.component = ? AND {_in_force(locked, KANTA, 'kc')} "
        "JOIN kanta_batches b ON b.batch_id = a.batch_id AND b.quarter = ? "
        f"LEFT JOIN {PERSON_INDEX} p ON p.{rows.PERSON} = a.{rows.PERSON}",
        [c.name, quarter],
    )


def _inputs(conn: duckdb.DuckDBPyConnection, quarter: str, locked: int | None) -> pl.DataFrame:
    """The delivery and Kanta components a build of the quarter reads (``build_inputs`` rows
    without the build id)."""
    return store.frame(
        conn,
        f"SELECT '{SEPARATE}' AS source, dc.delivery_id AS input_id, "
        "CAST(NULL AS VARCHAR) AS organiser, dc.component FROM delivery_components dc "
        "JOIN deliveries d USING (delivery_id) WHERE d.quarter = ? AND d.status = 'accepted' "
        f"AND {_in_force(locked, SEPARATE, 'dc')} "
        f"UNION ALL SELECT '{KANTA}', kc.batch_id, kc.organiser, kc.component "
        "FROM kanta_components kc JOIN kanta_batches b USING (batch_id) WHERE b.quarter = ? "
        f"AND {_in_force(locked, KANTA, 'kc')} ORDER BY 1, 2, 3, 4",
        [quarter, quarter],
    )


def _group_lookups(
    conn: duckdb.DuckDBPyConnection, groups: pl.DataFrame, areas: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The municipality groups by organiser and home municipality, and the organisers' areas,
    keyed by the codes the stored rows carry (once per build: a value no stored row has is
    given no code and matches none of them)."""
    by_municipality = text_codes.as_codes(
        conn,
        groups.select(
            pl.col("organiser").alias("jarjestaja"),
            pl.col("municipality").alias("kotikunta"),
            pl.col("municipality_group").alias("_group"),
        ),
        ["jarjestaja", "kotikunta"],
        add=False,
    )
    return by_municipality, text_codes.as_codes(conn, areas, ["jarjestaja"], add=False)


def _assign_groups(
    conn: duckdb.DuckDBPyConnection,
    kanta: pl.DataFrame,
    by_municipality: pl.DataFrame,
    by_organiser: pl.DataFrame,
) -> pl.DataFrame:
    """The municipality group of each Kanta row (organiser and home municipality as their
    codes, the lookups as :func:`_group_lookups` gives them), by its home municipality, else
    the organiser's area."""
    assigned = (
        kanta.join(
            by_municipality, on=["jarjestaja", "kotikunta"], how="left", maintain_order="left"
        )
        .join(by_organiser, on="jarjestaja", how="left", maintain_order="left")
        .with_columns(kuntaryhma=pl.coalesce("_group", "_area"))
        .drop("_group", "_area")
    )
    unnamed = assigned.get_column("kuntaryhma").is_null().arg_true()
    if unnamed.len() == 0:
        return assigned
    # an organiser outside the organiser register: its rows are one group named by it
    named = text_codes.as_text(conn, assigned[unnamed].select("jarjestaja"), ["jarjestaja"])
    return assigned.with_columns(
        assigned.get_column("kuntaryhma").scatter(unnamed, named.get_column("jarjestaja"))
    )


def _coded(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with its text columns as enumerations of their sorted values, as
    ``text_codes.enumerated`` made the stored ones: the selection and the merge that follow
    sort, join and gather small integers."""
    text = [n for n, t in frame.schema.items() if t == pl.String]
    return packed_sort.enumerated(frame, text)


def _typed_as(frame: pl.DataFrame, other: pl.DataFrame) -> pl.DataFrame:
    """``other`` with each column ``frame`` also has in ``frame``'s type, to be joined with it
    (a value ``frame`` lacks becomes null: it would match none of its rows)."""
    shared = [n for n in other.columns if n in frame.schema]
    return other.with_columns(pl.col(n).cast(frame.schema[n], strict=False) for n in shared)


# ----------------------------------------------------------------------------- selection


def _select_sources(
    frame: pl.DataFrame, c: Component, expected: pl.DataFrame | None
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Rows kept per the notifications, the cells built as a union, and rows left out."""
    has_task = "palvelutehtava" in c.column_names
    task = pl.col("palvelutehtava") if has_task else pl.lit(None, dtype=pl.String)
    frame = frame.with_columns(_task=task)
    rules = (
        expected.filter(pl.col("component") == c.name)
        .select(EXPECTED_KEY[:3] + ["source"])
        .unique()
        # one rule per cell even if notifications disagree: the first in a fixed order
        .sort(EXPECTED_KEY[:3] + ["source"], nulls_last=False)
        .unique(EXPECTED_KEY[:3], keep="first", maintain_order=True)
        if expected is not None
        else pl.DataFrame(schema={k: pl.String for k in [*EXPECTED_KEY[:3], "source"]})
    )
    by_task = rules.filter(pl.col("service_task").is_not_null()).select(
        pl.col("organiser").alias("jarjestaja"),
        pl.col("municipality_group").alias("kuntaryhma"),
        pl.col("service_task").alias("_task"),
        pl.col("source").alias("_by_task"),
    )
    whole = rules.filter(pl.col("service_task").is_null()).select(
        pl.col("organiser").alias("jarjestaja"),
        pl.col("municipality_group").alias("kuntaryhma"),
        pl.col("source").alias("_whole"),
    )
    ruled = frame
    # a join of millions of rows costs a third of a second even with no rule to find
    for found, on in (
        (by_task, ["jarjestaja", "kuntaryhma", "_task"]),
        (whole, ["jarjestaja", "kuntaryhma"]),
    ):
        (name,) = set(found.columns) - set(on)
        if found.is_empty():
            ruled = ruled.with_columns(pl.lit(None, pl.String).alias(name))
        else:
            ruled = ruled.join(
                _typed_as(frame, found), on=on, how="left", maintain_order="left", nulls_equal=False
            )
    ruled = ruled.with_columns(_rule=pl.coalesce("_by_task", "_whole"))
    keep = (
        pl.col("_rule").is_null()
        | (pl.col("_rule") == "kanta_supplemented")
        | (pl.col("_rule") == pl.col(SOURCE))
    )
    union_cells = (
        ruled.filter(pl.col("_rule").is_null())
        .select(
            pl.col("jarjestaja").alias("organiser"),
            pl.col("kuntaryhma").alias("municipality_group"),
            pl.col("_task").alias("service_task"),
        )
        .unique()
        .with_columns(component=pl.lit(c.name))
        .sort(EXPECTED_KEY[:3], nulls_last=False)
    )
    left_out = ruled.filter(~keep).group_by("jarjestaja", "kuntaryhma", "_rule", SOURCE).len()
    kept = ruled.filter(keep).drop("_task", "_by_task", "_whole", "_rule")
    return kept, union_cells, left_out


# ----------------------------------------------------------------------------- merge


def merge_component(frame: pl.DataFrame, c: Component) -> pl.DataFrame:
    """Both sources' rows of one component merged into register records (persons by their
    index, see :func:`_persons`)."""
    own_key, ranges = MERGE_KEYS[c.name]
    key = ["jarjestaja", "person", *own_key]
    if ranges is None:
        return merge.dedupe(frame, key, ATTRIBUTES)
    start, end = ranges
    return merge.merge_ranges(frame, key, start, end, ATTRIBUTES)


def register_rows(
    merged: pl.DataFrame,
    c: Component,
    period: Quarter,
    persons: pl.DataFrame,
    county: pl.DataFrame,
) -> pl.DataFrame:
    """Records of the quarter in the columns they are stored in (:func:`record_columns`), the
    person's index (``person``) standing for their number until they are stored."""
    records = merged.filter(belongs_to(c, period))
    columns = ["person" if n == rows.PERSON else n for n in record_columns(c)]
    # records stay in the merge's order (organiser, person, the component's key, start): the
    # person's index follows the pseudonyms' order, so the same inputs give the same rows in
    # the same order
    # the quarter and the county as enumerations, as the other text is: storing them as codes
    # then reads a few values, not millions of strings
    county = _typed_as(records, county).drop_nulls("kotikunta")  # the municipalities named
    counties = pl.Enum(county["hyvinvointialue"].unique().drop_nulls().sort())
    return (
        records.with_columns(syntymapaiva=persons["syntymapaiva"].gather(records["person"]))
        .join(
            county.with_columns(pl.col("hyvinvointialue").cast(counties)),
            on="kotikunta",
            how="left",
            maintain_order="left",
        )
        .with_columns(pl.lit(str(period), pl.Enum([str(period)])).alias("quarter"))
        .select(columns)
    )


# ----------------------------------------------------------------------------- tasks


def only_tasks(client_periods: pl.DataFrame) -> pl.DataFrame:
    """Organiser and person (by index) → their service task, for the persons whose client
    periods of the quarter are in exactly one task (the seed's footnote: "Om
    klientrelationsperioden endast gäller en serviceuppgift → ifrågavarande serviceuppgift")."""
    task = pl.col("palvelutehtava")
    return (
        client_periods.group_by("jarjestaja", "person")
        .agg(task.n_unique().alias("_tasks"), task.first().alias("_only_task"))
        .filter(pl.col("_tasks") == 1)
        .select("jarjestaja", "_only_task", "person")
    )


def infer_tasks(frame: pl.DataFrame, only: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """IV/V rows with their missing service task taken from ``only`` (:func:`only_tasks`, with
    the organiser and task as codes, as the rows have them); returns the rows and how many were
    given a task."""
    missing = frame.get_column("palvelutehtava").is_null().arg_true()
    if missing.len() == 0:
        return frame, 0
    # only the rows without a task are looked up (a few in millions): no join of every row
    found = (
        frame[missing]
        .select("jarjestaja", "person")
        .join(only, on=["jarjestaja", "person"], how="left", maintain_order="left")
        .get_column("_only_task")
    )
    task = frame.get_column("palvelutehtava").clone().scatter(missing, found)
    return frame.with_columns(task), int(found.is_not_null().sum())


# ----------------------------------------------------------------------------- the build

#: the name under which the build's person index is visible to its queries
PERSON_INDEX = "build_person_index"


def _persons(conn: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every person's number (as the accepted rows and the records name them) and birth date,
    in pseudonym order: a person's place here (its index, ``person``) stands for the person while
    the build sorts and merges, and keeps the pseudonyms' order."""
    return store.frame(
        conn,
        f"SELECT {rows.PERSON}, birth_date AS syntymapaiva FROM persons ORDER BY pseudonym",
    ).with_row_index("person")


def build(
    conn: duckdb.DuckDBPyConnection,
    settings: Settings,
    period: Quarter,
    *,
    built_by: str,
    reason: str = "quarter build",
    progress: Progress | None = None,
) -> BuildSummary:
    """Build ``period``'s register and make it the current one."""
    report = progress or silent
    quarter = str(period)
    locked = lifecycle.locked_build(conn, period)
    steps = 2 * len(components.COMPONENTS) + 1
    report(Step("reading the inputs", 0, steps))
    audit.record(conn, built_by, "build", f"register {quarter}", reason)
    expected = expected_sources(conn, period)
    groups = _municipality_groups(settings, expected)
    areas = _county_names(settings)
    county = _county_of_municipality(settings)
    summary = BuildSummary(
        quarter=quarter,
        build_id=0,
        built_by=built_by,
        notifications=expected is not None,
        deliveries=_ids(
            conn,
            "SELECT DISTINCT dc.delivery_id FROM delivery_components dc "
            "JOIN deliveries d USING (delivery_id) WHERE dc.current "
            "AND d.quarter = ? ORDER BY 1",
            quarter,
        ),
        kanta_batches=_ids(
            conn,
            "SELECT DISTINCT kc.batch_id FROM kanta_components kc "
            "JOIN kanta_batches b USING (batch_id) WHERE kc.current "
            "AND b.quarter = ? ORDER BY 1",
            quarter,
        ),
    )
    inputs_used = _inputs(conn, quarter, locked)
    if locked is not None:
        summary.deliveries = sorted(
            {int(i) for i in inputs_used.filter(pl.col("source") == SEPARATE)["input_id"]}
        )
        summary.kanta_batches = sorted(
            {int(i) for i in inputs_used.filter(pl.col("source") == KANTA)["input_id"]}
        )
        summary.notes.append(
            f"the quarter is locked to the approved build {locked}: its inputs were used, and "
            "nothing received after the approval"
        )
    if expected is None:
        summary.notes.append(
            "no delivery-method notifications: every cell is built from the union of the "
            "Kanta and separate sources"
        )
    persons = _persons(conn)
    index = persons.select(rows.PERSON, "person").to_arrow(compat_level=pl.CompatLevel.oldest())
    only: pl.DataFrame | None = None  # from II, built first
    with store.registered(conn, {PERSON_INDEX: index}), store.transaction(conn):
        by_municipality, by_organiser = _group_lookups(conn, groups, areas)
        (build_id,) = store.one(conn, "SELECT nextval('build_id_seq')")
        summary.build_id = int(build_id)
        for step, c in enumerate(components.COMPONENTS.values()):
            # one component at a time, stored as soon as it is built: only its rows in memory
            report(Step(f"building {c.name}", 2 * step + 1, steps))
            separate = _separate_rows(conn, c, quarter, locked)
            kanta = _assign_groups(
                conn, _kanta_rows(conn, c, quarter, locked), by_municipality, by_organiser
            )
            both = pl.concat([separate, kanta.select(separate.columns)])
            tasks: dict[str, int] = {}  # IV, V: service tasks inferred and left unknown
            if only is not None and "palvelutehtava" in c.column_names:
                both, tasks["service_task_inferred"] = infer_tasks(both, only)
            both = _coded(text_codes.enumerated(conn, both, rows.coded_columns(c)))
            kept, union_cells, left_out = _select_sources(both, c, expected)
            del both
            records = register_rows(merge_component(kept, c), c, period, persons, county)
            del kept
            if c is CLIENT_PERIODS:
                only = text_codes.as_codes(conn, only_tasks(records), ["jarjestaja", "_only_task"])
            elif tasks:
                tasks["service_task_unknown"] = records["palvelutehtava"].null_count()
            summary.union_cells += union_cells.to_dicts()
            summary.components[c.name] = {
                "rows": records.height,
                "by_source": dict(sorted(records.group_by(SOURCE).len().iter_rows())),
                "input_rows": {KANTA: kanta.height, SEPARATE: separate.height},
                **tasks,
                "left_out_by_notification": left_out.rename(
                    {
                        "jarjestaja": "organiser",
                        "kuntaryhma": "municipality_group",
                        "_rule": "notified_source",
                        "len": "rows",
                    }
                ).to_dicts(),
            }
            del separate, kanta
            report(Step(f"storing {c.name}", 2 * step + 2, steps))
            _store_records(conn, c, records, persons[rows.PERSON], build_id, quarter)
            del records
        if summary.union_cells and expected is not None:
            summary.notes.append(
                f"{len(summary.union_cells)} cells have no notification and were built from "
                "the union of both sources (see union_cells)"
            )
        _commit(conn, summary, groups, _organiser_rows(settings), built_by, inputs_used)
    report(Step("built", steps, steps))
    return summary


def _ids(conn: duckdb.DuckDBPyConnection, sql: str, quarter: str) -> list[int]:
    return [int(r[0]) for r in conn.execute(sql, [quarter]).fetchall()]


def _store_records(
    conn: duckdb.DuckDBPyConnection,
    c: Component,
    records: pl.DataFrame,
    numbers: pl.Series,
    build_id: int,
    quarter: str,
) -> None:
    """Replace the quarter's records of ``c`` (inside the build's transaction), their text as
    codes (``text_codes``) and each person (``person``, an index into ``numbers``) by number."""
    table = built_table(c)
    conn.execute(
        f"DELETE FROM {table} WHERE build_id IN (SELECT build_id FROM builds WHERE quarter = ?)",
        [quarter],
    )
    records = text_codes.as_codes(conn, records, coded_columns(conn, c)).with_columns(
        pl.lit(build_id, dtype=pl.Int64).alias("build_id"),
        numbers.gather(records["person"]).alias(rows.PERSON),
    )
    store.run(
        conn, f"INSERT INTO {table} BY NAME SELECT * EXCLUDE (person) FROM records", records=records
    )


def _make_current(
    conn: duckdb.DuckDBPyConnection,
    quarter: str,
    build_id: int,
    built_by: str,
    summary: dict[str, Any],
) -> None:
    """The build's row, now the quarter's current build."""
    conn.execute("UPDATE builds SET current = false WHERE quarter = ? AND current", [quarter])
    conn.execute(
        "INSERT INTO builds (build_id, quarter, built_at, built_by, current, summary) "
        "VALUES (?, ?, ?, ?, true, ?)",
        [build_id, quarter, dt.datetime.now(), built_by, json.dumps(summary, ensure_ascii=False)],
    )


def _commit(
    conn: duckdb.DuckDBPyConnection,
    summary: BuildSummary,
    groups: pl.DataFrame,
    organiser_rows: pl.DataFrame,
    built_by: str,
    inputs_used: pl.DataFrame,
) -> None:
    """The build's row (now the current one), its municipality groups and the organisers, in
    the transaction that stored its records."""
    quarter, build_id = summary.quarter, summary.build_id
    _make_current(conn, quarter, build_id, built_by, summary.to_dict())
    store.run(
        conn,
        "INSERT INTO build_inputs BY NAME SELECT * FROM inputs_used",
        inputs_used=inputs_used.with_columns(build_id=pl.lit(build_id, dtype=pl.Int64)),
    )
    lifecycle.record_build(conn, Quarter.parse(quarter), int(build_id), built_by)
    conn.execute("DELETE FROM municipality_groups WHERE quarter = ?", [quarter])
    store.run(
        conn,
        "INSERT INTO municipality_groups BY NAME SELECT * FROM quarter_groups",
        quarter_groups=groups.with_columns(quarter=pl.lit(quarter)),
    )
    conn.execute("DELETE FROM organisers")
    store.run(
        conn,
        "INSERT INTO organisers BY NAME SELECT * FROM organiser_rows",
        organiser_rows=organiser_rows,
    )


def current_build(conn: duckdb.DuckDBPyConnection, period: Quarter) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT build_id, built_at, built_by, summary FROM builds WHERE quarter = ? AND current",
        [str(period)],
    ).fetchone()
    if row is None:
        return None
    return {
        "build_id": row[0],
        "built_at": row[1],
        "built_by": row[2],
        "summary": json.loads(row[3]),
    }
