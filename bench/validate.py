"""Speed of the delivery validator on a large ``asiakkuusjaksot.csv``.

Generates (or takes with ``--input``) a file of client periods of one organiser for 2023Q1 with
about 1 % of rows in error, then measures in one run:

- the full validation including the JSON report (``validate_path`` + ``render("json")``),
- a bare Polars read of the same file (every column a string): the floor,
- a per-row Python baseline (csv module, python-stdnum, sets, ``date.fromisoformat``) on a
  slice, extrapolated per row,

and prints JSON with rows/s, the ratios and the process's peak memory.

    flock /tmp/sosdata-heavy.lock .venv/bin/python bench/validate.py --rows 5000000
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl
from stdnum.fi import hetu as stdnum_hetu

from sosdata import codes, identity, organisers
from sosdata.components import CLIENT_PERIODS
from sosdata.config import Settings
from sosdata.delivery import rules, validate_path
from sosdata.periods import Quarter

PERIOD = Quarter(2023, 1)
PERSONS_PER_ROW = 0.6  # a client has 1.7 periods on average
ERROR_SHARE = 0.01


def generate(path: Path, rows: int, seed: int = 1) -> dict[str, int]:
    """A client-period file with ~1 % injected errors; returns the injected counts by kind."""
    rng = np.random.default_rng(seed)
    persons = max(1, int(rows * PERSONS_PER_ROW))
    register = organisers.load(None)
    organiser = register.for_county("02")
    # born 1930-2014: everyone is born before any period starts (no accidental errors)
    births = dt.date(1930, 1, 1) + np.array(
        rng.integers(0, 365 * 85, persons), dtype="timedelta64[D]"
    ).astype(object)
    numbers = rng.integers(900, 1000, persons)
    pool = np.array([identity.make(b, int(n)) for b, n in zip(births, numbers, strict=True)])
    sexes = np.where(numbers % 2 == 1, "1", "2")
    person = rng.integers(0, persons, rows)
    municipalities = np.array(organiser.municipalities)
    start = np.datetime64("2019-06-01") + rng.integers(0, 1400, rows).astype("timedelta64[D]")
    length = rng.integers(1, 900, rows).astype("timedelta64[D]")
    end = start + length
    end = np.where(end < np.datetime64("2023-01-01"), np.datetime64("2023-02-15"), end)
    frame = pl.DataFrame(
        {
            "jarjestaja": np.full(rows, organiser.oid),
            "henkilotunnus": pool[person],
            "kotikunta": municipalities[rng.integers(0, len(municipalities), rows)],
            "sukupuoli": sexes[person],
            "palvelutehtava": rng.integers(1, 7, rows).astype(str),
            "alkupvm": start.astype(str),
            "loppupvm": np.where(rng.random(rows) < 0.6, "", end.astype(str)),
        }
    )
    # the kinds of mistakes the validator must find, spread over ~1 % of rows
    kinds = {
        "HETU_CHECKSUM": ("henkilotunnus", pl.col("henkilotunnus").str.slice(0, 10) + "?"),
        "MUNICIPALITY_UNKNOWN": ("kotikunta", pl.lit("999")),
        "DATE_INVALID": ("alkupvm", pl.lit("2023-02-30")),
        "SERVICE_TASK_UNKNOWN": ("palvelutehtava", pl.lit("8")),
        "SERVICE_TASK_FAMILY_LAW": ("palvelutehtava", pl.lit("7")),
        "REQUIRED_MISSING": ("sukupuoli", pl.lit("")),
        "START_AFTER_PERIOD": ("alkupvm", pl.lit("2023-06-01")),
    }
    kind = rng.integers(0, len(kinds), rows)
    hit = rng.random(rows) < ERROR_SHARE
    injected: dict[str, int] = {}
    frame = frame.with_columns(pl.Series("_kind", np.where(hit, kind, -1)))
    for i, (name, (column, value)) in enumerate(kinds.items()):
        mask = pl.col("_kind") == i
        if name == "HETU_CHECKSUM":
            value = pl.col("henkilotunnus").str.slice(0, 10) + pl.when(
                pl.col("henkilotunnus").str.ends_with("A")
            ).then(pl.lit("B")).otherwise(pl.lit("A"))
        frame = frame.with_columns(
            pl.when(mask).then(value).otherwise(pl.col(column)).alias(column)
        )
        injected[name] = int((hit & (kind == i)).sum())
    frame.drop("_kind").write_csv(path, separator=";")
    return injected


def bare_read(path: Path) -> float:
    started = time.perf_counter()
    frame = pl.read_csv(path, separator=";", infer_schema=False)
    elapsed = time.perf_counter() - started
    assert frame.height > 0
    return elapsed


def _severity(rule_id: str) -> str:
    return rules.get(rule_id).severity.value


def full_validation(path: Path, settings: Settings, organiser: str) -> tuple[float, dict]:
    started = time.perf_counter()
    result = validate_path(path, PERIOD, settings=settings, organiser=organiser, lang="en")
    text = result.report.render("json")
    elapsed = time.perf_counter() - started
    report = json.loads(text)
    return elapsed, {
        "accepted": result.accepted,
        "accepted_rows": report["components"]["asiakkuusjaksot"]["accepted_rows"],
        "error_counts": {r: n for r, n in report["counts"].items() if _severity(r) == "error"},
        "warning_counts": {r: n for r, n in report["counts"].items() if _severity(r) == "warning"},
        "issues_listed": len(report["issues"]),
        "report_bytes": len(text),
    }


def python_baseline(path: Path, rows: int) -> float:
    """The same core checks, one row at a time (what a straightforward validator does)."""
    period_start, period_end = PERIOD.start, PERIOD.end
    municipalities = set(codes.load("kunta").valid_during(period_start, period_end))
    sexes = set(codes.load("sukupuoli").valid_during(period_start, period_end))
    tasks = set(codes.reported_service_tasks())
    known = {o.oid for o in organisers.load(None)}
    started = time.perf_counter()
    issues = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        header = next(reader)
        for line, row in enumerate(reader, start=2):
            if line - 1 > rows:
                break
            record = dict(zip(header, row, strict=True))
            for column in (
                "jarjestaja",
                "henkilotunnus",
                "kotikunta",
                "sukupuoli",
                "palvelutehtava",
                "alkupvm",
            ):
                if not record[column]:
                    issues.append((line, "REQUIRED_MISSING", column))
            if record["jarjestaja"] not in known:
                issues.append((line, "ORGANISER_UNKNOWN", "jarjestaja"))
            try:
                stdnum_hetu.validate(record["henkilotunnus"], allow_temporary=True)
            except Exception:
                issues.append((line, "HETU", "henkilotunnus"))
            if record["kotikunta"] not in municipalities:
                issues.append((line, "MUNICIPALITY_UNKNOWN", "kotikunta"))
            if record["sukupuoli"] not in sexes:
                issues.append((line, "SEX_UNKNOWN", "sukupuoli"))
            if record["palvelutehtava"] not in tasks:
                issues.append((line, "SERVICE_TASK_UNKNOWN", "palvelutehtava"))
            dates = {}
            for column in ("alkupvm", "loppupvm"):
                if record[column]:
                    try:
                        dates[column] = dt.date.fromisoformat(record[column])
                    except ValueError:
                        issues.append((line, "DATE_INVALID", column))
            start, end = dates.get("alkupvm"), dates.get("loppupvm")
            if start and end and start > end:
                issues.append((line, "START_AFTER_END", "alkupvm"))
            if not PERIOD.overlaps(start, end):
                issues.append((line, "NOT_IN_PERIOD", "alkupvm"))
    elapsed = time.perf_counter() - started
    assert issues is not None
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--input", type=Path, help="an existing asiakkuusjaksot.csv")
    parser.add_argument("--baseline-rows", type=int, default=200_000)
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "sosdata-bench"
    )
    parser.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    path = args.input or args.workdir / f"{args.rows}" / CLIENT_PERIODS.filename
    injected_file = path.with_suffix(".injected.json")
    if args.generate_only:
        path.parent.mkdir(parents=True, exist_ok=True)
        injected_file.write_text(json.dumps(generate(path, args.rows)))
        return
    if args.input is None and not path.exists():
        # generated in a child process so that this process's peak memory is the validator's
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--rows",
                str(args.rows),
                "--workdir",
                str(args.workdir),
                "--generate-only",
            ],
            check=True,
        )
    injected = json.loads(injected_file.read_text()) if injected_file.exists() else None
    settings = Settings(data_dir=args.workdir / "data")
    organiser = organisers.load(None).for_county("02").oid
    with path.open("rb") as handle:
        rows = sum(1 for _ in handle) - 1

    full_validation(path, settings, organiser)  # warm-up: imports, code sets, page cache
    read_seconds = min(bare_read(path) for _ in range(2))
    validate_seconds, outcome = min(
        (full_validation(path, settings, organiser) for _ in range(2)), key=lambda t: t[0]
    )
    baseline_rows = min(args.baseline_rows, rows)
    baseline_seconds = python_baseline(path, baseline_rows)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    validate_rate = rows / validate_seconds
    read_rate = rows / read_seconds
    baseline_rate = baseline_rows / baseline_seconds
    print(
        json.dumps(
            {
                "benchmark": "delivery validation, asiakkuusjaksot.csv",
                "machine": {
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    "polars": pl.__version__,
                },
                "file": str(path),
                "file_mb": round(path.stat().st_size / 1e6, 1),
                "rows": rows,
                "injected_errors": injected,
                "validation": outcome,
                "seconds": {
                    "validate_with_report": round(validate_seconds, 3),
                    "bare_polars_read": round(read_seconds, 3),
                    "python_per_row_baseline": round(baseline_seconds, 3),
                },
                "rows_per_second": {
                    "validate_with_report": round(validate_rate),
                    "bare_polars_read": round(read_rate),
                    "python_per_row_baseline": round(baseline_rate),
                },
                "baseline_rows": baseline_rows,
                "ratios": {
                    "validate_time_over_bare_read": round(validate_seconds / read_seconds, 2),
                    "validate_speed_over_python_baseline": round(validate_rate / baseline_rate, 1),
                },
                "peak_rss_mb": round(peak_mb),
                "goals": {
                    "rows_per_second_at_least_3M": validate_rate >= 3_000_000,
                    "within_3x_bare_read": validate_seconds <= 3 * read_seconds,
                    "peak_memory_under_3GB": peak_mb < 3 * 1024,
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
