"""Speed of the portal's report page: a 5 M-row delivery with 50 000 issues, any filter or page.

Stores (in a temporary data directory) one delivery of ``--rows`` rows over the four components
with ``--issues`` issues spread over five rules, four files and every line — written straight
into the register's tables, as ``submit`` leaves them (the page reads the delivery's facts,
components and issues, never its person rows, so their volume does not enter). Then serves the
portal with uvicorn on loopback, signs in, and asks ``--requests`` report pages round robin over
views (first page, a deep page, filtered by rule, by file sorted by rule descending, warnings
only, a page of the API's issues), timing each over HTTP. In the same run, the baselines: the
server's cheapest answer (``/api/v1/health``: HTTP and the framework) and the core's verb alone
(``Register.delivery_issues``, in process). Prints JSON; the target is p95 < 300 ms.

    flock /tmp/sosdata-heavy.lock .venv/bin/python bench/web_report.py
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import polars as pl
from served import served  # bench/ is on the path of a script run from it

from sosdata.app import Register, Role
from sosdata.config import Settings
from sosdata.delivery.stored_issues import StoredIssues
from sosdata.register import store
from sosdata.register.deliveries import IssueFilter
from sosdata.register.submit import store_issues
from sosdata.web import create_app

ORGANISER = "1.2.246.10.9999901.10.0"
SHARES = {
    "asiakkuusjaksot": 0.5,
    "lastensuojelu": 0.06,
    "palvelupaatokset": 0.24,
    "palvelutiedot": 0.2,
}
RULES = (
    ("HETU_CHECKSUM", "error", "henkilotunnus", "Henkilötunnus 010150-****: tarkistusmerkki."),
    ("MUNICIPALITY_UNKNOWN", "error", "kotikunta", "Kotikunta 999 ei ole kuntakoodi."),
    ("DATE_INVALID", "error", "alkupvm", "alkupvm 2023-02-30 ei ole päivämäärä."),
    ("HETU_TEMPORARY", "warning", "henkilotunnus", "Henkilötunnus 010150-**** on tilapäinen."),
    ("DUPLICATE_ROW", "warning", None, "Rivi on kopio aiemmasta rivistä."),
)
VIEWS = {
    "first page": {},
    "deep page": {"page": "400"},
    "by rule": {"rule": "MUNICIPALITY_UNKNOWN"},
    "by file, sorted by rule descending": {
        "file": "palvelupaatokset.csv",
        "sort": "rule",
        "order": "desc",
    },
    "warnings, page 10": {"severity": "warning", "page": "10"},
}
PASSWORD = "bench-password-1"


def seed(settings: Settings, rows: int, issues: int, rng: np.random.Generator) -> int:
    with Register(settings, purpose="bench set-up") as register:
        register.initialise("keeper")
        keeper = register.actor("keeper")
        register.add_user(keeper, "anna", role=Role.ORGANISER, organiser=ORGANISER)
        register.set_password(keeper, "anna", PASSWORD)
    report = {"accepted": True, "period": "2023Q1", "organiser": ORGANISER, "components": {}}
    with store.opened(settings) as conn:
        conn.execute(
            "INSERT INTO deliveries VALUES (1, ?, 'Koko alue', '2023Q1', now()::TIMESTAMP, false, "
            "'accepted', 'bench', 'bench.zip', 'anna', NULL, ?)",
            [ORGANISER, json.dumps(report)],
        )
        for name, share in SHARES.items():
            n = int(rows * share)
            conn.execute(
                "INSERT INTO delivery_components VALUES (1, ?, ?, ?, ?, '{}', true)",
                [name, n, n - issues // 10, issues // 10],
            )
        names = list(SHARES)
        which = rng.integers(0, len(RULES), issues)
        component = rng.integers(0, len(names), issues)
        frame = pl.DataFrame(
            {
                "rule": [RULES[i][0] for i in which],
                "severity": [RULES[i][1] for i in which],
                "component": [names[i] for i in component],
                "file": [f"{names[i]}.csv" for i in component],
                "line": rng.integers(2, int(rows * 0.5), issues),
                "column": [RULES[i][2] for i in which],
                "message": [RULES[i][3] for i in which],
            }
        )
        store_issues(conn, StoredIssues.of(frame), 1)
    return 1


def percentiles(seconds: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in seconds)
    return {
        "n": len(ms),
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(ms[max(0, int(len(ms) * 0.95) - 1)], 1),
        "max_ms": round(ms[-1], 1),
    }


def timed(call, n: int) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        out.append(time.perf_counter() - started)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--issues", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    rng = np.random.default_rng(16)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data")
        delivery = seed(settings, args.rows, args.issues, rng)
        register = Register(settings, purpose="bench")
        app = create_app(settings, register=register)
        with served(app) as base, httpx.Client(base_url=base, timeout=60) as client:
            page = client.get("/sign-in").text
            csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
            client.post(
                "/sign-in", data={"user_id": "anna", "password": PASSWORD, "csrf_token": csrf}
            )
            for params in VIEWS.values():  # warm up: templates, first queries
                assert client.get(f"/deliveries/{delivery}", params=params).status_code == 200
            per_view: dict[str, list[float]] = {name: [] for name in VIEWS}
            api: list[float] = []
            names = list(VIEWS)
            for i in range(args.requests):
                name = names[i % len(names)]
                started = time.perf_counter()
                answer = client.get(f"/deliveries/{delivery}", params=VIEWS[name])
                per_view[name].append(time.perf_counter() - started)
                assert answer.status_code == 200
                if i % len(names) == 0:
                    started = time.perf_counter()
                    client.get(
                        f"/api/v1/deliveries/{delivery}/issues",
                        params={"rule": "HETU_CHECKSUM", "offset": 500, "limit": 100},
                    )
                    api.append(time.perf_counter() - started)
            health = timed(lambda: client.get("/api/v1/health"), 100)
        actor = register.actor("anna")
        core_alone = timed(
            lambda: register.delivery_issues(
                actor, delivery, IssueFilter(rule="MUNICIPALITY_UNKNOWN"), offset=0, limit=50
            ),
            100,
        )
        register.close()
    every = [s for v in per_view.values() for s in v]
    result = {
        "bench": "web report page",
        "rows": args.rows,
        "issues": args.issues,
        "report_page": percentiles(every),
        "report_page_by_view": {name: percentiles(v) for name, v in per_view.items()},
        "api_issues_page": percentiles(api),
        "baseline_health": percentiles(health),
        "baseline_core_verb_alone": percentiles(core_alone),
        "target_p95_ms": 300,
        "meets_target": percentiles(every)["p95_ms"] < 300,
        "ratio_page_p50_to_core_p50": round(
            statistics.median(every) / statistics.median(core_alone), 2
        ),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load": os.getloadavg(),
        },
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
