"""Generate a synthetic national (or smaller) data set for one or more quarters, with its truth.

Layout of the output directory::

    kanta/extract.parquet                 Kanta extract (document versions)
    deliveries/<quarter>/<county>-<group>.zip   separate deliveries, format v1
    deliveries/faults/<fault>.zip         copies broken at file level
    notifications/<county>-<group>.json   notifications of delivery method, one per group
    truth/people.parquet                  the client population
    truth/expected_sources.csv            the plan: source per group, component and task
    truth/errors.csv                      every injected row error: delivery, file, line, rule
    truth/faults.csv                      every faulty delivery and the file rule it breaks
    truth/register/<quarter>/<component>.parquet   the register that should result (merged)
    truth/kanta/<quarter>/<component>.parquet      what the Kanta derivation should give
    truth/separate/<quarter>/<component>.parquet   the rows the deliveries should give
    summary.json                          sizes and counts (no times: output is reproducible)
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from sosdata import organisers as organisers_module
from sosdata.components import (
    CHILD_WELFARE,
    CLIENT_PERIODS,
    COMPONENTS,
    DECISIONS,
    SERVICES,
)
from sosdata.errors import UserError
from sosdata.kanta.extract import EXTRACT_SCHEMA, conform
from sosdata.periods import Quarter, quarters_between
from sosdata.synth import (
    deliveries,
    faults,
    kanta_documents,
    notifications,
    plan,
    population,
    sources,
    world,
)
from sosdata.synth.deliveries import Written
from sosdata.synth.scales import get as get_scale

#: a progress callback: (step description, steps done, steps in all)
Progress = Callable[[str, int, int], None]
EXTRACT_PATH = "kanta/extract.parquet"


class SynthError(UserError):
    """Generation cannot start: a bad option or an output directory in use."""


@dataclass(frozen=True)
class Options:
    scale: str = "tiny"
    period: str = "2023Q1"
    periods: int = 1
    seed: int = 0
    error_rate: float = 0.01

    def check(self) -> None:
        get_scale(self.scale)
        Quarter.parse(self.period)
        if not 1 <= self.periods <= 12:
            raise SynthError(f"--periods must be 1–12, got {self.periods}")
        if not 0 <= self.error_rate <= deliveries.ERROR_SHARE_CAP:
            raise SynthError(
                f"--error-rate must be between 0 and {deliveries.ERROR_SHARE_CAP} (above it a "
                f"delivery would be rejected as a whole), got {self.error_rate}"
            )
        if self.seed < 0:
            raise SynthError(f"--seed must be 0 or more, got {self.seed}")


def _quarters(options: Options) -> list[Quarter]:
    first = Quarter.parse(options.period)
    return quarters_between(first, first.next(options.periods - 1))


def _prepare_out(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise SynthError(f"{out}: the output directory must be new or empty; choose another")
    out.mkdir(parents=True, exist_ok=True)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _write_csv(frame: pl.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(path, separator=";", null_value="", line_terminator="\n")


def _write_parquet(frame: pl.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(path, compression="zstd", statistics=True)


def generate(out: Path, options: Options, progress: Progress | None = None) -> dict:
    """Generate everything into ``out`` (new or empty); returns the summary written.

    The population is drawn as a whole (identity codes are unique across the country); each
    organiser's clients are then carried through to documents, deliveries and truth on their
    own, with their own random stream, so memory stays that of the largest organiser.
    """
    options.check()
    out = Path(out)
    _prepare_out(out)
    quarters = _quarters(options)
    scale = get_scale(options.scale)
    every_organiser = list(organisers_module.load())
    covered = sorted(
        (o for o in every_organiser if scale.counties is None or o.county in scale.counties),
        key=lambda o: o.county,
    )
    steps = 3 + len(covered)
    done = 0

    def step(text: str) -> None:
        nonlocal done
        if progress is not None:
            progress(text, done, steps)
        done += 1

    rng = np.random.default_rng(options.seed)
    timeline = world.Timeline(quarters[0].start, quarters[-1].end + dt.timedelta(days=30))

    step("population")
    groups = plan.make_plan(scale, covered, options.seed)
    for index, group in enumerate(groups):
        document = notifications.notification(group, index, str(quarters[0]))
        _write(out / notifications.file_name(group), document.to_json().encode("utf-8"))
    people = population.generate_people(scale.clients, covered, quarters[0].start, rng)
    tasks = population.draw_tasks(people, rng)
    people = people.join(
        tasks.group_by("person").agg(pl.col("palvelutehtava").min().alias("main_task")),
        on="person",
        maintain_order="left",
    )
    run = _Run(
        out=out,
        options=options,
        quarters=quarters,
        timeline=timeline,
        groups=groups,
        municipality_sources=plan.municipality_sources(groups),
        oids=sorted(o.oid for o in every_organiser),
        sinks=_sinks(out, quarters),
    )
    try:
        for index, organiser in enumerate(covered):
            step(organiser.name("fi"))
            own = people.filter(pl.col("jarjestaja") == organiser.oid)
            own_tasks = tasks.filter(pl.col("person").is_in(own["person"].implode()))
            _organiser(run, index, organiser.oid, organiser.county, own, own_tasks)
    finally:
        run.sinks.close()

    step("truth")
    fault_rows = _write_faults(out, run.first_delivery)
    errors_frame = (
        pl.concat(run.errors) if run.errors else pl.DataFrame(schema=ERRORS_SCHEMA)
    ).sort("delivery", "file", "line")
    _write_csv(errors_frame, out / "truth" / "errors.csv")
    _write_csv(fault_rows, out / "truth" / "faults.csv")
    _write_csv(plan.expected_sources(groups), out / "truth" / "expected_sources.csv")
    _write_parquet(
        people.select(
            "henkilotunnus",
            pl.col("birth").alias("syntymapaiva"),
            "sukupuoli",
            "kotikunta",
            "jarjestaja",
        ),
        out / "truth" / "people.parquet",
    )
    summary = {
        "scale": options.scale,
        "seed": options.seed,
        "periods": [str(q) for q in quarters],
        "error_rate": options.error_rate,
        "horizon": timeline.horizon.isoformat(),
        "people": people.height,
        "organisers": len(covered),
        "municipality_groups": len(groups),
        "kanta_documents": run.documents,
        "deliveries": run.deliveries,
        "delivered_rows": run.delivered_rows,
        "injected_errors": dict(sorted(run.injected.items())),
        "faults": fault_rows.height,
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    step("done")
    return summary


ERRORS_SCHEMA = {
    "delivery": pl.String,
    "file": pl.String,
    "line": pl.Int64,
    "rule": pl.String,
    "component": pl.String,
}
#: rows of each file kept in the copies broken at file level
FAULT_ROWS = 200


class Sinks:
    """Parquet files written a piece at a time (one piece per organiser), each with a fixed
    schema, so that no file's whole content is ever in memory at once."""

    def __init__(self) -> None:
        self._writers: dict[Path, tuple[pq.ParquetWriter, pa.Schema]] = {}

    def open(self, path: Path, schema: pl.Schema) -> None:
        arrow = pl.DataFrame(schema=schema).to_arrow().schema
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = pq.ParquetWriter(path, arrow, compression="zstd", write_statistics=True)
        self._writers[path] = (writer, arrow)

    def write(self, path: Path, frame: pl.DataFrame) -> None:
        writer, arrow = self._writers[path]
        if frame.height:
            writer.write_table(frame.select(arrow.names).to_arrow().cast(arrow))

    def close(self) -> None:
        for writer, _ in self._writers.values():
            writer.close()
        self._writers.clear()


