"""Monitoring: what arrived for a quarter against the notifications and the deadline.

The matrix has one row per organiser × municipality group × component for the quarter:

* ``expected_source`` — from the delivery-method notifications (``kanta``, ``separate``,
  ``kanta_supplemented``, or ``mixed`` when the group's service tasks differ; null when no
  notification names the group);
* ``delivery`` — ``on_time``, ``late``, ``missing`` (a separate delivery was expected and the
  deadline has passed), ``pending`` (expected, deadline not yet passed), ``rejected`` (only
  rejected deliveries arrived) or ``not_expected`` (Kanta only, nothing separate needed);
* ``rows`` / ``rows_previous`` / ``change`` — rows in the built register against the previous
  quarter, flagged ``drop`` or ``jump`` when the change exceeds :data:`CHANGE_LIMIT` (50 %)
  either way and the previous quarter had at least :data:`CHANGE_MIN_ROWS` rows;
* ``rejected_rate`` — rejected rows / rows of the separate delivery in force;
* ``kanta_share`` / ``separate_share`` — where the register's rows came from (``both``
  counts for each).

The data-quality score per organiser (DQMI, after NHS Digital's Data Quality Maturity Index)
is documented in ``docs/statistics.md`` and computed by :func:`quality`.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from sosdata import organisers, safe_export
from sosdata.components import COMPONENTS
from sosdata.config import Settings
from sosdata.periods import Quarter
from sosdata.register import build as register_build
from sosdata.register.notifications import expected_sources
from sosdata.register.notifications.db import query_frame

#: a change of row count larger than this share against the previous quarter is flagged
CHANGE_LIMIT = 0.5
#: …when the previous quarter had at least this many rows (smaller counts vary naturally)
CHANGE_MIN_ROWS = 20
#: components every organiser must deliver (SPEC §4: I–III mandatory)
MANDATORY = ("asiakkuusjaksot", "lastensuojelu")
FORMATS = ("text", "json", "csv", "xlsx")
#: the states of a cell whose expected separate delivery is not in force
OUTSTANDING = ("pending", "missing", "rejected")

KEY = ["organiser", "municipality_group", "component"]
MATRIX_SCHEMA = pl.Schema(
    {
        "quarter": pl.String(),
        "organiser": pl.String(),
        "organiser_name": pl.String(),
        "municipality_group": pl.String(),
        "component": pl.String(),
        "expected_source": pl.String(),
        "separate_expected": pl.Boolean(),
        "received_at": pl.Datetime("us"),
        "delivery": pl.String(),
        "rows": pl.Int64(),
        "rows_previous": pl.Int64(),
        "change": pl.Float64(),
        "change_flag": pl.String(),
        "delivered_rows": pl.Int64(),
        "rejected_rows": pl.Int64(),
        "rejected_rate": pl.Float64(),
        "kanta_share": pl.Float64(),
        "separate_share": pl.Float64(),
    }
)


def _tables(conn: duckdb.DuckDBPyConnection) -> set[str]:
    conn.complete()  # a relation query needs no unfinished execute() result on the connection
    return {r[0] for r in conn.sql("SELECT table_name FROM information_schema.tables").fetchall()}


def _expected(conn: duckdb.DuckDBPyConnection, quarter: Quarter) -> pl.DataFrame:
    """Per organiser, group and component: the notified source (``mixed`` when tasks differ)."""
    schema = pl.Schema(
        {
            "organiser": pl.String,
            "municipality_group": pl.String,
            "component": pl.String,
            "expected_source": pl.String,
            "separate_expected": pl.Boolean,
        }
    )
    frame = expected_sources(conn, quarter)
    if frame.is_empty():
        return pl.DataFrame(schema=schema)
    return (
        frame.group_by(KEY)
        .agg(
            pl.when(pl.col("source").n_unique() == 1)
            .then(pl.col("source").first())
            .otherwise(pl.lit("mixed"))
            .alias("expected_source"),
            pl.col("source")
            .is_in(["separate", "kanta_supplemented"])
            .any()
            .alias("separate_expected"),
        )
        .cast(schema)
    )


def _deliveries(conn: duckdb.DuckDBPyConnection, quarter: Quarter) -> pl.DataFrame:
    """Separate deliveries of the quarter per key: the one in force, or only rejected ones."""
    return conn.sql(
        """
        WITH parts AS (
          SELECT d.organiser, d.municipality_group, c.component, d.received_at, d.late,
                 d.status, c.rows, c.rejected_rows, c.current
          FROM deliveries d JOIN delivery_components c USING (delivery_id)
          WHERE d.quarter = $quarter)
        SELECT organiser, municipality_group, component,
               max(received_at) FILTER (WHERE status = 'accepted' AND current) AS received_at,
               bool_or(late) FILTER (WHERE status = 'accepted' AND current) AS late,
               bool_or(status = 'accepted' AND current) AS accepted,
               count(*) FILTER (WHERE status = 'rejected') AS rejected_deliveries,
               -- sums cast back to BIGINT: DuckDB sums to HUGEINT, which reaches Polars
               -- as a Decimal whose division would truncate the rates to zero
               sum(rows) FILTER (WHERE status = 'accepted' AND current)::BIGINT
                 AS delivered_rows,
               sum(rejected_rows) FILTER (WHERE status = 'accepted' AND current)::BIGINT
                 AS rejected_rows
        FROM parts GROUP BY ALL
        """,
        params={"quarter": str(quarter)},
    ).pl()


def _register_rows(conn: duckdb.DuckDBPyConnection, quarter: Quarter) -> pl.DataFrame:
    """Rows of the built register per key and quarter, with the sources' shares (the built
    records as :func:`_item_completeness` reads them)."""
    parts = [
        f"SELECT quarter, jarjestaja AS organiser, kuntaryhma AS municipality_group, "
        f"'{component.name}' AS component, count(*) AS rows, "
        f"count(*) FILTER (WHERE source IN ('kanta', 'both')) AS kanta_rows, "
        f"count(*) FILTER (WHERE source IN ('separate', 'both')) AS separate_rows "
        f"FROM ({register_build.records(conn, component, period)}) GROUP BY ALL"
        for component in COMPONENTS.values()
        for period in (quarter, quarter.previous())
    ]
    schema = {
        "quarter": pl.String,
        "organiser": pl.String,
        "municipality_group": pl.String,
        "component": pl.String,
        "rows": pl.Int64,
        "kanta_rows": pl.Int64,
        "separate_rows": pl.Int64,
    }
    return conn.sql(" UNION ALL ".join(parts)).pl().cast(schema)


def matrix(
    conn: duckdb.DuckDBPyConnection,
    quarter: Quarter,
    settings: Settings,
    *,
    now: dt.datetime | None = None,
) -> pl.DataFrame:
    """The monitoring matrix of ``quarter`` (columns: :data:`MATRIX_SCHEMA`)."""
    now = now or dt.datetime.now()
    expected = _expected(conn, quarter)
    present = _tables(conn)
    deliveries = (
        _deliveries(conn, quarter)
        if {"deliveries", "delivery_components"} <= present
        else pl.DataFrame(schema={k: pl.String for k in KEY})
    )
    rows = _register_rows(conn, quarter)
    current = rows.filter(pl.col("quarter") == str(quarter)).drop("quarter")
    previous = rows.filter(pl.col("quarter") == str(quarter.previous())).select(
        *KEY, pl.col("rows").alias("rows_previous")
    )
    keys = pl.concat(
        [f.select(KEY).cast(pl.String) for f in (expected, deliveries, current) if f.height]
        or [pl.DataFrame(schema={k: pl.String for k in KEY})]
    ).unique()
    frame = (
        keys.join(expected, on=KEY, how="left", nulls_equal=True)
        .join(deliveries, on=KEY, how="left", nulls_equal=True)
        .join(current, on=KEY, how="left", nulls_equal=True)
        .join(previous, on=KEY, how="left", nulls_equal=True)
    )
    for column, dtype in (
        ("received_at", pl.Datetime),
        ("late", pl.Boolean),
        ("accepted", pl.Boolean),
        ("rejected_deliveries", pl.Int64),
        ("delivered_rows", pl.Int64),
        ("rejected_rows", pl.Int64),
    ):
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=dtype).alias(column))
    deadline_passed = now.date() > quarter.deadline(settings)
    separate = pl.col("separate_expected").fill_null(False)
    delivery = (
        pl.when(pl.col("accepted").fill_null(False) & pl.col("late").fill_null(False))
        .then(pl.lit("late"))
        .when(pl.col("accepted").fill_null(False))
        .then(pl.lit("on_time"))
        .when(pl.col("rejected_deliveries").fill_null(0) > 0)
        .then(pl.lit("rejected"))
        .when(separate & pl.lit(deadline_passed))
        .then(pl.lit("missing"))
        .when(separate)
        .then(pl.lit("pending"))
        .otherwise(pl.lit("not_expected"))
    )
    register = organisers.load(settings.data_dir)
    names = {o.oid: o.name(settings.language) for o in register}
    total = pl.col("rows").fill_null(0)
    change = (total - pl.col("rows_previous")) / pl.col("rows_previous")
    big = (pl.col("rows_previous").fill_null(0) >= CHANGE_MIN_ROWS) & (change.abs() > CHANGE_LIMIT)
    out = frame.with_columns(
        pl.lit(str(quarter)).alias("quarter"),
        pl.col("organiser")
        .replace_strict(names, default=pl.col("organiser"))
        .alias("organiser_name"),
        delivery.alias("delivery"),
        total.alias("rows"),
        pl.when(pl.col("rows_previous") > 0).then(change).alias("change"),
        pl.when(big & (change < 0))
        .then(pl.lit("drop"))
        .when(big)
        .then(pl.lit("jump"))
        .alias("change_flag"),
        pl.when(pl.col("delivered_rows") > 0)
        .then(pl.col("rejected_rows") / pl.col("delivered_rows"))
        .alias("rejected_rate"),
        pl.when(total > 0).then(pl.col("kanta_rows") / total).alias("kanta_share"),
        pl.when(total > 0).then(pl.col("separate_rows") / total).alias("separate_share"),
    )
    order = {name: i for i, name in enumerate(COMPONENTS)}
    return (
        out.select(list(MATRIX_SCHEMA))
        .cast(MATRIX_SCHEMA)
        .with_columns(pl.col("component").replace_strict(order, default=99).alias("_o"))
        .sort("organiser", "municipality_group", "_o", nulls_last=True)
        .drop("_o")
    )


# --- data-quality score ------------------------------------------------------------------------


def _item_completeness(conn: duckdb.DuckDBPyConnection, quarter: Quarter) -> pl.DataFrame:
    """Per organiser: rows, and rows whose sex or home municipality is unknown (the built
    records read as ``register.build.records`` gives them: the views would join every record
    to its person, which nothing here reads)."""
    parts = [
        "SELECT jarjestaja AS organiser, count(*) AS rows, count(*) FILTER (WHERE "
        "sukupuoli IS NULL OR sukupuoli IN ('0', '9') OR kotikunta IS NULL "
        f"OR kotikunta = '199') AS unknown FROM ({records}) GROUP BY ALL"
        for records in (register_build.records(conn, c, quarter) for c in COMPONENTS.values())
    ]
    frame = conn.sql(
        f"SELECT organiser, sum(rows) AS rows, sum(unknown) AS unknown FROM "
        f"({' UNION ALL '.join(parts)}) GROUP BY ALL"
    ).pl()
    return frame.cast({"organiser": pl.String, "rows": pl.Int64, "unknown": pl.Int64})


def _defaults(conn: duckdb.DuckDBPyConnection, quarter: Quarter) -> pl.DataFrame:
    """Per organiser: values filled by a SPEC §4 default, and values that could have been.

    The end date's "continues" is a real answer, not a default, and is left out.
    """
    schema = {"organiser": pl.String, "defaulted": pl.Int64, "defaultable": pl.Int64}
    if not {"deliveries", "delivery_components"} <= _tables(conn):
        return pl.DataFrame(schema=schema)
    rows = conn.sql(
        """SELECT d.organiser, c.component, c.accepted_rows, c.defaults_applied::VARCHAR AS d
           FROM deliveries d JOIN delivery_components c USING (delivery_id)
           WHERE d.quarter = $q AND d.status = 'accepted' AND c.current""",
        params={"q": str(quarter)},
    ).pl()
    if rows.is_empty():
        return pl.DataFrame(schema=schema)
    columns = {
        name: [c.name for c in comp.columns if c.default is not None and c.name != comp.end]
        for name, comp in COMPONENTS.items()
    }
    # one row per delivered component: a handful per organiser, not per data row
    defaulted = [
        sum(int(v) for k, v in json.loads(d or "{}").items() if k in columns.get(c, []))
        for c, d in zip(rows["component"], rows["d"], strict=True)
    ]
    frame = rows.with_columns(
        pl.Series("defaulted", defaulted, dtype=pl.Int64),
        (
            pl.col("accepted_rows")
            * pl.col("component").replace_strict(
                {k: len(v) for k, v in columns.items()}, default=0, return_dtype=pl.Int64
            )
        ).alias("defaultable"),
    )
    return frame.group_by("organiser").agg(pl.col("defaulted").sum(), pl.col("defaultable").sum())


def quality(
    conn: duckdb.DuckDBPyConnection, quarter: Quarter, settings: Settings, grid: pl.DataFrame
) -> pl.DataFrame:
    """Data-quality score per organiser, 0–100 (formula in ``docs/statistics.md``).

    coverage = mandatory (group, component) cells whose promised source delivered / cells;
    completeness = 1 − rows with unknown sex or home municipality / rows;
    validity = 1 − rejected rows / delivered rows (separate deliveries in force);
    defaults = 1 − values filled by a default / values that could have been defaulted;
    score = 100 × mean of the components that apply.
    """
    mandatory = grid.filter(pl.col("component").is_in(MANDATORY))
    # a cell is covered when the source the notification promised delivered: a separate
    # delivery where one was expected, otherwise rows in the register
    has_data = (
        pl.when(pl.col("separate_expected").fill_null(False))
        .then(pl.col("delivery").is_in(["on_time", "late"]))
        .otherwise(pl.col("rows") > 0)
    )
    coverage = mandatory.group_by("organiser").agg(
        (has_data.sum() / pl.len()).alias("coverage"),
        pl.col("delivery").is_in(["missing"]).sum().alias("missing"),
        pl.col("delivery").is_in(["late"]).sum().alias("late"),
    )
    validity = grid.group_by("organiser").agg(
        pl.when(pl.col("delivered_rows").sum() > 0)
        .then(1 - pl.col("rejected_rows").sum() / pl.col("delivered_rows").sum())
        .alias("validity")
    )
    items = _item_completeness(conn, quarter).select(
        "organiser",
        pl.when(pl.col("rows") > 0)
        .then(1 - pl.col("unknown") / pl.col("rows"))
        .alias("completeness"),
    )
    defaults = _defaults(conn, quarter).select(
        "organiser",
        pl.when(pl.col("defaultable") > 0)
        .then(1 - pl.col("defaulted") / pl.col("defaultable"))
        .alias("defaults"),
    )
    names = grid.select("organiser", "organiser_name").unique("organiser")
    out = (
        names.join(coverage, on="organiser", how="left")
        .join(items, on="organiser", how="left")
        .join(validity, on="organiser", how="left")
        .join(defaults, on="organiser", how="left")
    )
    parts = ["coverage", "completeness", "validity", "defaults"]
    score = pl.mean_horizontal(*parts) * 100
    return (
        out.with_columns(score.round(1).alias("score"), pl.lit(str(quarter)).alias("quarter"))
        .select("quarter", "organiser", "organiser_name", *parts, "score", "missing", "late")
        .sort("organiser")
    )


@dataclass
class Status:
    quarter: Quarter
    deadline: dt.date
    matrix: pl.DataFrame
    quality: pl.DataFrame

    def of_organiser(self, organiser: str) -> Status:
        """The same status limited to one organiser's rows."""
        mine = pl.col("organiser") == organiser
        return Status(
            self.quarter, self.deadline, self.matrix.filter(mine), self.quality.filter(mine)
        )

    def _quality_of(self, grid: pl.DataFrame) -> pl.DataFrame:
        """The scores of the organisers (and quarters) that ``grid`` shows."""
        shown = grid.select("quarter", "organiser").unique()
        return self.quality.join(shown, on=["quarter", "organiser"], how="semi")

    def where(
        self,
        *,
        organiser: str | None = None,
        organisers: list[str] | None = None,
        component: str | None = None,
        delivery: str | None = None,
    ) -> Status:
        """The same status limited to the matrix rows that match every filter given
        (``organisers``: any of these, e.g. the organisers of a county)."""
        keep = pl.lit(True)
        if organiser:
            keep &= pl.col("organiser") == organiser
        if organisers is not None:
            keep &= pl.col("organiser").is_in(organisers)
        if component:
            keep &= pl.col("component") == component
        if delivery:
            keep &= pl.col("delivery") == delivery
        grid = self.matrix.filter(keep)
        return Status(self.quarter, self.deadline, grid, self._quality_of(grid))

    def non_submitters(self) -> Status:
        """The rows where a separate delivery is expected and none is in force: missing, still
        pending, or only rejected."""
        outstanding = pl.col("separate_expected").fill_null(False) & pl.col("delivery").is_in(
            OUTSTANDING
        )
        grid = self.matrix.filter(outstanding)
        return Status(self.quarter, self.deadline, grid, self._quality_of(grid))

    def to_dict(self) -> dict:
        def rows(frame: pl.DataFrame) -> list[dict]:
            return json.loads(frame.write_json())

        return {
            "quarter": str(self.quarter),
            "deadline": self.deadline.isoformat(),
            "change_limit": CHANGE_LIMIT,
            "matrix": rows(self.matrix),
            "quality": rows(self.quality),
        }

    def render(self, fmt: str) -> str | bytes:
        if fmt == "json":
            return json.dumps(self.to_dict(), ensure_ascii=False, indent=1)
        if fmt == "csv":
            return safe_export.csv_text(self.matrix)
        if fmt == "xlsx":
            return _xlsx(self)
        if fmt == "text":
            return _text(self)
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def _pct(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f} %"


