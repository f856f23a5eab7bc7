"""Benchmark: the statistics of a national quarter (all tables, suppression, export, charts).

Generates a register of national size with exactly the built register's view columns in a
DuckDB file under /tmp (columnar, reproducible; kept in a cache keyed by the generator's
parameters and source, so later runs skip the generation), publishes the previous quarter
(timed apart: it stores its time-series cells) and then times what publishing the last quarter
does, its time series repeating the previous quarter's stored cells.
Baseline in the same run: one plain ``count(DISTINCT pseudonym)`` per service task over the
same data, the least any statistics run must do. Prints JSON: per-stage seconds (the stages of
``sosdata stats``: persons, each definition's tables with their suppression, the time series,
the export in one format, the charts), their total against the 20-second target, and the peak
memory; apart from the total, the previous quarter's publication and the time series of a
register where the previous quarter was never published (recomputed). ``--audit`` adds the
LP audit of every table (the keeper's opt-in check).

    flock /tmp/sosdata-heavy.lock .venv/bin/python bench/stats.py [--persons 1200000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import inspect
import json
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from sosdata import codes, components, organisers
from sosdata.config import Settings
from sosdata.periods import Quarter
from sosdata.register import build, store
from sosdata.statistics import charts, export, publish, tables

#: the requirement: a national quarter's statistics within this many seconds on 2 cores
TARGET_S = 20
#: generated registers, one DuckDB file per set of generator parameters
CACHE = Path("/tmp/sosdata-bench-stats-cache")


def _dates(rng: np.random.Generator, n: int, first: dt.date, last: dt.date) -> np.ndarray:
    return np.datetime64(first) + rng.integers(0, (last - first).days + 1, n).astype(
        "timedelta64[D]"
    )


def generate(conn: duckdb.DuckDBPyConnection, quarters: list[Quarter], persons: int) -> dict:
    """Register views of ``persons`` clients per quarter, spread over municipalities by a
    log-normal size distribution (a few large cities, many small municipalities)."""
    rng = np.random.default_rng(2023)
    # Åland (91) organises its own services outside the register
    kunta = [c for c in codes.load("kunta") if c.extra.get("county") not in (None, "91")]
    register = organisers.load()
    weights = rng.lognormal(0, 1.4, len(kunta))
    weights /= weights.sum()
    municipality = np.array([c.code for c in kunta])
    county = {c.code: c.extra["county"] for c in kunta}
    organiser = {c.code: register.for_municipality(c.code).oid for c in kunta}
    population = int(persons * 1.3)
    home = municipality[rng.choice(len(kunta), population, p=weights)]
    birth = _dates(rng, population, dt.date(1920, 1, 1), dt.date(2023, 1, 1))
    base = pl.DataFrame(
        {
            "pseudonym": pl.Series(np.arange(population)).cast(pl.String).str.zfill(64),
            "syntymapaiva": birth,
            "sukupuoli": rng.choice(["1", "2"], population),
            "kotikunta": home,
        }
    ).with_columns(
        pl.col("kotikunta").replace_strict(county).alias("hyvinvointialue"),
        pl.col("kotikunta").replace_strict(organiser).alias("jarjestaja"),
        pl.lit("koko alue").alias("kuntaryhma"),
        pl.lit("kanta").alias("source"),
    )
    counts: dict[str, int] = {}
    for name in components.COMPONENTS:
        conn.execute(f"DROP TABLE IF EXISTS register_{name}")
    for q in quarters:
        people = base[rng.choice(population, persons, replace=False)]
        before, after = q.start - dt.timedelta(days=700), q.end + dt.timedelta(days=90)

        def rows(n: int, people: pl.DataFrame = people, q: Quarter = q) -> pl.DataFrame:
            return people[rng.integers(0, persons, n)].with_columns(pl.lit(str(q)).alias("quarter"))

        n = int(persons * 1.4)
        frames = {
            "asiakkuusjaksot": rows(n).with_columns(
                pl.Series(
                    "palvelutehtava",
                    rng.choice(list("123456"), n, p=[0.3, 0.3, 0.15, 0.1, 0.1, 0.05]),
                ),
                pl.Series("alkupvm", _dates(rng, n, before, q.end)),
                pl.Series("loppupvm", _dates(rng, n, q.start, after)),
            ),
            "lastensuojelu": rows(n // 10).with_columns(
                pl.Series("alkupvm", _dates(rng, n // 10, before, q.end)),
                pl.Series("loppupvm", _dates(rng, n // 10, q.start, after)),
            ),
            "palvelupaatokset": rows(n).with_columns(
                pl.Series("sosiaalipalvelu", rng.integers(1, 36, n).astype(str)),
                pl.Series("palvelutehtava", rng.choice(list("123456"), n)),
                pl.Series("paatospvm", _dates(rng, n, before, q.end)),
                pl.Series("voimassa_alkaen", _dates(rng, n, before, q.end)),
                pl.Series("voimassa_asti", _dates(rng, n, q.start, after)),
                pl.Series("paatoksen_tyyppi", rng.choice(["1", "2", "3"], n, p=[0.8, 0.15, 0.05])),
            ),
            "palvelutiedot": rows(n).with_columns(
                pl.Series("sosiaalipalvelu", rng.integers(1, 36, n).astype(str)),
                pl.Series("palvelutehtava", rng.choice(list("123456"), n)),
                pl.Series("alkupvm", _dates(rng, n, before, q.end)),
                pl.Series("loppupvm", _dates(rng, n, q.start, after)),
            ),
        }
        for name, frame in frames.items():
            frame = (
                frame.with_columns(  # half of the periods continue
                    pl.when(pl.Series(rng.random(frame.height) < 0.5))
                    .then(None)
                    .otherwise(pl.col("loppupvm"))
                    .alias("loppupvm")
                )
                if "loppupvm" in frame.columns and name != "palvelutiedot"
                else frame
            )
            ordered = frame.select(build.view_columns(components.get(name)))
            if q != quarters[0]:
                conn.execute(f"INSERT INTO register_{name} SELECT * FROM ordered")
            else:
                conn.execute(f"CREATE TABLE register_{name} AS SELECT * FROM ordered")
            counts[f"{q}/{name}"] = ordered.height
    return counts


def cached_register(quarters: list[Quarter], persons: int, use_cache: bool) -> tuple[Path, dict]:
    """The generated register's DuckDB file and its row counts, generated only when no file
    of the same parameters and generator source is cached (written under a temporary name and
    renamed, so an interrupted run leaves no half-written register)."""
    source = inspect.getsource(generate) + inspect.getsource(_dates)
    key = hashlib.sha256(f"{persons}|{quarters}|{source}".encode()).hexdigest()[:16]
    CACHE.mkdir(exist_ok=True)
    path, counts = CACHE / f"register-{key}.duckdb", CACHE / f"register-{key}.json"
    if use_cache and path.exists() and counts.exists():
        return path, json.loads(counts.read_text())
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    conn = duckdb.connect(str(partial))
    try:
        rows = generate(conn, quarters, persons)
    finally:
        conn.close()
    partial.rename(path)
    counts.write_text(json.dumps(rows))
    return path, rows


def open_register(work: Path, generated: Path) -> duckdb.DuckDBPyConnection:
    """A register database of the current schema in ``work`` whose views read the generated
    rows (attached read-only, never changed by a run)."""
    conn = duckdb.connect(str(work / "register.duckdb"))
    store.migrate(conn)
    conn.execute(f"ATTACH '{generated}' AS generated (READ_ONLY)")
    for name in components.COMPONENTS:
        conn.execute(
            f"CREATE OR REPLACE VIEW register_{name} AS SELECT * FROM generated.register_{name}"
        )
    return conn


def _peak_memory_mb() -> float:
    """Peak resident memory of this process (DuckDB runs in it), in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--persons", type=int, default=1_200_000, help="clients per quarter (national: 1.2 M)"
    )
    parser.add_argument("--quarter", default="2024Q2")
    parser.add_argument("--format", default="csv", choices=export.FORMATS, help="as published")
    parser.add_argument(
        "--all-formats", action="store_true", help="also time the other export formats"
    )
    parser.add_argument("--keep", action="store_true", help="keep the run's database in /tmp")
    parser.add_argument(
        "--regenerate", action="store_true", help=f"generate the register again (cache: {CACHE})"
    )
    parser.add_argument(
        "--audit", action="store_true", help="also run the LP audit of every table (slow)"
    )
    args = parser.parse_args()
    quarter = Quarter.parse(args.quarter)
    work = Path(tempfile.mkdtemp(prefix="sosdata-bench-stats-", dir="/tmp"))
    settings = Settings(data_dir=work / "data")
    suppression_s = [0.0]
    suppress_linked = tables.suppress_linked

    def timed_suppression(*a, **k):  # the share of each stage spent suppressing
        begun = time.perf_counter()
        try:
            return suppress_linked(*a, **k)
        finally:
            suppression_s[0] += time.perf_counter() - begun

    tables.suppress_linked = timed_suppression
    try:
        started = time.perf_counter()
        generated_file, rows = cached_register(
            [quarter.previous(), quarter], args.persons, not args.regenerate
        )
        generated = time.perf_counter() - started
        conn = open_register(work, generated_file)

        started = time.perf_counter()
        publish.publish(conn, settings, quarter.previous(), work / "previous", published_by="bench")
        previous_published = time.perf_counter() - started
        suppression_s[0] = 0.0  # from here on: the last quarter's

        started = time.perf_counter()
        conn.sql(
            "SELECT palvelutehtava, count(DISTINCT pseudonym) FROM register_asiakkuusjaksot "
            "WHERE quarter = $q GROUP BY ALL",
            params={"q": str(quarter)},
        ).fetchall()
        baseline = time.perf_counter() - started

        stages: dict[str, float] = {}
        per_definition: dict[str, dict[str, float]] = {}
        started = time.perf_counter()
        tables._prepare(conn, quarter)
        stages["persons_of_quarter_s"] = time.perf_counter() - started
        published = []
        for definition in tables.DEFINITIONS:  # what tables.compute does, timed per definition
            begun, suppressing = time.perf_counter(), suppression_s[0]
            published += tables.compute_definition(
                conn, definition, quarter, settings, audit=args.audit, prepared=True
            )
            spent = time.perf_counter() - begun
            per_definition[definition.id] = {
                "total_s": round(spent, 2),
                "suppression_s": round(suppression_s[0] - suppressing, 2),
            }
            stages[f"{definition.id}_s"] = spent
        started = time.perf_counter()
        published.append(tables.trend(conn, quarter, settings, audit=args.audit, current=published))
        stages["trend_reusing_previous_quarter_s"] = time.perf_counter() - started
        out = work / "out"
        started = time.perf_counter()
        export.export(published, out / args.format, args.format, "fi")
        stages[f"export_{args.format}_s"] = time.perf_counter() - started
        started = time.perf_counter()
        charts.write_charts(published, out / "svg", "fi")
        stages["charts_s"] = time.perf_counter() - started
        total = sum(stages.values())
        suppressing = suppression_s[0]
        other_formats = {}
        for fmt in export.FORMATS if args.all_formats else ():
            if fmt != args.format:
                started = time.perf_counter()
                export.export(published, out / fmt, fmt, "fi")
                other_formats[f"export_{fmt}_s"] = round(time.perf_counter() - started, 2)
        # the time series when the previous quarter was never published: recomputed
        conn.execute("BEGIN TRANSACTION")
        conn.execute("DELETE FROM stat_published_quarters")
        started = time.perf_counter()
        recomputed = tables.trend(conn, quarter, settings, current=published)
        trend_recomputed = time.perf_counter() - started
        conn.execute("ROLLBACK")
        assert recomputed.cells.equals(published[-1].cells), "the series must not depend on it"
        cells = {t.id: t.cells.height for t in published}
        hidden = {t.id: int(t.cells["status"].is_not_null().sum()) for t in published}
        primary = {t.id: int((t.cells["status"] == "primary").sum()) for t in published}
        print(
            json.dumps(
                {
                    "benchmark": "statistics of a national quarter",
                    "machine_cores": os.cpu_count(),
                    "persons_per_quarter": args.persons,
                    "lp_audit": args.audit,
                    "rows": rows,
                    "generate_or_cached_s": round(generated, 2),
                    "previous_quarter_published_s": round(previous_published, 2),
                    "baseline_count_distinct_s": round(baseline, 3),
                    "stages": {k: round(v, 2) for k, v in stages.items()},
                    "suppression_s": round(suppressing, 2),
                    "total_s": round(total, 2),
                    "ratio_total_to_baseline": round(total / baseline, 1),
                    "target_s": TARGET_S,
                    "target_met": total <= TARGET_S,
                    "peak_memory_mb": round(_peak_memory_mb()),
                    "definitions": per_definition,
                    "other_formats_not_in_total": other_formats,
                    "trend_previous_quarter_never_published_s": round(trend_recomputed, 2),
                    "cells": cells,
                    "primary_cells": primary,
                    "suppressed_cells": hidden,
                },
                indent=1,
            )
        )
    finally:
        tables.suppress_linked = suppress_linked
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
