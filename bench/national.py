"""Benchmark: a national quarter end to end, stage by stage, by command line and in one process.

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
the total. This path is the JSON's ``stages`` and ``total``.

The second path, ``server`` in the JSON, is the register as it runs in production: one
long-lived process (``sosdata serve``) holding one ``Register`` that runs every stage as a job.
Against a register of its own (set up the same way, not timed), ``bench/server_path.py`` runs
the same stages, and the Kanta load's and the submissions' baselines, in ONE process started by
this one; its ``startup`` (the process start, imports, opening the register) is measured apart
and is not part of the total; the first stage pays what a fresh server pays on its first job.
Peak memory is then the process's high-water mark during each stage (see that file). DuckDB's
COPY of the built rows and the ``count(DISTINCT)`` baseline run afterwards in processes of their
own, on that register's database, as here. ``--paths`` chooses the paths (default both).

Prints one JSON object; ``bench/speed_table.py`` turns it into the README's tables.

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

import national_baselines as baselines
import report_page
from national_figures import (
    GOALS,
    compare,
    submissions_summary,
    total,
)

BIN = Path(sys.executable).parent
SOSDATA = str(BIN / "sosdata")
PYTHON = sys.executable
BENCH = Path(__file__).resolve().parent


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


def python(name: str, *args: str, env: dict[str, str]) -> dict[str, Any]:
    """Baseline ``name`` (``bench/national_baselines.py``) run by this Python in its own
    process, measured like a stage."""
    return run([PYTHON, "-c", baselines.command(name), *args], _with_bench(env))


def _with_bench(env: dict[str, str]) -> dict[str, str]:
    """``env`` with this folder on ``PYTHONPATH`` (for the baselines and ``served``)."""
    paths = os.pathsep.join(p for p in (str(BENCH), env.get("PYTHONPATH")) if p)
    return {**env, "PYTHONPATH": paths}


def _brief(measured: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in measured.items() if k not in ("stdout", "exit")}


# ----------------------------------------------------------------------------- baselines


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


def copy_baseline(build: dict[str, Any], data: Path, work: Path, env: dict[str, str]) -> None:
    """DuckDB's COPY of the rows the build wrote (from the register in ``data``)."""
    rows = export_built(data / "register.duckdb", work / "built")
    (work / "copy.duckdb").unlink(missing_ok=True)
    copy = python("duckdb_copy_of_rows", str(work / "copy.duckdb"), str(work / "built"), env=env)
    build["rows_written"] = rows
    compare(build, duckdb_copy_of_the_rows=_brief(copy))


# ----------------------------------------------------------------------------- the web hook


