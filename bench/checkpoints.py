"""A quarter's submissions in one process, checkpointing at DuckDB's default threshold and at the
register's: the work that batching checkpoints saves.

DuckDB writes its log into the database file (a checkpoint) once the log passes a threshold:
16 MB by default, ``store.CHECKPOINT_THRESHOLD`` in the register, whose server checkpoints
once its writer is idle instead. Against one register with the quarter's Kanta extract loaded
(set up once, not timed), each variant runs in a fresh process on a copy of it: every delivery
of the quarter through ``Register.submit`` (the time in each submission's ``committing`` stage
summed apart), then one ``Register.checkpoint`` — what the server's writer does once idle. The
JSON gives both variants and the register's total as a ratio to DuckDB's default's:

    flock /tmp/sosdata-heavy.lock .venv/bin/python bench/checkpoints.py --synth /work/cache-national
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from national import SOSDATA, quarter_files, run, set_up, synthesise
from national_figures import quotient

#: DuckDB's own default, the baseline
DUCKDB_DEFAULT = "16MB"


def submit_all(data: Path, deliveries: list[Path], threshold: str | None) -> dict[str, Any]:
    """In this process: submit ``deliveries`` to the register in ``data``, then checkpoint."""
    os.environ["SOSDATA_DATA_DIR"] = str(data)
    from sosdata.app import Register
    from sosdata.config import load_settings
    from sosdata.register import store
    from sosdata.register.users import os_user

    committing = 0.0
    entered: list[float] = []

    def progress(step: Any) -> None:
        if step.stage == "committing":
            entered.append(time.perf_counter())

    with Register(load_settings(), purpose="bench") as register:
        if threshold is not None:
            register.connection.execute(f"SET checkpoint_threshold = '{threshold}'")
        keeper = register.actor(os_user())
        started = time.perf_counter()
        for path in deliveries:
            entered.clear()
            register.submit(keeper, path, progress=progress)
            committing += time.perf_counter() - entered[-1]
        submissions = time.perf_counter() - started
        started = time.perf_counter()
        register.checkpoint()
        checkpoint = time.perf_counter() - started
    return {
        "threshold": threshold or store.CHECKPOINT_THRESHOLD,
        "files": len(deliveries),
        "submissions_seconds": round(submissions, 2),
        "committing_seconds": round(committing, 2),
        "checkpoint_after_seconds": round(checkpoint, 2),
        "seconds": round(submissions + checkpoint, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synth", type=Path, help="Folder caching the synthetic quarter.")
    parser.add_argument("--scale", default="national")
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--period", default="2023Q1")
    parser.add_argument("--variant", help=argparse.SUPPRESS)  # DATA THRESHOLD DELIVERY…
    args, rest = parser.parse_known_args()
    if args.variant:
        threshold = None if args.variant == "register" else args.variant
        print(json.dumps(submit_all(Path(rest[0]), [Path(p) for p in rest[1:]], threshold)))
        return
    if args.synth is None:
        parser.error("--synth is required")
    work = Path(tempfile.mkdtemp(prefix="sosdata-bench-checkpoints-", dir="/tmp"))
    try:
        env = {**os.environ, "SOSDATA_DATA_DIR": str(work / "loaded"), "NO_COLOR": "1"}
        env.pop("SOSDATA_CONFIG", None)
        synth = Path(synthesise(args.synth, args.scale, args.seed, args.period, env)["folder"])
        set_up(env, synth)
        extract, deliveries = quarter_files(synth, args.period)
        run([SOSDATA, "kanta", "load", str(extract), "--period", args.period], env)
        result: dict[str, Any] = {}
        for name, variant in (("duckdb_default", DUCKDB_DEFAULT), ("register", "register")):
            data = work / name
            shutil.copytree(work / "loaded", data)
            (data / "writer.lock").unlink(missing_ok=True)
            done = subprocess.run(
                [sys.executable, __file__, "--variant", variant, str(data), *map(str, deliveries)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            result[name] = json.loads(done.stdout)
        result["ratio_to_duckdb_default"] = quotient(
            result["register"]["seconds"], result["duckdb_default"]["seconds"]
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
