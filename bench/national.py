"""Benchmark: a national quarter end to end, stage by stage, through the real command line.

A synthetic national quarter (``sosdata synth --scale national``: 1.2 M clients, about 16 M
Kanta documents, about 5 M delivered rows in 21 files) is generated once into ``--synth`` and
reused by later runs (generating it takes about 100 s and is not part of the measured path).
Then every stage runs as its own ``sosdata`` process against a fresh register, as a keeper
would run it, and its wall seconds, CPU seconds and peak memory (the process's maximum
resident set, from ``wait4``) are recorded with the load average before it:

- ``kanta_load``: ``sosdata kanta load`` of the extract;
- ``submissions``: ``sosdata submit`` of every delivery of the quarter, one process each;
- ``build``: ``sosdata build``;
- ``statistics``: ``sosdata stats --format csv``;
- ``report_page``: the portal's page of the largest delivery's report, as its organiser's user
  reads it (milliseconds per request; not part of the total).

Baselines run in the same way, in the same run, on the same files and rows:

- the Kanta derivation alone (reading, deriving, the delivery rules; nothing stored) and a bare
  Polars read of the extract;
- ``sosdata validate`` of each delivery (the submission's floor: the same file validated,
  nothing stored) and a bare Polars read of its CSV files;
- DuckDB's own ``COPY`` of the rows the build wrote into empty tables of the same schema;
- one ``count(DISTINCT pseudonym)`` per service task over the built register (statistics).

Setting up (``sosdata init``, importing the notifications) is measured too but is not part of
the total. Prints one JSON object; ``bench/speed_table.py`` turns it into the README's table.

    flock /tmp/sosdata-heavy.lock .venv/bin/python bench/national.py \\
        --synth /work/cache-national --out bench/results/national.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

#: goals on 2 cores (issue: "a national quarter end to end")
GOALS = {
    "total_seconds": 60,
    "peak_memory_gb": 8,
    "build_seconds": 15,
    "submission_to_validation": 2.0,
    "kanta_load_to_derivation": 1.5,
}
BIN = Path(sys.executable).parent
SOSDATA = str(BIN / "sosdata")
PYTHON = sys.executable


# ----------------------------------------------------------------------------- running


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run(argv: list[str], env: dict[str, str], *, ok: tuple[int, ...] = (0,)) -> dict[str, Any]:
    """Run one process; its wall and CPU seconds and its peak resident memory."""
    load = _load()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=err)
        # wait4 gives this child's own resource usage (RUSAGE_CHILDREN would be the largest of
        # every child so far)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if code not in ok:
        sys.stderr.write(stderr[-3000:])
        raise SystemExit(f"{' '.join(argv[:3])} … exited with {code}")
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_memory_gb": round(usage.ru_maxrss / 1024**2, 2),
        "load_before": load,
        "exit": code,
        "stdout": stdout,
    }


def python(code: str, *args: str, env: dict[str, str]) -> dict[str, Any]:
    """A baseline: ``code`` run by this Python in its own process, measured like a stage."""
    return run([PYTHON, "-c", code, *args], env)


def _brief(measured: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in measured.items() if k not in ("stdout", "exit")}


def ratio(stage: dict[str, Any], baseline: dict[str, Any], measure: str = "seconds") -> float:
    """``stage`` over ``baseline`` in wall seconds (or ``cpu_seconds``: steadier on a shared
    machine)."""
    return round(stage[measure] / baseline[measure], 2) if baseline[measure] else 0.0


# ----------------------------------------------------------------------------- baselines

DERIVE = """
import sys
from pathlib import Path
from sosdata.config import load_settings
from sosdata.kanta.pipeline import derive_path
from sosdata.periods import Quarter
checked = derive_path(Path(sys.argv[1]), Quarter.parse(sys.argv[2]), load_settings())
print(sum(f.height for f in checked.rows.values()))
"""

READ_PARQUET = """
import sys
import polars as pl
print(pl.read_parquet(sys.argv[1]).height)
"""

READ_DELIVERY = """
import sys, zipfile
import polars as pl
with zipfile.ZipFile(sys.argv[1]) as z:
    rows = sum(
        pl.read_csv(z.read(n), separator=";", infer_schema=False).height
        for n in z.namelist() if n.endswith(".csv")
    )