def _truth_path(out: Path, kind: str, quarter: Quarter, component: str) -> Path:
    return out / "truth" / kind / str(quarter) / f"{component}.parquet"


def _sinks(out: Path, quarters: list[Quarter]) -> Sinks:
    """The extract (in :data:`EXTRACT_SCHEMA`, as ``kanta.extract`` writes it) and the truth
    registers of every quarter."""
    sinks = Sinks()
    sinks.open(out / EXTRACT_PATH, EXTRACT_SCHEMA)
    for quarter in quarters:
        for name, component in COMPONENTS.items():
            sinks.open(
                _truth_path(out, "register", quarter, name),
                component.schema | {"source": pl.String()},
            )
            for share in ("kanta", "separate"):
                sinks.open(_truth_path(out, share, quarter, name), component.schema)
    return sinks


@dataclass
class _Run:
    """What one generation shares across organisers, and what it has counted so far."""

    out: Path
    options: Options
    quarters: list[Quarter]
    timeline: world.Timeline
    groups: list[plan.Group]
    municipality_sources: pl.DataFrame
    #: every organiser's OID, for rows naming another organiser than the manifest's
    oids: list[str]
    sinks: Sinks
    documents: int = 0
    deliveries: int = 0
    delivered_rows: int = 0
    injected: Counter = field(default_factory=Counter)
    errors: list[pl.DataFrame] = field(default_factory=list)
    first_delivery: Written | None = None

    def other_organiser(self, own: str) -> str:
        return self.oids[(self.oids.index(own) + 1) % len(self.oids)]