def report_page_stage(env: dict[str, str], delivery_id: int, repeat: int = 20) -> dict[str, Any]:
    """The report page of the largest delivery as its organiser's user reads it in the portal
    (uvicorn on loopback, in a process of its own): the first request and ``repeat`` more. Its
    own milliseconds, not part of the total (the process also starts the server and signs in);
    the target is the portal's, p95 < 300 ms."""
    served = run(
        [PYTHON, "-c", report_page.COMMAND, str(delivery_id), str(repeat)], _with_bench(env)
    )
    return {
        **json.loads(served["stdout"]),
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


# ----------------------------------------------------------------------------- the paths

STAGES = ("kanta_load", "submissions", "build", "statistics")


def quarter_files(synth: Path, period: str) -> tuple[Path, list[Path]]:
    """The synthetic quarter's Kanta extract and its deliveries, in the order they are sent."""
    deliveries = sorted((synth / "deliveries" / period).glob("*.zip"))
    return synth / "kanta" / "extract.parquet", deliveries


def set_up(env: dict[str, str], synth: Path) -> dict[str, Any]:
    """A fresh register (``sosdata init``) holding the quarter's notifications."""
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
    return setup


def cli_path(
    env: dict[str, str], work: Path, synth: Path, period: str, baselines: set[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Every stage one ``sosdata`` process: the set-up's figures and the stages'."""
    extract, deliveries = quarter_files(synth, period)
    setup = set_up(env, synth)

    stages: dict[str, Any] = {}
    load = run([SOSDATA, "kanta", "load", str(extract), "--period", period], env)
    stages["kanta_load"] = _brief(load)
    if "kanta_load" in baselines:
        derive = python("derivation_alone", str(extract), period, env=env)
        read = python("polars_read_parquet", str(extract), env=env)
        compare(stages["kanta_load"], derivation_alone=_brief(derive), polars_read=_brief(read))

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
            read = python("polars_read_delivery", str(path), env=env)
            compare(entry, validation=_brief(validated), polars_read=_brief(read))
        submissions.append(entry)
    stages["submissions"] = submissions_summary(submissions)

    built = run([SOSDATA, "build", "--period", period, "--json"], env)
    stages["build"] = _brief(built)
    if "build" in baselines:
        copy_baseline(stages["build"], work / "data", work, env)

    stats = run(
        [SOSDATA, "stats", "--period", period, "--format", "csv", "--out", str(work / "stats")],
        env,
    )
    stages["statistics"] = _brief(stats)
    if "statistics" in baselines:
        _count_distinct_baseline(stages["statistics"], work / "data", period, env)

    largest = max(submissions, key=lambda s: s["rows"])
    stages["report_page"] = report_page_stage(env, largest["delivery_id"])
    return setup, stages


def _count_distinct_baseline(
    statistics: dict[str, Any], data: Path, period: str, env: dict[str, str]
) -> None:
    distinct = python("count_distinct_per_task", str(data / "register.duckdb"), period, env=env)
    compare(statistics, count_distinct_per_task=_brief(distinct))


def server_path(
    env: dict[str, str], work: Path, synth: Path, period: str, baselines: set[str]
) -> dict[str, Any]:
    """The register's one long-lived process (``bench/server_path.py``) against a register of
    its own in ``work``; the build's and the statistics' baselines afterwards, on its database."""
    work.mkdir(parents=True, exist_ok=True)
    data = work / "data"
    env = {**env, "SOSDATA_DATA_DIR": str(data)}
    setup = set_up(env, synth)
    extract, deliveries = quarter_files(synth, period)
    in_process = ",".join(s for s in STAGES if s in baselines)
    launched = time.time()
    process = run(
        [
            PYTHON,
            str(BENCH / "server_path.py"),
            "--extract",
            str(extract),
            "--period",
            period,
            "--out",
            str(work / "stats"),
            "--baselines",
            in_process,
            "--launched",
            repr(launched),
            "--deliveries",
            *(str(p) for p in deliveries),
        ],
        _with_bench(env),
    )
    measured = json.loads(process["stdout"])
    stages = measured["stages"]
    if "build" in baselines:
        copy_baseline(stages["build"], data, work, env)
    if "statistics" in baselines:
        _count_distinct_baseline(stages["statistics"], data, period, env)
    # report_page last, as on the command-line path
    stages["report_page"] = stages.pop("report_page")
    return {
        "setup": setup,
        "startup": measured["startup"],
        # the peak over every stage: the kernel's figure restarts with each stage's
        "process": {**_brief(process), "peak_memory_gb": measured["peak_memory_gb"]},
        "stages": stages,
        "total": total(stages),
    }


# ----------------------------------------------------------------------------- the run


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="national")
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--period", default="2023Q1")
    parser.add_argument(
        "--synth", type=Path, required=True, help="Folder caching the synthetic quarter."
    )
    parser.add_argument("--work", type=Path, help="Folder for the registers (default: /tmp).")
    parser.add_argument("--keep", action="store_true", help="Keep the registers afterwards.")
    parser.add_argument("--out", type=Path, help="Also write the JSON here.")
    parser.add_argument(
        "--only",
        choices=list(STAGES),
        action="append",
        help="Measure only these stages' baselines (every stage still runs).",
    )
    parser.add_argument(
        "--paths",
        default="cli,server",
        help="The paths to measure, comma-separated: cli (one process per stage), server "
        "(the register's one long-lived process). Default: both.",
    )
    args = parser.parse_args()
    paths = [p.strip() for p in args.paths.split(",") if p.strip()]
    if not paths or set(paths) - {"cli", "server"}:
        parser.error(f"--paths {args.paths!r}: choose cli, server or cli,server")
    work = args.work or Path(tempfile.mkdtemp(prefix="sosdata-bench-national-", dir="/tmp"))
    shutil.rmtree(work / "data", ignore_errors=True)
    shutil.rmtree(work / "server", ignore_errors=True)
    env = {**os.environ, "SOSDATA_DATA_DIR": str(work / "data"), "NO_COLOR": "1"}
    env.pop("SOSDATA_CONFIG", None)
    baselines = set(args.only or STAGES)
    period = args.period
    result: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3),
            "python": platform.python_version(),
            "uptime_before": _uptime(),
        },
        "goals": GOALS,
    }
    try:
        result["synthesis"] = synthesise(args.synth, args.scale, args.seed, period, env)
        synth = Path(result["synthesis"]["folder"])
        if "cli" in paths:
            result["setup"], result["stages"] = cli_path(env, work, synth, period, baselines)
            result["total"] = total(result["stages"])
        if "server" in paths:
            result["server"] = server_path(env, work / "server", synth, period, baselines)
        result["machine"]["uptime_after"] = _uptime()
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