print(rows)
"""

COPY_ROWS = """
import sys
from pathlib import Path
import duckdb
conn = duckdb.connect(sys.argv[1])
for part in sorted(Path(sys.argv[2]).glob("*.parquet")):
    conn.execute(
        f"CREATE TABLE {part.stem} AS SELECT * FROM read_parquet('{part}') LIMIT 0"
    )
    conn.execute(f"COPY {part.stem} FROM '{part}' (FORMAT parquet)")
print(sum(conn.execute(f"SELECT count(*) FROM {p.stem}").fetchone()[0]
          for p in Path(sys.argv[2]).glob("*.parquet")))
"""

DISTINCT_PER_TASK = """
import sys
import duckdb
conn = duckdb.connect(sys.argv[1], read_only=True)
print(conn.execute(
    "SELECT palvelutehtava, count(DISTINCT pseudonym) FROM register_asiakkuusjaksot "
    "WHERE quarter = ? GROUP BY ALL", [sys.argv[2]]
).fetchall())
"""


def export_built(database: Path, folder: Path) -> dict[str, int]:
    """The rows the build wrote, as Parquet files in the built tables' own schema (for COPY)."""
    import duckdb

    folder.mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect(str(database), read_only=True)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_name LIKE 'built_%' ORDER BY 1"
            ).fetchall()
        ]
        rows = {}
        for t in tables:
            conn.execute(f"COPY {t} TO '{folder / t}.parquet' (FORMAT parquet)")
            rows[t] = conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
    finally:
        conn.close()
    return rows


# ----------------------------------------------------------------------------- the web hook


REPORT_PAGE = """
import json, statistics, sys, time
import httpx
from served import served
from sosdata.app import Register, Role
from sosdata.config import load_settings
from sosdata.register.users import os_user
from sosdata.web import create_app

delivery, repeat = int(sys.argv[1]), int(sys.argv[2])
with Register(load_settings(), purpose="bench") as register:
    keeper = register.actor(os_user())
    organiser = register.delivery(keeper, delivery)["organiser"]
    register.add_user(keeper, "bench-county", role=Role.ORGANISER, organiser=organiser)
    register.set_password(keeper, "bench-county", "bench-password-1")
    with served(create_app(register.settings, register=register)) as base, httpx.Client(
        base_url=base, timeout=120
    ) as client:
        page = client.get("/sign-in").text
        csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
        client.post("/sign-in", data={
            "user_id": "bench-county", "password": "bench-password-1", "csrf_token": csrf})
        times = []
        for _ in range(repeat + 1):
            started = time.perf_counter()
            answer = client.get(f"/deliveries/{delivery}")
            times.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, answer.status_code
first, rest = times[0], sorted(times[1:])
print(json.dumps({"first_ms": round(first, 1), "p50_ms": round(statistics.median(rest), 1),
                  "p95_ms": round(rest[max(0, round(0.95 * len(rest)) - 1)], 1)}))
"""


def report_page_stage(env: dict[str, str], delivery_id: int, repeat: int = 20) -> dict[str, Any]:
    """The report page of the largest delivery as its organiser's user reads it in the portal
    (uvicorn on loopback, in a process of its own): the first request and ``repeat`` more. Its
    own milliseconds, not part of the total (the process also starts the server and signs in);
    the target is the portal's, p95 < 300 ms."""
    bench = str(Path(__file__).parent)  # for ``served``
    paths = os.pathsep.join(p for p in (bench, env.get("PYTHONPATH")) if p)
    served = run(
        [PYTHON, "-c", REPORT_PAGE, str(delivery_id), str(repeat)], {**env, "PYTHONPATH": paths}
    )
    return {
        **json.loads(served["stdout"]),
        "requests": repeat + 1,
        "target_p95_ms": 300,
        "server_process_peak_memory_gb": served["peak_memory_gb"],
        "load_before": served["load_before"],
    }


# ----------------------------------------------------------------------------- synthesis


