"""Benchmark: the county's self-check of the largest county on a national quarter.

Uses the national register of ``bench/stats.py`` (generated once into its cache), marks both
quarters as built, publishes the previous quarter (timed apart) and then times the self-check
of the organiser with the most clients as the web server answers it: the quarter's tables are
computed and suppressed over the whole register as the build's last stage (``Register`` with
``keep_tables``; timed apart, it is the build's cost), then the first self-check after the build
and a second one (any organiser) only restrict the kept tables to the organiser's area and compare
them with the previous quarter's publication. Baseline in the same run: one plain
``count(DISTINCT pseudonym)`` per service task over the organiser's rows. Prints JSON.

    flock /tmp/sosdata-heavy.lock .venv/bin/python bench/selfcheck.py [--persons 1200000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from stats import cached_register, open_register  # noqa: E402

from sosdata import organisers  # noqa: E402
from sosdata.config import Settings  # noqa: E402
from sosdata.periods import Quarter  # noqa: E402
from sosdata.statistics import publish, selfcheck, tables  # noqa: E402

#: the requirement: the self-check of the largest county within this many seconds
TARGET_S = 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_200_000, help="clients per quarter")
    parser.add_argument("--quarter", default="2024Q2")
    parser.add_argument("--regenerate", action="store_true", help="generate the register again")
    args = parser.parse_args()
    quarter = Quarter.parse(args.quarter)
    work = Path(tempfile.mkdtemp(prefix="sosdata-bench-selfcheck-", dir="/tmp"))
    settings = Settings(data_dir=work / "data")
    generated, rows = cached_register(
        [quarter.previous(), quarter], args.persons, not args.regenerate
    )
    conn = open_register(work, generated)
    for build_id, q in enumerate((quarter.previous(), quarter), start=1):
        conn.execute(
            "INSERT INTO builds VALUES (?, ?, ?, 'bench', true, '{}')",
            [build_id, str(q), dt.datetime.now()],
        )
    started = time.perf_counter()
    publish.publish(conn, settings, quarter.previous(), None, published_by="bench")
    previous_published = time.perf_counter() - started

    largest, clients = conn.execute(
        "SELECT jarjestaja, count(DISTINCT pseudonym) FROM register_asiakkuusjaksot "
        "WHERE quarter = ? GROUP BY ALL ORDER BY 2 DESC LIMIT 1",
        [str(quarter)],
    ).fetchone()  # type: ignore[misc]
    organiser = organisers.load().get(largest)
    assert organiser is not None
    started = time.perf_counter()
    conn.execute(
        "SELECT palvelutehtava, count(DISTINCT pseudonym) FROM register_asiakkuusjaksot "
        "WHERE quarter = ? AND jarjestaja = ? GROUP BY ALL",
        [str(quarter), largest],
    ).fetchall()
    baseline = time.perf_counter() - started

    kept: dict[tuple[str, int], list[tables.Table]] = {}

    def tables_of(period: Quarter, build_id: int) -> list[tables.Table]:  # as Register keeps
        key = (str(period), build_id)
        if key not in kept:
            kept[key] = tables.compute(conn, period, settings, with_trend=False)
        return kept[key]

    # the web server computes a build's tables as the build's last stage (Register.keep_tables)
    started = time.perf_counter()
    tables_of(quarter, 2)
    prepared_s = time.perf_counter() - started
    started = time.perf_counter()
    cold = selfcheck.self_check(conn, settings, organiser, quarter, tables_of)
    cold_s = time.perf_counter() - started
    started = time.perf_counter()
    warm = selfcheck.self_check(conn, settings, organiser, quarter, tables_of)
    warm_s = time.perf_counter() - started
    assert [t.rows.equals(u.rows) for t, u in zip(cold.tables, warm.tables, strict=True)]
    print(
        json.dumps(
            {
                "benchmark": "self-check of the largest county, national quarter",
                "machine_cores": os.cpu_count(),
                "persons_per_quarter": args.persons,
                "rows": rows,
                "organiser": largest,
                "county": organiser.county,
                "clients_of_organiser": clients,
                "previous_quarter_published_s": round(previous_published, 2),
                "baseline_count_distinct_s": round(baseline, 3),
                "tables_prepared_by_the_build_s": round(prepared_s, 2),
                "first_after_build_s": round(cold_s, 3),
                "again_s": round(warm_s, 3),
                "ratio_first_to_baseline": round(cold_s / baseline, 1),
                "target_s": TARGET_S,
                "target_met": max(cold_s, warm_s) <= TARGET_S,
                "tables": len(cold.tables),
                "cells_shown": sum(t.rows.height for t in cold.tables),
                "flagged": sum(t.flagged for t in cold.tables),
                "previous_source": cold.previous_source,
                "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