def _text(status: Status) -> str:
    out = [f"Quarter {status.quarter}, deadline {status.deadline.isoformat()}", ""]
    header = (
        "organiser",
        "group",
        "component",
        "expected",
        "delivery",
        "rows",
        "change",
        "rejected",
        "kanta",
    )
    lines = [header]
    for r in status.matrix.iter_rows(named=True):
        change = _pct(r["change"]) + (f" {r['change_flag']}" if r["change_flag"] else "")
        lines.append(
            (
                r["organiser_name"] or r["organiser"] or "",
                r["municipality_group"] or "",
                r["component"] or "",
                r["expected_source"] or "-",
                r["delivery"],
                str(r["rows"]),
                change,
                _pct(r["rejected_rate"]),
                _pct(r["kanta_share"]),
            )
        )
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    out += [
        "  ".join(str(v).ljust(w) for v, w in zip(line, widths, strict=True)).rstrip()
        for line in lines
    ]
    out += ["", "Data-quality score (0-100): coverage, completeness, validity, defaults"]
    for r in status.quality.iter_rows(named=True):
        parts = ", ".join(
            _pct(r[k]) or "-" for k in ("coverage", "completeness", "validity", "defaults")
        )
        score = "-" if r["score"] is None else f"{r['score']:.1f}"
        out.append(f"{r['organiser_name'] or r['organiser']}: {score} ({parts})")
    return "\n".join(out) + "\n"