def synthesise(folder: Path, scale: str, seed: int, period: str, env: dict) -> dict[str, Any]:
    """The synthetic quarter in ``folder``, generated unless a matching one is there."""
    summary = folder / "synth" / "summary.json"
    if summary.exists():
        found = json.loads(summary.read_text())
        if (found["scale"], found["seed"], found["periods"]) == (scale, seed, [period]):
            return {"cached": True, "folder": str(folder / "synth"), "summary": found}
        raise SystemExit(f"{folder}: holds another synthetic set ({found['scale']}); clear it")
    shutil.rmtree(folder / "synth", ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    measured = run(
        [
            SOSDATA,
            "synth",
            "--scale",
            scale,
            "--period",
            period,
            "--seed",
            str(seed),
            "--out",
            str(folder / "synth"),
        ],
        env,
    )
    return {
        "cached": False,
        "folder": str(folder / "synth"),
        "summary": json.loads(summary.read_text()),
        **_brief(measured),
    }


# ----------------------------------------------------------------------------- the run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="national")
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--period", default="2023Q1")
    parser.add_argument(
        "--synth", type=Path, required=True, help="Folder caching the synthetic quarter."
    )
    parser.add_argument("--work", type=Path, help="Folder for the register (default: /tmp).")
    parser.add_argument("--keep", action="store_true", help="Keep the register afterwards.")
    parser.add_argument("--out", type=Path, help="Also write the JSON here.")
    parser.add_argument(
        "--only",
        choices=["kanta_load", "submissions", "build", "statistics"],
        action="append",
        help="Measure only these stages' baselines (every stage still runs).",
    )
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="sosdata-bench-national-", dir="/tmp"))
    shutil.rmtree(work / "data", ignore_errors=True)
    env = {**os.environ, "SOSDATA_DATA_DIR": str(work / "data"), "NO_COLOR": "1"}
    env.pop("SOSDATA_CONFIG", None)
    baselines = set(args.only or ["kanta_load", "submissions", "build", "statistics"])
    period = args.period
    result: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3),
            "python": platform.python_version(),
            "uptime_before": subprocess.run(
                ["uptime"], capture_output=True, text=True
            ).stdout.strip(),
        },
        "goals": GOALS,
    }
    try:
        result["synthesis"] = synthesise(args.synth, args.scale, args.seed, period, env)
        synth = Path(result["synthesis"]["folder"])
        extract = synth / "kanta" / "extract.parquet"
        deliveries = sorted((synth / "deliveries" / period).glob("*.zip"))

        setup = {"init": _brief(run([SOSDATA, "init"], env))}
        started = time.perf_counter()
        for notification in sorted((synth / "notifications").glob("*.json")):
            run(
                [
                    SOSDATA,
                    "notification",
                    "import",
                    str(notification),
                    "--submitted-at",
                    "2022-04-01T12:00",
                ],
                env,
            )
        setup["notifications_seconds"] = round(time.perf_counter() - started, 2)
        result["setup"] = setup

        stages: dict[str, Any] = {}
        load = run([SOSDATA, "kanta", "load", str(extract), "--period", period], env)
        stages["kanta_load"] = _brief(load)
        if "kanta_load" in baselines:
            derive = python(DERIVE, str(extract), period, env=env)
            read = python(READ_PARQUET, str(extract), env=env)
            stages["kanta_load"]["baselines"] = {
                "derivation_alone": _brief(derive),
                "polars_read": _brief(read),
            }
            stages["kanta_load"]["ratio_to_derivation"] = ratio(load, derive)
            stages["kanta_load"]["cpu_ratio_to_derivation"] = ratio(load, derive, "cpu_seconds")
            stages["kanta_load"]["ratio_to_polars_read"] = ratio(load, read)

        submissions = []
        for path in deliveries:
            submitted = run([SOSDATA, "submit", str(path), "--json"], env, ok=(0, 1))
            entry = {"file": path.name, "bytes": path.stat().st_size, **_brief(submitted)}
            outcome = json.loads(submitted["stdout"])
            entry["status"] = outcome["status"]
            entry["rows"] = sum(outcome["stored_rows"].values())
            entry["delivery_id"] = outcome["delivery_id"]
            if "submissions" in baselines:
                validated = run(
                    [
                        SOSDATA,
                        "validate",
                        str(path),
                        "--period",
                        period,
                        "--format",
                        "json",
                        "--output",
                        str(work / "report.json"),
                    ],
                    env,
                    ok=(0, 1),
                )
                read = python(READ_DELIVERY, str(path), env=env)
                entry["baselines"] = {
                    "validation": _brief(validated),
                    "polars_read": _brief(read),
                }
                entry["ratio_to_validation"] = ratio(submitted, validated)
                entry["cpu_ratio_to_validation"] = ratio(submitted, validated, "cpu_seconds")
                entry["ratio_to_polars_read"] = ratio(submitted, read)
            submissions.append(entry)
        stages["submissions"] = _submissions_summary(submissions)

        built = run([SOSDATA, "build", "--period", period, "--json"], env)
        stages["build"] = _brief(built)
        if "build" in baselines:
            rows = export_built(work / "data" / "register.duckdb", work / "built")
            (work / "copy.duckdb").unlink(missing_ok=True)
            copy = python(COPY_ROWS, str(work / "copy.duckdb"), str(work / "built"), env=env)
            stages["build"]["rows_written"] = rows
            stages["build"]["baselines"] = {"duckdb_copy_of_the_rows": _brief(copy)}
            stages["build"]["ratio_to_duckdb_copy"] = ratio(built, copy)
            stages["build"]["cpu_ratio_to_duckdb_copy"] = ratio(built, copy, "cpu_seconds")

        stats = run(
            [SOSDATA, "stats", "--period", period, "--format", "csv", "--out", str(work / "stats")],
            env,
        )
        stages["statistics"] = _brief(stats)
        if "statistics" in baselines:
            distinct = python(
                DISTINCT_PER_TASK, str(work / "data" / "register.duckdb"), period, env=env
            )
            stages["statistics"]["baselines"] = {"count_distinct_per_task": _brief(distinct)}
            stages["statistics"]["ratio_to_count_distinct"] = ratio(stats, distinct)
            stages["statistics"]["cpu_ratio_to_count_distinct"] = ratio(
                stats, distinct, "cpu_seconds"
            )

        largest = max(submissions, key=lambda s: s["rows"])
        stages["report_page"] = report_page_stage(env, largest["delivery_id"])
        result["stages"] = stages
        result["total"] = _total(stages)
        result["machine"]["uptime_after"] = subprocess.run(
            ["uptime"], capture_output=True, text=True
        ).stdout.strip()
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)


