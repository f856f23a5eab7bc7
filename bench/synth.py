"""Speed of the synthetic generator, and whether the validator finds exactly what it injected.

Measures in one run (everything written under ``--work``, default a folder in /tmp):

- ``tiny``: generation time of the unit-test scale (best of three);
- ``county`` and ``national``: ``sosdata.synth.generate`` wall time, peak memory (the child
  process's max RSS), sizes (clients, Kanta documents, delivered rows, injected errors) and
  throughput, each run in a child process so its memory is its own;
- ``baseline``: the same population step (birth date, sex, temporary identity code, tasks,
  periods) as a straightforward per-person Python loop over ``identity.make`` on a slice, against
  the vectorised step on the same number of people in the same run (ratio);
- ``county_validation``: every county delivery validated with ``sosdata.delivery.validate_path``
  and its ERROR row issues compared with ``truth/errors.csv`` (found, injected, extra, missing).

Prints one JSON object. Run it alone on the machine:

    flock /tmp/sosdata-heavy.lock .venv/bin/python bench/synth.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from sosdata import identity, organisers
from sosdata.config import Settings
from sosdata.periods import Quarter
from sosdata.synth import Options, generate
from sosdata.synth.population import draw_tasks, generate_people

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from sosdata.synth import Options, generate
out, scale, seed = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
start = time.perf_counter()
summary = generate(out, Options(scale=scale, seed=seed))
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime,
                  "peak_bytes": usage.ru_maxrss * 1024, "summary": summary}))
"""


def _generate_in_child(out: Path, scale: str, seed: int) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(out), scale, str(seed)],
        capture_output=True,
        text=True,
        check=True,
    )
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    s = measured["summary"]
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return {
        "seconds": round(measured["seconds"], 2),
        # CPU time of the process (both cores): less sensitive to others' load than wall time
        "cpu_seconds": round(measured["cpu_seconds"], 1),
        "load_average_1min": round(os.getloadavg()[0], 1),
        "peak_memory_gb": round(measured["peak_bytes"] / 1e9, 2),
        "output_gb": round(size / 1e9, 3),
        "clients": s["people"],
        "organisers": s["organisers"],
        "municipality_groups": s["municipality_groups"],
        "kanta_documents": s["kanta_documents"],
        "deliveries": s["deliveries"],
        "delivered_rows": s["delivered_rows"],
        "injected_errors": sum(s["injected_errors"].values()),
        "kanta_documents_per_s": round(s["kanta_documents"] / measured["seconds"]),
        "delivered_rows_per_s": round(s["delivered_rows"] / measured["seconds"]),
    }


def _tiny(work: Path) -> dict:
    times = []
    for i in range(3):
        out = work / f"tiny-{i}"
        start = time.perf_counter()
        generate(out, Options())
        times.append(time.perf_counter() - start)
        shutil.rmtree(out)
    return {"seconds_best_of_3": round(min(times), 3), "target_seconds": 2}


def _loop_population(n: int, reference: dt.date, seed: int) -> list[tuple]:
    """The population step written the plain way: one person at a time."""
    rnd = random.Random(seed)
    served = [(o.oid, m) for o in organisers.load() for m in o.municipalities]
    used: set[str] = set()
    out = []
    for _ in range(n):
        oid, municipality = rnd.choice(served)
        born = reference - dt.timedelta(days=rnd.randrange(0, 100 * 365))
        sex = rnd.choice("12")
        while True:
            number = 900 + 2 * rnd.randrange(50) + (sex == "1")
            code = identity.make(born, number, new_signs=rnd.randrange(6))
            if code not in used:
                used.add(code)
                break
        tasks = [t for t in "123456" if rnd.random() < 0.3] or ["2"]
        for task in tasks:
            start = born + dt.timedelta(days=rnd.randrange(0, 365 * 5))
            out.append((oid, code, municipality, sex, task, start, None))
    return out


def _baseline(n: int) -> dict:
    reference = dt.date(2023, 1, 1)
    start = time.perf_counter()
    _loop_population(n, reference, 0)
    loop = time.perf_counter() - start
    every = list(organisers.load())
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    people = generate_people(n, every, reference, rng)
    draw_tasks(people, rng)
    vectorised = time.perf_counter() - start
    return {
        "people": n,
        "loop_people_per_s": round(n / loop),
        "vectorised_people_per_s": round(n / vectorised),
        "ratio_vectorised_over_loop": round(loop / vectorised, 1),
    }


def _validate_all(out: Path, work: Path) -> dict:
    from sosdata.delivery import validate_path

    settings = Settings(data_dir=work / "validator-data")
    truth = pl.read_csv(
        out / "truth" / "errors.csv", separator=";", schema_overrides={"line": pl.Int64}
    )
    key = ["delivery", "file", "line", "rule"]
    found = []
    rows = 0
    start = time.perf_counter()
    accepted = 0
    zips = sorted((out / "deliveries").glob("*Q*/*.zip"))
    for path in zips:
        result = validate_path(path, Quarter.parse(path.parent.name), settings=settings)
        accepted += result.accepted
        rows += sum(c["rows"] for c in result.report.to_dict()["components"].values())
        found.append(
            result.report.issues.filter(pl.col("severity") == "error").select(
                pl.lit(str(path.relative_to(out))).alias("delivery"),
                "file",
                pl.col("line").cast(pl.Int64),
                pl.col("code").alias("rule"),
            )
        )
    seconds = time.perf_counter() - start
    found_keys = pl.concat(found).select(key).unique()
    truth_keys = truth.select(key).unique()
    return {
        "deliveries": len(zips),
        "accepted": accepted,
        "rows": rows,
        "seconds": round(seconds, 2),
        "injected": truth_keys.height,
        "found": found_keys.height,
        "extra": found_keys.join(truth_keys, on=key, how="anti").height,
        "missing": truth_keys.join(found_keys, on=key, how="anti").height,
        "exact": found_keys.sort(key).equals(truth_keys.sort(key)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=None, help="Folder for generated data.")
    parser.add_argument("--skip-national", action="store_true")
    parser.add_argument("--baseline-people", type=int, default=20_000)
    parser.add_argument("--keep", action="store_true", help="Keep the generated data.")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="sosdata-bench-synth-", dir="/tmp"))
    work.mkdir(parents=True, exist_ok=True)
    result: dict = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "polars": pl.__version__,
    }
    try:
        result["tiny"] = _tiny(work)
        result["baseline"] = _baseline(args.baseline_people)
        result["county"] = _generate_in_child(work / "county", "county", 0)
        result["county_validation"] = _validate_all(work / "county", work)
        if not args.skip_national:
            result["national"] = _generate_in_child(work / "national", "national", 0)
            result["national"]["target_seconds"] = 300
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
