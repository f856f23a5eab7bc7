"""The server path of ``bench/national.py``: a national quarter in one long-lived process, as
``sosdata serve`` runs it.

The web server holds one :class:`sosdata.app.Register` and runs the Kanta load, every upload,
the build and the publication as jobs of that one register. This process does the same, in
turn, on a register that ``bench/national.py`` has initialised (``SOSDATA_DATA_DIR``): it
imports what the server imports, opens the register and makes the web application (the
``startup``, measured from the moment the bench launched this process), then times each stage
and, right after it, that stage's baselines in this same process:

- ``kanta_load``: ``Register.load_kanta``; baselines: the derivation alone, a bare Polars read;
- ``submissions``: ``Register.submit`` of each delivery as the keeper; baselines: its
  ``Register.check`` (the portal's validation: the job that validates the file and gives its
  report's JSON form, as ``sosdata validate --format json`` does on the other path), a bare
  Polars read of its CSV files;
- ``build``: ``Register.build`` (its DuckDB COPY baseline runs afterwards in a process of its
  own, started by the bench on this register's database);
- ``statistics``: ``Register.publish`` as CSV (what ``sosdata stats`` calls; the
  ``count(DISTINCT)`` baseline likewise runs afterwards);
- ``report_page``: the largest delivery's report page, served by this process over loopback.

After the Kanta load, after the last submission and after the build the server's writer would
be idle and checkpoint its database (``Register.checkpoint``, see ``app.jobs.WriterThread``):
that checkpoint is timed right there and is part of the stage (``checkpoint_seconds`` beside).

No warm-up: the first stage pays what a fresh server pays on its first job (the modules it
imports on first use, numba loading its cached compiled functions), and its baselines, run
after it, do not. Per stage: wall seconds (``perf_counter``), CPU seconds of every thread
(``getrusage(RUSAGE_SELF)``), the process's peak resident memory during the stage (the kernel's
high-water mark ``VmHWM``, reset before the stage by writing 5 to ``/proc/self/clear_refs``;
Linux 4.0 or later) and, beside it, what was already resident before the stage. Prints one
JSON object on standard output; everything else goes to standard error.

    python bench/server_path.py --extract E --period 2023Q1 --deliveries D --out O \\
        --launched $(date +%s.%N)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import national_baselines as baselines
from national_figures import add_checkpoint, compare, submissions_summary

T = TypeVar("T")
GB_IN_KB = 1024**2


def _status_kb(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise SystemExit(f"/proc/self/status: no {field}")


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Meter:
    """Measures stages run in this process, one after another, and keeps the process's peak
    resident memory over all of them (the kernel's own figure, ``wait4``'s ``ru_maxrss``, is
    the high-water mark too, so it forgets what came before each reset)."""

    def __init__(self) -> None:
        self.peak_kb = _status_kb("VmHWM")

    def measure(self, work: Callable[[], T]) -> tuple[T, dict[str, Any]]:
        """Run ``work``: its result, and its wall and CPU seconds and the process's peak
        resident memory while it ran (with the load average and resident memory before)."""
        load = [round(x, 2) for x in os.getloadavg()]
        resident = _status_kb("VmRSS")
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")  # the high-water mark starts again from what is resident now
        cpu, started = _cpu_seconds(), time.perf_counter()
        result = work()
        seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
        peak = _status_kb("VmHWM")
        self.peak_kb = max(self.peak_kb, peak)
        return result, {
            "seconds": round(seconds, 2),
            "cpu_seconds": round(cpu, 2),
            "peak_memory_gb": round(peak / GB_IN_KB, 2),
            "resident_before_gb": round(resident / GB_IN_KB, 2),
            "load_before": load,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extract", type=Path, required=True)
    parser.add_argument("--period", required=True)
    parser.add_argument("--deliveries", type=Path, nargs="+", required=True)
    parser.add_argument("--out", type=Path, required=True, help="Folder for the statistics.")
    parser.add_argument("--launched", type=float, required=True, help="time.time() at launch.")
    parser.add_argument("--baselines", default="kanta_load,submissions")
    parser.add_argument("--report-repeat", type=int, default=20)
    args = parser.parse_args()
    with contextlib.redirect_stdout(sys.stderr):
        result = run(args)
    print(json.dumps(result))


def run(args: argparse.Namespace) -> dict[str, Any]:
    # what ``sosdata serve`` does before its first request: its imports, the register opened,
    # the web application made
    from sosdata.app import Register
    from sosdata.config import load_settings
    from sosdata.periods import Quarter
    from sosdata.register.users import os_user
    from sosdata.web import create_app

    register = Register(load_settings(), purpose="bench")
    register.connection  # noqa: B018 - opened now, as the server opens it
    app = create_app(register.settings, register=register)
    keeper = register.actor(os_user())
    period = Quarter.parse(args.period)
    startup = {
        "seconds": round(time.time() - args.launched, 2),
        "cpu_seconds": round(_cpu_seconds(), 2),
        "peak_memory_gb": round(_status_kb("VmHWM") / GB_IN_KB, 2),
    }
    wanted = set(args.baselines.split(",")) if args.baselines else set()
    meter = Meter()
    measure = meter.measure
    stages: dict[str, Any] = {}

    def checkpointed(figures: dict[str, Any]) -> dict[str, Any]:
        _, checkpoint = measure(register.checkpoint)
        return add_checkpoint(figures, checkpoint)

    try:
        _, stages["kanta_load"] = measure(lambda: register.load_kanta(keeper, args.extract, period))
        checkpointed(stages["kanta_load"])
        if "kanta_load" in wanted:
            _, derive = measure(lambda: baselines.derivation_alone(args.extract, str(period)))
            _, read = measure(lambda: baselines.polars_read_parquet(args.extract))
            compare(stages["kanta_load"], derivation_alone=derive, polars_read=read)

        submissions = []
        for path in args.deliveries:
            outcome, figures = measure(partial(register.submit, keeper, path))
            entry = {"file": path.name, "bytes": path.stat().st_size, **figures}
            entry["status"] = outcome.status
            entry["rows"] = sum(outcome.stored_rows.values())
            entry["delivery_id"] = outcome.delivery_id
            if "submissions" in wanted:
                _, validated = measure(partial(register.check, keeper, path, period=period))
                _, read = measure(partial(baselines.polars_read_delivery, path))
                compare(entry, validation=validated, polars_read=read)
            submissions.append(entry)
        _, checkpoint = measure(register.checkpoint)
        stages["submissions"] = submissions_summary(submissions, checkpoint)

        _, stages["build"] = measure(lambda: register.build(keeper, period))
        checkpointed(stages["build"])
        _, stages["statistics"] = measure(
            lambda: register.publish(keeper, period, args.out, fmt="csv", lang="fi")
        )

        from report_page import read_report_page

        largest = max(submissions, key=lambda s: s["rows"])
        page, figures = measure(
            lambda: read_report_page(register, app, largest["delivery_id"], args.report_repeat)
        )
        stages["report_page"] = {
            **page,
            "server_process_peak_memory_gb": figures["peak_memory_gb"],
            "load_before": figures["load_before"],
        }
    finally:
        register.close()
    return {
        "startup": startup,
        "stages": stages,
        "peak_memory_gb": round(meter.peak_kb / GB_IN_KB, 2),
    }


if __name__ == "__main__":
    main()