def _submissions_summary(submissions: list[dict[str, Any]]) -> dict[str, Any]:
    largest = max(submissions, key=lambda s: s["rows"])
    summary: dict[str, Any] = {
        "files": len(submissions),
        "rows": sum(s["rows"] for s in submissions),
        "seconds": round(sum(s["seconds"] for s in submissions), 2),
        "cpu_seconds": round(sum(s["cpu_seconds"] for s in submissions), 2),
        "peak_memory_gb": max(s["peak_memory_gb"] for s in submissions),
        "largest": largest["file"],
    }
    if "baselines" in largest:
        validation = sum(s["baselines"]["validation"]["seconds"] for s in submissions)
        validation_cpu = sum(s["baselines"]["validation"]["cpu_seconds"] for s in submissions)
        read = sum(s["baselines"]["polars_read"]["seconds"] for s in submissions)
        summary["baselines"] = {
            "validation_seconds": round(validation, 2),
            "validation_cpu_seconds": round(validation_cpu, 2),
            "polars_read_seconds": round(read, 2),
        }
        summary["ratio_to_validation"] = round(summary["seconds"] / validation, 2)
        summary["cpu_ratio_to_validation"] = round(summary["cpu_seconds"] / validation_cpu, 2)
        summary["ratio_to_polars_read"] = round(summary["seconds"] / read, 2)
        summary["largest_ratio_to_validation"] = largest["ratio_to_validation"]
        summary["worst_ratio_to_validation"] = max(s["ratio_to_validation"] for s in submissions)
    summary["each"] = submissions
    return summary


def _total(stages: dict[str, Any]) -> dict[str, Any]:
    measured = [s for s in stages.values() if "seconds" in s]
    seconds = round(sum(s["seconds"] for s in measured), 2)
    peak = max(s["peak_memory_gb"] for s in measured)
    met = {
        "total_seconds": seconds <= GOALS["total_seconds"],
        "peak_memory_gb": peak <= GOALS["peak_memory_gb"],
        "build_seconds": stages["build"]["seconds"] <= GOALS["build_seconds"],
    }
    if "ratio_to_validation" in stages["submissions"]:
        met["submission_to_validation"] = (
            stages["submissions"]["worst_ratio_to_validation"] <= GOALS["submission_to_validation"]
        )
    if "ratio_to_derivation" in stages["kanta_load"]:
        met["kanta_load_to_derivation"] = (
            stages["kanta_load"]["ratio_to_derivation"] <= GOALS["kanta_load_to_derivation"]
        )
    return {
        "seconds": seconds,
        "cpu_seconds": round(sum(s["cpu_seconds"] for s in measured), 2),
        "peak_memory_gb": peak,
        "goals_met": met,
    }


if __name__ == "__main__":
    main()
