"""Benchmark: derive components II–V from a large Kanta extract.

Generates (once, in a child process, columnar) a Parquet extract of ``--documents`` document
versions with temporary identity codes, then times opening it and deriving one quarter, and
compares the throughput with a straightforward per-person Python loop run on a slice of the
same extract in the same run. The delivery rule pass that ``sosdata kanta derive`` runs on the
derived rows is timed separately (``delivery_rules``; ``--no-rules`` skips it). Prints one JSON
object.

    flock /tmp/sosdata-heavy.lock .venv/bin/python bench/derive.py --documents 15000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq

from sosdata import organisers
from sosdata.components import COMPONENTS
from sosdata.config import Settings
from sosdata.identity import CHECK_CHARACTERS
from sosdata.kanta.derive import derive
from sosdata.kanta.extract import conform, scan_extract
from sosdata.kanta.pipeline import as_text
from sosdata.periods import Quarter

FIRST_DAY = dt.date(2019, 1, 1)
DAYS = (dt.date(2024, 6, 30) - FIRST_DAY).days
DOCUMENTS_PER_PERSON = 10
CHUNK = 1_000_000
TYPE_SHARES = {"case": 0.45, "client_relationship": 0.10, "decision": 0.20, "implementation": 0.25}
STRUCTURE_VERSIONS = ["10.1.20", "10.1.22", "10.2.1"]


# ----------------------------------------------------------------------------- generation


def _people(n: int, rng: np.random.Generator) -> pl.DataFrame:
    """People with temporary identity codes (individual numbers 900–999), organiser, home."""
    orgs = organisers.load()
    table = pl.DataFrame(
        [(o.oid, m) for o in orgs for m in sorted(o.municipalities)],
        schema=["organiser", "home_municipality"],
        orient="row",
    )
    pick = rng.integers(0, table.height, n)
    born = pl.Series(rng.integers(-365 * 40, 365 * 53, n)).cast(pl.Date)
    number = rng.integers(900, 1000, n)
    people = table[pick].with_columns(born=born, number=pl.Series(number))
    digits = pl.format(
        "{}{}{}",
        pl.col("born").dt.strftime("%d%m%y"),
        pl.lit(""),
        pl.col("number").cast(pl.String).str.zfill(3),
    )
    checks = (pl.col("born").dt.strftime("%d%m%y").cast(pl.Int64) * 1000 + pl.col("number")) % 31
    sign = pl.when(pl.col("born").dt.year() >= 2000).then(pl.lit("A")).otherwise(pl.lit("-"))
    return people.select(
        "organiser",
        "home_municipality",
        identity_code=pl.format(
            "{}{}{}{}",
            digits.str.slice(0, 6),
            sign,
            digits.str.slice(6, 3),
            pl.lit(CHECK_CHARACTERS).str.slice(checks, 1),
        ),
        sex=pl.when(pl.col("number") % 2 == 1).then(pl.lit("1")).otherwise(pl.lit("2")),
    )


def _day(rng: np.random.Generator, n: int) -> pl.Series:
    return (
        pl.Series(rng.integers(0, DAYS, n)).cast(pl.Int32) + (FIRST_DAY - dt.date(1970, 1, 1)).days
    )


def _chunk(first: int, n: int, people: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """``n`` first versions of document sets ``first``… and new versions of about a tenth."""
    types = rng.choice(list(TYPE_SHARES), n, p=list(TYPE_SHARES.values()))
    opened = _day(rng, n)
    length = pl.Series(rng.exponential(120, n).astype(np.int32))
    task = pl.Series(rng.integers(1, 7, n)).cast(pl.String)
    service = pl.Series(rng.integers(1, 36, n)).cast(pl.String)
    other = pl.Series(rng.integers(1, 36, n)).cast(pl.String)
    coin = pl.Series(rng.random(n))
    frame = pl.concat(
        [
            people[rng.integers(0, people.height, n)],
            pl.DataFrame(
                {
                    "n": pl.int_range(first, first + n, eager=True),
                    "document_type": types,
                    "day": opened,
                    "length": length,
                    "task": task,
                    "service": service,
                    "other": other,
                    "coin": coin,
                    "seconds": rng.integers(0, 86_400, n),
                }
            ),
        ],
        how="horizontal",
    )
    date = pl.col("day").cast(pl.Date)
    later = (pl.col("day") + pl.col("length")).cast(pl.Date)
    kind = pl.col("document_type")
    base = frame.select(
        document_id=pl.format("D{}-1", "n"),
        set_id=pl.format("S{}", "n"),
        version=pl.lit(1, pl.Int64),
        version_time=(
            date.cast(pl.Datetime("us")) + pl.duration(seconds="seconds")
        ).dt.replace_time_zone("UTC")
        + pl.duration(days=1),
        status=pl.lit("active"),
        document_type=kind,
        organiser="organiser",
        identity_code="identity_code",
        home_municipality="home_municipality",
        sex="sex",
        service_tasks=pl.concat_list("task"),
        case_id=pl.when(kind == "case").then(pl.format("C{}", "n")),
        case_opened=pl.when(kind == "case").then(date),
        case_closed=pl.when((kind == "case") & (pl.col("coin") > 0.15)).then(later),
        structure_version=pl.when(kind == "client_relationship").then(
            pl.lit(pl.Series(STRUCTURE_VERSIONS)).get((pl.col("coin") * 3).cast(pl.Int64))
        ),
        cw27_start=pl.when((kind == "client_relationship") & (pl.col("coin") < 0.4)).then(date),
        cw27_end=pl.when((kind == "client_relationship") & (pl.col("coin") < 0.2)).then(later),
        service_unit_relationships=pl.when(
            (kind == "client_relationship") & (pl.col("coin") > 0.3)
        ).then(
            pl.concat_list(
                pl.struct(
                    social_service="service",
                    start=date,
                    end=pl.when(pl.col("coin") > 0.6).then(later),
                )
            )
        ),
        social_service=pl.when((kind == "decision") & (pl.col("coin") > 0.1)).then("service"),
        decision_date=pl.when(kind == "decision").then(date),
        valid_from=pl.when(kind == "decision").then(date + pl.duration(days=7)),
        valid_to=pl.when((kind == "decision") & (pl.col("coin") > 0.3)).then(later),
        decision_type=pl.when(kind == "decision").then(
            ((pl.col("coin") * 10).cast(pl.Int64) % 3 + 1).cast(pl.String)
        ),
        refined_type=pl.when(kind == "decision").then(pl.col("coin") < 0.85),
        event_date=pl.when(kind == "implementation").then(date),
        social_services=pl.when(kind == "implementation").then(
            pl.concat_list("service", "other").list.head(
                pl.when(pl.col("coin") > 0.5).then(2).otherwise(1)
            )
        ),
    )
    # new versions: a tenth of the sets get a version 2 (one in ten of those cancels the set);
    # a case's version 2 moves its closing date
    again = pl.Series(rng.random(n) < 0.1)
    shift = pl.Series(rng.integers(-60, 60, n))
    updates = (
        base.with_columns(shift=shift, again=again)
        .filter("again")
        .with_columns(
            document_id=pl.col("document_id").str.replace("-1$", "-2"),
            version=pl.lit(2, pl.Int64),
            version_time=pl.col("version_time") + pl.duration(days=30),
            status=pl.when(pl.col("shift") % 10 == 0)
            .then(pl.lit("cancelled"))
            .otherwise(pl.lit("active")),
            case_closed=pl.when(pl.col("document_type") == "case").then(
                pl.max_horizontal("case_opened", pl.col("case_closed") + pl.duration(days="shift"))
            ),
        )
        .drop("shift", "again")
    )
    return conform(pl.concat([base, updates]).sample(fraction=1.0, shuffle=True, seed=first))


def generate(path: Path, documents: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    people = _people(max(1, documents // DOCUMENTS_PER_PERSON), rng)
    first_versions = round(documents / 1.1)
    tmp = path.with_suffix(".tmp")
    writer = None
    written = 0
    for first in range(0, first_versions, CHUNK):
        n = min(CHUNK, first_versions - first)
        table = _chunk(first, n, people, rng).to_arrow()
        if writer is None:
            writer = pq.ParquetWriter(tmp, table.schema, compression="zstd")
        writer.write_table(table, row_group_size=256_000)
        written += table.num_rows
    if writer is not None:
        writer.close()
    tmp.rename(path)


# ----------------------------------------------------------------------------- baseline


def loop_derive(records: list[dict], period: Quarter) -> dict[str, int]:
    """The straightforward way: Python dictionaries and a loop over each person's documents."""
    latest: dict[str, dict] = {}
    for r in records:
        held = latest.get(r["set_id"])
        # ties: the later record wins
        if held is None or (r["version"], r["version_time"]) >= (
            held["version"],
            held["version_time"],
        ):
            latest[r["set_id"]] = r
    by_person: dict[tuple, list[dict]] = defaultdict(list)
    for r in latest.values():
        if r["status"] == "active":
            by_person[(r["organiser"], r["identity_code"])].append(r)
    counts = dict.fromkeys(
        ("asiakkuusjaksot", "lastensuojelu", "palvelupaatokset", "palvelutiedot"), 0
    )

    def overlaps(start, end) -> bool:
        return (start is None or start <= period.end) and (end is None or end >= period.start)

    for docs in by_person.values():
        cases: dict[str, list[tuple]] = defaultdict(list)
        newest_rel = None
        newest_27 = None
        services = set()
        for d in docs:
            kind = d["document_type"]
            tasks = d["service_tasks"] or []
            if kind == "case":
                for task in tasks:
                    cases[task].append((d["case_opened"], d["case_closed"]))
            elif kind == "client_relationship":
                if newest_rel is None or d["version_time"] >= newest_rel["version_time"]:
                    newest_rel = d
                version = tuple(int(p) for p in (d["structure_version"] or "0").split("."))
                if version >= (10, 1, 22) and (
                    newest_27 is None or d["version_time"] >= newest_27["version_time"]
                ):
                    newest_27 = d
            elif kind == "decision":
                if (
                    d["social_service"]
                    and d["refined_type"]
                    and d["valid_from"]
                    and (d["decision_date"] is None or d["decision_date"] <= period.end)
                    and overlaps(d["valid_from"], d["valid_to"])
                ):
                    counts["palvelupaatokset"] += 1
            elif kind == "implementation" and period.start <= d["event_date"] <= period.end:
                task = tasks[0] if len(tasks) == 1 else None
                for s in d["social_services"] or []:
                    services.add((s, task, d["event_date"], d["event_date"]))
        for ranges in cases.values():
            ranges.sort(key=lambda r: (r[0], r[1] or dt.date.max))
            start, end = ranges[0]
            for opened, closed in ranges[1:]:
                if end is not None and opened > end:
                    counts["asiakkuusjaksot"] += overlaps(start, end)
                    start, end = opened, closed
                elif end is not None:
                    end = None if closed is None else max(end, closed)
            counts["asiakkuusjaksot"] += overlaps(start, end)
        if newest_27 is not None and newest_27["cw27_start"] is not None:
            counts["lastensuojelu"] += overlaps(newest_27["cw27_start"], newest_27["cw27_end"])
        if newest_rel is not None:
            tasks = newest_rel["service_tasks"] or []
            task = tasks[0] if len(tasks) == 1 else None
            for u in newest_rel["service_unit_relationships"] or []:
                if u["social_service"] and overlaps(u["start"], u["end"]):
                    services.add((u["social_service"], task, u["start"], u["end"]))
        counts["palvelutiedot"] += len(services)
    return counts