def _xlsx(status: Status) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    first = book.worksheets[0]  # a new workbook's one sheet
    for sheet, frame in ((first, status.matrix), (book.create_sheet(), status.quality)):
        sheet.title = "matrix" if frame is status.matrix else "quality"
        sheet.append(safe_export.neutralise_row(frame.columns))
        for row in frame.iter_rows():
            sheet.append(
                safe_export.neutralise_row(
                    v.isoformat(" ") if isinstance(v, dt.datetime) else v for v in row
                )
            )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def status(
    conn: duckdb.DuckDBPyConnection,
    settings: Settings,
    quarter: Quarter,
    *,
    now: dt.datetime | None = None,
) -> Status:
    """The monitoring matrix and quality scores of ``quarter`` from the register database."""
    grid = matrix(conn, quarter, settings, now=now)
    return Status(quarter, quarter.deadline(settings), grid, quality(conn, quarter, settings, grid))


def write(report: Status, path: Path, fmt: str) -> Path:
    data = report.render(fmt)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


def combine(statuses: list[Status]) -> Status:
    """Several quarters' statuses as one (the matrix and scores keep their ``quarter`` column;
    the deadline is the last quarter's)."""
    last = statuses[-1]
    return Status(
        last.quarter,
        last.deadline,
        pl.concat([s.matrix for s in statuses]),
        pl.concat([s.quality for s in statuses]),
    )


