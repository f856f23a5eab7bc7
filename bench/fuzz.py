"""The long fuzzing run: every target of ``tests/fuzz/targets.py`` (the delivery reader as a
single CSV and as a ZIP, the manifest, the validator through them, the Kanta reader) with many
more cases than ``make test`` runs. Prints JSON: per target the cases tried, the crashes found
(each with its failing case, to become a regression case in ``tests/fuzz/test_fuzz.py``) and
the seconds taken; the baseline is the bounded run's case count.

    flock /tmp/sosdata-heavy.lock .venv/bin/python bench/fuzz.py --cases 2000
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import sys
import tempfile
import time
import traceback
from pathlib import Path

from hypothesis import HealthCheck, given, seed, settings

HERE = Path(__file__).resolve().parent
BOUNDED_CASES = 40  # what tests/fuzz/test_fuzz.py tries per target


def _targets():
    path = HERE.parent / "tests" / "fuzz" / "targets.py"
    spec = importlib.util.spec_from_file_location("fuzz_targets", path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules["fuzz_targets"] = module
    spec.loader.exec_module(module)
    return module.TARGETS


def run(name: str, strategy, target, cases: int, seed_value: int) -> dict:
    tried = 0
    crashes: list[dict] = []

    @settings(
        max_examples=cases,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=True,
    )
    @seed(seed_value)
    @given(case=strategy)
    def fuzz(case) -> None:
        nonlocal tried
        tried += 1
        with tempfile.TemporaryDirectory() as folder:
            try:
                target(case, Path(folder))
            except Exception as exc:
                if len(crashes) < 20:
                    crashes.append(
                        {
                            "error": f"{type(exc).__name__}: {str(exc)[:300]}",
                            "where": traceback.format_exc(limit=-3)[-800:],
                            "case": repr(case)[:500],
                        }
                    )

    started = time.perf_counter()
    fuzz()
    return {
        "target": name,
        "cases": tried,
        "crashes": len(crashes),
        "crash_cases": crashes,
        "seconds": round(time.perf_counter() - started, 1),
        "cases_vs_make_test": round(tried / BOUNDED_CASES, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=2000, help="cases per target")
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--only", nargs="*", help="target names")
    args = parser.parse_args()
    targets = _targets()
    results = [
        run(name, strategy, target, args.cases, args.seed)
        for name, (strategy, target) in targets.items()
        if not args.only or name in args.only
    ]
    print(
        json.dumps(
            {
                "benchmark": "fuzz",
                "python": platform.python_version(),
                "cases_per_target": args.cases,
                "seed": args.seed,
                "total_cases": sum(r["cases"] for r in results),
                "total_crashes": sum(r["crashes"] for r in results),
                "targets": results,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