def _organiser(
    run: _Run, index: int, oid: str, county: str, own: pl.DataFrame, own_tasks: pl.DataFrame
) -> None:
    """One organiser's world, Kanta documents, deliveries and truth."""
    rng = np.random.default_rng([run.options.seed, index])
    timeline = run.timeline
    pairs = own_tasks.join(own.select("person", "birth"), on="person", maintain_order="left")
    ii = world.client_periods(pairs, timeline, rng)
    iii = world.child_welfare(own, ii, timeline, rng)
    iv = world.decisions(ii, timeline, rng)
    v = world.services(ii, own.select("person", "main_task"), timeline, rng)
    facts = sources.facts(
        own, dict(zip(COMPONENTS, (ii, iii, iv, v), strict=True)), run.municipality_sources, rng
    )
    del ii, iii, iv, v
    documents = conform(kanta_documents.documents(own, facts, county, timeline, rng))
    run.documents += documents.height
    run.sinks.write(run.out / EXTRACT_PATH, documents)
    del documents
    own_groups = [g for g in run.groups if g.organiser == oid]
    for quarter in run.quarters:
        parts = deliveries.parts_of(facts, quarter, run.groups, oid)
        deliveries.allocate(parts, run.options.error_rate, rng)
        accepted: dict[str, list[pl.DataFrame]] = {c: [] for c in COMPONENTS}
        for group in own_groups:
            group_parts = [p for p in parts if p.group is group]
            if not group_parts:
                continue
            written = deliveries.build(
                quarter, group, group_parts, run.other_organiser(oid), run.options.seed, rng
            )
            _write(run.out / written.path, deliveries.zip_bytes(deliveries.members_of(written)))
            _count(run, written)
            for component, frame in written.accepted.items():
                accepted[component].append(frame)
        _write_truth(run, quarter, facts, accepted)


def _count(run: _Run, written: Written) -> None:
    run.deliveries += 1
    if run.first_delivery is None:
        run.first_delivery = written.head(FAULT_ROWS)
    for component, frame in written.files.items():
        run.delivered_rows += frame.height
        errors = frame.filter(pl.col("_rule").is_not_null())
        run.injected.update(errors["_rule"].to_list())
        run.errors.append(
            errors.select(
                pl.lit(written.path).alias("delivery"),
                pl.lit(COMPONENTS[component].filename).alias("file"),
                pl.col("_line").alias("line"),
                pl.col("_rule").alias("rule"),
                pl.lit(component).alias("component"),
            )
        )


#: what the register merges per component (SPEC §8 rule): the key beside organiser and person,
#: and the range merged — overlapping or touching ranges of one key become one record
MERGED: dict[str, tuple[list[str], tuple[str, str] | None]] = {
    CLIENT_PERIODS.name: (["palvelutehtava"], ("alkupvm", "loppupvm")),
    CHILD_WELFARE.name: ([], ("alkupvm", "loppupvm")),
    DECISIONS.name: ([], None),
    SERVICES.name: (["sosiaalipalvelu", "palvelutehtava"], ("alkupvm", "loppupvm")),
}
_OPEN_DAY = dt.date(9999, 12, 31)
#: a key's number times this is above every day number, so one running maximum serves all keys
_KEY_SPAN = 1 << 22
_DAY_SHIFT = 719_163  # days from 0001-01-01 to 1970-01-01: day numbers become non-negative


