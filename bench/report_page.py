"""The portal's page of one delivery's report, read by its organiser's user over loopback: the
report-page figure of ``bench/national.py`` (both paths)."""

from __future__ import annotations

import statistics
import time
from typing import Any

TARGET_P95_MS = 300


def read_report_page(register: Any, app: Any, delivery: int, repeat: int) -> dict[str, Any]:
    """Serve ``app`` (made on ``register``), sign a new organiser's user of ``delivery`` in and
    read the delivery's page ``repeat`` + 1 times: the first request's milliseconds, and the
    median and 95th percentile of the rest."""
    import httpx
    from served import served

    from sosdata.app import Role
    from sosdata.register.users import os_user

    keeper = register.actor(os_user())
    organiser = register.delivery(keeper, delivery)["organiser"]
    register.add_user(keeper, "bench-county", role=Role.ORGANISER, organiser=organiser)
    register.set_password(keeper, "bench-county", "bench-password-1")
    with served(app) as base, httpx.Client(base_url=base, timeout=120) as client:
        page = client.get("/sign-in").text
        csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
        client.post(
            "/sign-in",
            data={
                "user_id": "bench-county",
                "password": "bench-password-1",
                "csrf_token": csrf,
            },
        )
        times = []
        for _ in range(repeat + 1):
            started = time.perf_counter()
            answer = client.get(f"/deliveries/{delivery}")
            times.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 200:
                raise SystemExit(f"/deliveries/{delivery}: status {answer.status_code}")
    first, rest = times[0], sorted(times[1:])
    return {
        "first_ms": round(first, 1),
        "p50_ms": round(statistics.median(rest), 1),
        "p95_ms": round(rest[max(0, round(0.95 * len(rest)) - 1)], 1),
        "requests": repeat + 1,
        "target_p95_ms": TARGET_P95_MS,
    }


#: the command-line path's report page: a process of its own opening the register
COMMAND = """
import json, sys
from report_page import read_report_page
from sosdata.app import Register
from sosdata.config import load_settings
from sosdata.web import create_app

with Register(load_settings(), purpose="bench") as register:
    app = create_app(register.settings, register=register)
    print(json.dumps(read_report_page(register, app, int(sys.argv[1]), int(sys.argv[2]))))
"""
