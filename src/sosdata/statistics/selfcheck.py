"""The county's self-check: what the quarter's current build would publish about one organiser's
own area, beside the previous quarter, before anything is published.

The tables are the statistics' own (:func:`sosdata.statistics.tables.compute`: the same
definitions, computed over the whole register and suppressed together exactly as a publication
would be), then restricted to the organiser's area: its county (county level), its county and
municipalities (municipality level), the organiser itself (organiser level). Only the published
text of a cell leaves this module (``..`` where suppressed), so no small cell and nothing of
another organiser is ever shown. The previous quarter is taken as it was published, else as its
current build would publish it, else left empty. Nothing is stored: a self-check reads the
current build, and says so when the quarter has none.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import duckdb
import polars as pl

from sosdata import components, safe_export
from sosdata.config import Settings
from sosdata.errors import NotFound
from sosdata.organisers import Organiser
from sosdata.periods import Quarter
from sosdata.register import build as register_build
from sosdata.statistics import publications
from sosdata.statistics.tables import Dimension, Table, compute, quarters_present

#: a change of at least this many per cent (either way) between quarters is flagged…
LARGE_CHANGE_PERCENT = 25.0
#: …when the cell changed by at least this many units (small counts swing by chance)
LARGE_CHANGE_UNITS = 10
SUPPRESSED = ".."


#: the suppressed tables of a quarter's build: (quarter, build id) → tables; the tables are the
#: same for every organiser, so a caller may keep them per build (``Register`` does)
TablesOf = Callable[[Quarter, int], list[Table]]


class SelfCheckNotFound(NotFound):
    """No such organiser, or not one whose self-check the user may read."""


@dataclass
class CheckedTable:
    """One table restricted to the organiser's area: the dimensions' codes, the published text
    this quarter (``shown``) and in the previous one (``previous``), the change in per cent
    where both are numbers, and whether it is large (``flagged``)."""

    id: str
    title: Mapping[str, str]
    unit: Mapping[str, str]
    dimensions: tuple[Dimension, ...]
    rows: pl.DataFrame

    @property
    def flagged(self) -> int:
        return int(self.rows["flagged"].sum())

    def labelled(self, lang: str, *, zeros: bool = True) -> pl.DataFrame:
        """The rows with each dimension's label (column named by its title in ``lang``);
        ``zeros=False`` leaves out the cells that are zero in both quarters."""
        rows = self.rows
        if not zeros:
            rows = rows.filter(
                (pl.col("shown") != "0") | (pl.col("previous").fill_null("0") != "0")
            )
        columns = [
            pl.col(d.name)
            .replace_strict({c: d.label(c, lang) for c in d.codes}, default=pl.col(d.name))
            .alias(d.title.get(lang) or d.name)
            for d in self.dimensions
        ]
        return rows.select(*columns, "shown", "previous", "change_percent", "flagged")


@dataclass
class SelfCheck:
    organiser: str
    quarter: str
    previous_quarter: str
    #: the current build read (None: the quarter has not been built)
    build_id: int | None = None
    built_at: object = None
    #: where the previous quarter's figures come from: "published", "built" or None
    previous_source: str | None = None
    tables: list[CheckedTable] = field(default_factory=list)
    #: per component: rows of the organiser's records by source (kanta, separate, both), share
    sources: pl.DataFrame = field(default_factory=pl.DataFrame)

    @property
    def built(self) -> bool:
        return self.build_id is not None

    def table(self, table_id: str | None) -> CheckedTable | None:
        return next((t for t in self.tables if t.id == table_id), None) or (
            self.tables[0] if self.tables else None
        )

    def long(self, lang: str) -> pl.DataFrame:
        """Every table's rows in one frame: table, cell (its labels), this and the previous
        quarter, the change, the flag."""
        parts = []
        for t in self.tables:
            frame = t.labelled(lang)
            names = frame.columns[: len(t.dimensions)]
            parts.append(
                frame.select(
                    pl.lit(t.id).alias("table"),
                    pl.lit(t.title.get(lang, t.id)).alias("title"),
                    pl.concat_str([pl.col(n) for n in names], separator=" / ").alias("cell"),
                    pl.col("shown").alias(self.quarter),
                    pl.col("previous").alias(self.previous_quarter),
                    "change_percent",
                    "flagged",
                )
            )
        return pl.concat(parts) if parts else pl.DataFrame()

    def csv(self, lang: str) -> bytes:
        """UTF-8 with BOM, ``;``-separated, like the published CSV files."""
        return safe_export.csv_text(self.long(lang)).encode("utf-8-sig")

    def xlsx(self, lang: str) -> bytes:
        """One sheet of every table's rows, and one of the sources."""
        import xlsxwriter

        out = io.BytesIO()
        book = xlsxwriter.Workbook(out, {"in_memory": True})
        bold = book.add_format({"bold": True})
        for name, unsafe in (("self-check", self.long(lang)), ("sources", self.sources)):
            frame = safe_export.neutralise_frame(unsafe)
            sheet = book.add_worksheet(name)
            sheet.write_row(0, 0, frame.columns, bold)
            for row, values in enumerate(frame.iter_rows(), start=1):
                for column, value in enumerate(values):
                    if isinstance(value, bool):
                        sheet.write_boolean(row, column, value)
                    elif isinstance(value, int | float):
                        sheet.write_number(row, column, value)
                    elif value is not None:
                        sheet.write_string(row, column, str(value))
        book.close()
        return out.getvalue()