def _provenance() -> pl.Expr:
    return (
        pl.when(pl.col("_k") & pl.col("_s"))
        .then(pl.lit("both"))
        .when(pl.col("_k"))
        .then(pl.lit("kanta"))
        .otherwise(pl.lit("separate"))
        .alias("source")
    )


def _truth_rows(component: str, kanta: pl.DataFrame, separate: pl.DataFrame) -> pl.DataFrame:
    """The register's records: both sources' rows, identical ones once, and ranges of one key
    that overlap or touch merged, each with its provenance."""
    c = COMPONENTS[component]
    columns = c.column_names
    both = pl.concat(
        [
            kanta.select(columns).with_columns(_k=pl.lit(True), _s=pl.lit(False)),
            separate.select(columns).with_columns(_k=pl.lit(False), _s=pl.lit(True)),
        ]
    ).cast(pl.Schema({**c.schema, "_k": pl.Boolean(), "_s": pl.Boolean()}))
    rows = both.group_by(columns).agg(pl.col("_k").any(), pl.col("_s").any())
    own_key, ranges = MERGED[component]
    if ranges is not None:
        rows = _merge_ranges(rows, ["jarjestaja", "henkilotunnus", *own_key], *ranges)
    return rows.select(*columns, _provenance()).sort(columns, nulls_last=True)


def _merge_ranges(rows: pl.DataFrame, key: list[str], start: str, end: str) -> pl.DataFrame:
    """Sorted by start, a range starting on or before the latest end so far of its key
    continues the merged range; a missing end keeps it open."""
    day = lambda e: e.cast(pl.Int32).cast(pl.Int64) + _DAY_SHIFT  # noqa: E731
    ordered = rows.sort(*key, start, end, nulls_last=True).with_columns(
        _base=pl.struct(key).rle_id().cast(pl.Int64) * _KEY_SPAN
    )
    reach = (pl.col("_base") + day(pl.col(end).fill_null(_OPEN_DAY))).cum_max()
    merged = ordered.with_columns(
        _new=(pl.col("_base") + day(pl.col(start))) > reach.shift(1).fill_null(-1)
    ).with_columns(_range=pl.col("_new").cum_sum())
    others = [n for n in rows.columns if n not in (*key, start, end, "_k", "_s")]
    return (
        merged.group_by("_range")
        .agg(
            pl.col(*key, *others).first(),
            pl.col(start).min(),
            pl.when(pl.col(end).is_null().any()).then(None).otherwise(pl.col(end).max()).alias(end),
            pl.col("_k").any(),
            pl.col("_s").any(),
        )
        .drop("_range")
    )


def _write_truth(
    run: _Run, quarter: Quarter, facts: dict[str, pl.DataFrame], accepted: dict[str, list]
) -> None:
    """One organiser's share of the quarter's true register, and of what Kanta gives."""
    for component in COMPONENTS:
        kanta = facts[component].filter(
            sources.derivable(component) & deliveries.overlaps(component, quarter)
        )
        if component == DECISIONS.name:
            kanta = kanta.filter(pl.col("paatospvm") <= quarter.end)
        separate = pl.concat(accepted[component]) if accepted[component] else kanta.clear()
        columns = COMPONENTS[component].column_names
        for kind, rows in (("kanta", kanta), ("separate", separate)):
            share = rows.select(columns).cast(COMPONENTS[component].schema).unique()
            run.sinks.write(
                _truth_path(run.out, kind, quarter, component),
                share.sort(columns, nulls_last=True),
            )
        merged = _truth_rows(component, kanta, separate)
        run.sinks.write(_truth_path(run.out, "register", quarter, component), merged)


def _write_faults(out: Path, written: Written | None) -> pl.DataFrame:
    """Copies of the first delivery (cut short) broken at file level, and their list."""
    rows = []
    if written is not None:
        members = deliveries.members_of(written)
        for name, (rule, breaks) in faults.FAULTS.items():
            path = f"deliveries/faults/{name}.zip"
            _write(out / path, deliveries.zip_bytes(breaks(members)))
            rows.append((path, rule, written.manifest["seurantajakso"], written.path))
    return pl.DataFrame(rows, schema=["delivery", "rule", "period", "broken_copy_of"], orient="row")