# ----------------------------------------------------------------------------- rules


def delivery_rules(rows: dict[str, pl.DataFrame], period: Quarter, source: str) -> dict:
    """Time the delivery's rule catalogue on the derived rows, as ``derive_path`` runs it."""
    from sosdata.delivery import validate_frames

    frames = {name: as_text(frame, COMPONENTS[name]) for name, frame in rows.items()}
    with tempfile.TemporaryDirectory(prefix="sosdata-bench-") as data_dir:
        cpu_before = _cpu_seconds()
        start = time.perf_counter()
        result = validate_frames(
            frames,
            period=period,
            settings=Settings(data_dir=Path(data_dir)),
            organiser=None,
            source=source,
            lang="en",
        )
        seconds = time.perf_counter() - start
        cpu = _cpu_seconds() - cpu_before
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "accepted_rows": sum(frame.height for frame in result.rows.values()),
    }


# ----------------------------------------------------------------------------- main


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1 << 20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=15_000_000)
    parser.add_argument("--period", default="2023Q1")
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--extract", type=Path, default=None)
    parser.add_argument("--slice-people", type=int, default=20_000)
    parser.add_argument("--generate-only", action="store_true")
    parser.add_argument(
        "--rules",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also time the delivery rule pass on the derived rows",
    )
    args = parser.parse_args()
    path = args.extract or Path(f"/tmp/sosdata-bench/kanta-{args.documents}-{args.seed}.parquet")
    if args.generate_only:
        path.parent.mkdir(parents=True, exist_ok=True)
        generate(path, args.documents, args.seed)
        return
    generated = 0.0
    if not path.exists():
        start = time.perf_counter()
        # a child process, so that this process's peak memory is the derivation's alone
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--generate-only",
                "--documents",
                str(args.documents),
                "--seed",
                str(args.seed),
                "--extract",
                str(path),
            ],
            check=True,
        )
        generated = time.perf_counter() - start
    period = Quarter.parse(args.period)

    load_before = os.getloadavg()[0]
    cpu_before = _cpu_seconds()
    start = time.perf_counter()
    scan = scan_extract(path)
    opened = time.perf_counter() - start
    derivation = derive(scan.frame, period, versions=scan.versions)
    seconds = time.perf_counter() - start
    cpu = _cpu_seconds() - cpu_before
    peak = _peak_gib()
    rules = delivery_rules(derivation.rows, period, path.name) if args.rules else None

    # baseline: the same extract's records of a slice of people, through the Python loop
    people = (
        scan.frame.select("identity_code")
        .unique()
        .sort("identity_code")
        .head(args.slice_people)
        .collect()["identity_code"]
    )
    sliced = scan.frame.filter(pl.col("identity_code").is_in(people.implode()))
    records = sliced.drop("_line").collect()
    rows = records.to_dicts()
    start = time.perf_counter()
    loop_counts = loop_derive(rows, period)
    loop_seconds = time.perf_counter() - start
    start = time.perf_counter()
    vector_slice = derive(records, period)
    vector_slice_seconds = time.perf_counter() - start

    documents = derivation.summary["documents_read"]
    loop_rate = len(rows) / loop_seconds
    rate = documents / seconds
    print(
        json.dumps(
            {
                "benchmark": "kanta-derive",
                "cores": len(os.sched_getaffinity(0)),
                # other work on the machine slows the wall clock; CPU time is what this used
                "load_average_before": round(load_before, 2),
                "documents": documents,
                "period": str(period),
                "extract": str(path),
                "extract_mb": round(path.stat().st_size / 1e6, 1),
                "generated_seconds": round(generated, 1),
                "open_seconds": round(opened, 2),
                "seconds": round(seconds, 2),
                "cpu_seconds": round(cpu, 2),
                "documents_per_second": round(rate),
                "peak_memory_gib": round(peak, 2),
                "summary": derivation.summary,
                "baseline": {
                    "kind": "per-person Python loop",
                    "documents": len(rows),
                    "seconds": round(loop_seconds, 2),
                    "documents_per_second": round(loop_rate),
                    "vectorised_seconds_same_slice": round(vector_slice_seconds, 3),
                    "rows_agree": loop_counts == vector_slice.summary["rows"],
                },
                "speedup_vs_loop": round(rate / loop_rate, 1),
                # not in "seconds": the delivery's rule catalogue run over the derived rows
                "delivery_rules": rules,
                "rules_share_of_pipeline": (
                    round(rules["seconds"] / (seconds + rules["seconds"]), 2) if rules else None
                ),
                "targets": {"seconds": 10, "peak_memory_gib": 6},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