def _own_area(table: Table, organiser: Organiser) -> dict[str, list[str]] | None:
    """The codes of the table's area dimension that are the organiser's own (None: the table
    has no area)."""
    if table.level == "organiser":
        return {"jarjestaja": [organiser.oid]}
    if table.level == "county":
        return {"alue": [organiser.county]}
    if table.level == "municipality":
        return {"alue": [organiser.county, *organiser.municipalities]}
    return None


def _own(tables: Sequence[Table], organiser: Organiser) -> dict[str, pl.DataFrame]:
    """Each table's cells about the organiser, as published text only (values of suppressed
    cells are dropped here)."""
    out = {}
    for t in tables:
        area = _own_area(t, organiser)
        if area is not None:
            out[t.id] = t.full(only=area).select(*t.dims, "shown")
    return out


def _compare(current: pl.DataFrame, previous: pl.DataFrame | None, dims: list[str]) -> pl.DataFrame:
    if previous is None:
        joined = current.with_columns(previous=pl.lit(None, dtype=pl.String))
    else:
        joined = current.join(
            previous.rename({"shown": "previous"}), on=dims, how="left", nulls_equal=True
        )
    now = pl.col("shown").cast(pl.Int64, strict=False)
    before = pl.col("previous").cast(pl.Int64, strict=False)
    change = pl.when(before > 0).then(((now - before) * 100.0 / before).round(1))
    return joined.with_columns(change_percent=change).with_columns(
        flagged=(
            (pl.col("change_percent").abs() >= LARGE_CHANGE_PERCENT)
            & ((now - before).abs() >= LARGE_CHANGE_UNITS)
        ).fill_null(False)
    )


def _current_build(conn: duckdb.DuckDBPyConnection, period: Quarter) -> dict | None:
    return register_build.current_build(conn, period)


def computed(conn: duckdb.DuckDBPyConnection, settings: Settings) -> TablesOf:
    """Tables computed afresh each time (no keeping)."""
    return lambda period, _build_id: compute(conn, period, settings, with_trend=False)


def _previous_tables(
    conn: duckdb.DuckDBPyConnection, period: Quarter, tables_of: TablesOf
) -> tuple[list[Table], str | None]:
    try:
        return publications.tables(conn, publications.latest(conn, str(period))), "published"
    except publications.PublicationNotFound:
        pass
    built = _current_build(conn, period)
    conn.complete()
    if built is not None and str(period) in quarters_present(conn):
        return tables_of(period, int(built["build_id"])), "built"
    return [], None


def sources(conn: duckdb.DuckDBPyConnection, organiser: str, period: Quarter) -> pl.DataFrame:
    """Per component, the organiser's records of the quarter's build by source, with shares."""
    union = " UNION ALL ".join(
        f"SELECT '{c.name}' AS component, source, count(*) AS rows "
        f"FROM ({register_build.records(conn, c, period)}) WHERE jarjestaja = $organiser "
        "GROUP BY source"
        for c in components.COMPONENTS.values()
    )
    conn.complete()
    frame = pl.from_arrow(conn.sql(union, params={"organiser": organiser}).to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    return frame.sort("component", "source").with_columns(
        share_percent=(pl.col("rows") * 100.0 / pl.col("rows").sum().over("component")).round(1)
    )


def self_check(
    conn: duckdb.DuckDBPyConnection,
    settings: Settings,
    organiser: Organiser,
    period: Quarter,
    tables_of: TablesOf | None = None,
) -> SelfCheck:
    """The organiser's self-check of ``period``; ``tables_of`` gives a build's suppressed
    tables (default: computed afresh)."""
    tables_of = tables_of or computed(conn, settings)
    previous = period.previous()
    found = SelfCheck(organiser.oid, str(period), str(previous))
    current = _current_build(conn, period)
    conn.complete()  # a relation query needs no unfinished execute() result on the connection
    if current is None or str(period) not in quarters_present(conn):
        return found
    found.build_id, found.built_at = int(current["build_id"]), current["built_at"]
    now = tables_of(period, found.build_id)
    before, found.previous_source = _previous_tables(conn, previous, tables_of)
    own_before = _own(before, organiser)
    for table, (table_id, cells) in zip(
        [t for t in now if _own_area(t, organiser) is not None],
        _own(now, organiser).items(),
        strict=True,
    ):
        found.tables.append(
            CheckedTable(
                table_id,
                table.title,
                table.unit,
                table.dimensions,
                _compare(cells, own_before.get(table_id), table.dims),
            )
        )
    found.sources = sources(conn, organiser.oid, period)
    return found