def links(conn: duckdb.DuckDBPyConnection, quarter: Quarter) -> pl.DataFrame:
    """Per organiser, municipality group and component of ``quarter``: the separate deliveries
    that carried it (``delivery_ids``, oldest first) and the Kanta batches that carried the
    organiser's component (``kanta_batch_ids``; Kanta data is not split by group)."""
    schema = pl.Schema(
        {
            "quarter": pl.String(),
            "organiser": pl.String(),
            "municipality_group": pl.String(),
            "component": pl.String(),
            "delivery_ids": pl.List(pl.Int64),
            "kanta_batch_ids": pl.List(pl.Int64),
        }
    )
    if not {"deliveries", "delivery_components", "kanta_batches"} <= _tables(conn):
        return pl.DataFrame(schema=schema)
    separate = query_frame(
        conn,
        """SELECT d.organiser, d.municipality_group, c.component,
                  list(d.delivery_id ORDER BY d.delivery_id) AS delivery_ids
           FROM deliveries d JOIN delivery_components c USING (delivery_id)
           WHERE d.quarter = $q GROUP BY ALL""",
        {"q": str(quarter)},
    )
    kanta = query_frame(
        conn,
        """SELECT k.organiser, k.component,
                  list(DISTINCT k.batch_id ORDER BY k.batch_id) AS kanta_batch_ids
           FROM kanta_components k JOIN kanta_batches b USING (batch_id)
           WHERE b.quarter = $q GROUP BY ALL""",
        {"q": str(quarter)},
    )
    grid = separate.join(kanta, on=["organiser", "component"], how="full", coalesce=True)
    grid = grid.with_columns(pl.lit(str(quarter)).alias("quarter"))
    return grid.select(list(schema)).cast(schema)


def kanta_batches(
    conn: duckdb.DuckDBPyConnection,
    *,
    quarter: Quarter | None = None,
    batch_id: int | None = None,
    organiser: str | None = None,
) -> pl.DataFrame:
    """Kanta batches, one row per batch × organiser × component: when and by whom loaded,
    the extract's name, rows stored and whether the batch is in force for it."""
    return query_frame(
        conn,
        """SELECT b.batch_id, b.quarter, b.loaded_at, b.loaded_by, b.source_file,
                  k.organiser, k.component, k.rows, k.current
           FROM kanta_batches b JOIN kanta_components k USING (batch_id)
           WHERE ($quarter IS NULL OR b.quarter = $quarter)
             AND ($batch IS NULL OR b.batch_id = $batch)
             AND ($organiser IS NULL OR k.organiser = $organiser)
           ORDER BY b.batch_id, k.organiser, k.component""",
        {
            "quarter": str(quarter) if quarter else None,
            "batch": batch_id,
            "organiser": organiser,
        },
    )
