"""Load on the portal and the APIs: locust, headless, on loopback, bounded in users and time.

Makes (in a temporary folder) a register of two counties' organisers, each with a delivery of
``--rows`` synthetic rows (temporary identity codes only; 1 % of the rows with an unknown home
municipality, so the report has issues to show), builds and publishes its quarter, and starts
``sosdata serve`` on a free loopback port in its own process. Then locust (its own process,
headless) runs ``--users`` visitors for ``--seconds`` (``bench/locust/portal_users.py``): readers
of the report page, the deliveries list, the public statistics pages and PxWeb ``/data``, and a
few senders of small deliveries (dry runs and stored, in turn) who follow each job until done.
The baseline, in the same run and under the same load: ``/api/v1/health``.

Prints JSON: per kind of request its count, failures, p50/p95/p99 in ms and requests per
second, counted once every visitor has started (``--reset-stats``: the ramp-up's sign-ins are
left out); the machine (processors, load average before and after). Exits non-zero when any
request failed.

    flock /tmp/sosdata-heavy.lock .venv/bin/python bench/web_load.py [--users 50 --seconds 60]
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import polars as pl

from sosdata import organisers
from sosdata.app import Register, Role
from sosdata.config import Settings

HERE = Path(__file__).resolve().parent
USERS_FILE = HERE / "locust" / "portal_users.py"
COUNTIES = ("01", "02")
UPLOAD_ROWS = 200


def _register_bench():
    """``bench/register.py``: its synthetic delivery generator."""
    spec = importlib.util.spec_from_file_location("bench_register", HERE / "register.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _package(gen, folder: Path, org, rows: int, rng, *, broken: float = 0.0) -> Path:
    people = gen.persons(max(rows // 3, 500), rng)
    frames = {}
    for name, share in gen.SHARES.items():
        frame = gen.component_rows(name, max(int(rows * share), 1), people, org, rng)
        if broken:
            unknown = pl.Series(rng.random(frame.height) < broken)
            frame = frame.with_columns(
                kotikunta=pl.when(unknown).then(pl.lit("999")).otherwise(pl.col("kotikunta"))
            )
        frames[name] = frame
    gen.write_delivery(folder, frames, org)
    return Path(shutil.make_archive(str(folder), "zip", folder))


def set_up(work: Path, rows: int) -> tuple[Settings, list[dict]]:
    gen = _register_bench()
    rng = np.random.default_rng(19)
    settings = Settings(data_dir=work / "data")
    people = []
    with Register(settings, purpose="load test set-up") as register:
        register.initialise("keeper")
        keeper = register.actor("keeper")
        for county in COUNTIES:
            org = organisers.load().for_county(county)
            assert org is not None
            user_id = f"team-{county}"
            password = f"{user_id}-password-1"
            register.add_user(keeper, user_id, role=Role.ORGANISER, organiser=org.oid)
            register.set_password(keeper, user_id, password)
            _token, secret = register.create_token(keeper, user_id, "load test")
            big = _package(gen, work / f"delivery-{county}", org, rows, rng, broken=0.01)
            delivered = register.submit(keeper, big)
            small = _package(gen, work / f"upload-{county}", org, UPLOAD_ROWS, rng)
            people.append(
                {
                    "user_id": user_id,
                    "password": password,
                    "token": secret,
                    "delivery": delivered.delivery_id,
                    "package": str(small.with_suffix("")),  # the folder: each upload differs
                }
            )
        register.build(keeper, gen.PERIOD)
        register.publish(keeper, gen.PERIOD)
    return settings, people


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(settings: Settings, port: int) -> subprocess.Popen:
    sosdata = Path(sys.executable).with_name("sosdata")
    command = [str(sosdata), "--data-dir", str(settings.data_dir), "serve", "--port", str(port)]
    log = open(settings.data_dir.parent / "server.log", "wb")  # noqa: SIM115 - the server's
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the server did not start: " + _log(settings))


def _log(settings: Settings) -> str:
    """The end of what the server wrote to its standard error (its log)."""
    return (settings.data_dir.parent / "server.log").read_text(errors="replace")[-4000:]


def _tables(base: str, quarter: str) -> tuple[list[str], list[str]]:
    page = httpx.get(f"{base}/statistics/{quarter}", timeout=60).text
    tables = sorted(set(re.findall(rf'href="/statistics/{quarter}/([^/"?]+)"', page)) - {"charts"})
    listed = httpx.get(f"{base}/api/v2/tables", params={"pageSize": 1000}, timeout=60).json()
    return tables, [t["id"] for t in listed["tables"]]


def _ms(text: str) -> float | None:
    return None if text in ("", "N/A") else float(text)


def _results(prefix: Path) -> dict:
    kinds = {}
    with open(f"{prefix}_stats.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            name = row["Name"] if row["Type"] else "all requests"
            kinds[name] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "p50_ms": _ms(row["50%"]),
                "p95_ms": _ms(row["95%"]),
                "p99_ms": _ms(row["99%"]),
                "requests_per_second": round(float(row["Requests/s"]), 2),
            }
    return kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--senders", type=int, default=4, help="of the users, those who upload")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--rows", type=int, default=20_000, help="rows of each county's delivery")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        settings, people = set_up(work, args.rows)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = _serve(settings, port)
        try:
            quarter = "2023Q1"
            tables, px_tables = _tables(base, quarter)
            config = work / "load.json"
            config.write_text(
                json.dumps(
                    {
                        "organisers": people,
                        "quarter": quarter,
                        "tables": tables,
                        "px_tables": px_tables,
                        "readers": args.users - args.senders,
                        "senders": args.senders,
                    }
                ),
                encoding="utf-8",
            )
            load_before = os.getloadavg()
            prefix = work / "locust"
            locust = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "locust",
                    "-f",
                    str(USERS_FILE),
                    "--headless",
                    "--host",
                    base,
                    "--users",
                    str(args.users),
                    "--spawn-rate",
                    str(args.spawn_rate),
                    "--run-time",
                    f"{args.seconds}s",
                    "--stop-timeout",
                    "30",
                    "--csv",
                    str(prefix),
                    "--only-summary",
                    # the figures are of the steady state: counted once every visitor has
                    # started (the ramp-up's sign-ins, argon2 hashes queued, are left out)
                    "--reset-stats",
                    "--loglevel",
                    "WARNING",
                ],
                env=os.environ | {"SOSDATA_LOAD_CONFIG": str(config)},
                capture_output=True,
                text=True,
                timeout=args.seconds + 300,
            )
            load_after = os.getloadavg()
            kinds = _results(prefix)
            with open(f"{prefix}_failures.csv", encoding="utf-8") as f:
                failed = list(csv.DictReader(f))[:20]
            alive = httpx.get(f"{base}/api/v1/health", timeout=10).status_code == 200
        finally:
            server.terminate()
            server.wait(timeout=60)
        server_log = _log(settings)
    failures = sum(k["failures"] for name, k in kinds.items() if name != "all requests")
    print(
        json.dumps(
            {
                "bench": "load on the portal and the APIs (locust, loopback)",
                "users": args.users,
                "senders": args.senders,
                "seconds": args.seconds,
                "rows_per_county_delivery": args.rows,
                "tables": len(tables),
                "kinds": kinds,
                "failures": failures,
                "server_alive_after": alive,
                "locust_exit_code": locust.returncode,
                "failed_requests": failed,
                "server_log": server_log.splitlines()[-40:] if failed else [],
                "machine": {
                    "nproc": os.cpu_count(),
                    "load_average_before": [round(x, 2) for x in load_before],
                    "load_average_after": [round(x, 2) for x in load_after],
                },
            },
            indent=1,
        )
    )
    if failures or not alive:
        sys.exit(1)


if __name__ == "__main__":
    main()
