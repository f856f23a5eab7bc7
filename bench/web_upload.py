"""Speed of an upload through the API: the server's overhead over the validator alone.

Generates a ZIP delivery of ``--rows`` synthetic rows over the four components (temporary
identity codes only; about 300 MB unpacked at the default 5 M rows) with the benchmark's own
generator (``bench/register.py``), then in one run:

- ``validator``: ``Register.check`` of the file in process (the floor);
- ``upload``: ``POST /api/v1/deliveries`` with ``dry_run`` to a uvicorn server on loopback,
  until ``GET /api/v1/jobs/{id}`` says done — streaming the body to disk, the job queue and the
  same check;

and the server process's peak resident memory before and after the upload (the body is spooled
to disk, so it should not grow with the file). Target: upload within 1.5× the validator.
Prints JSON.

    flock /tmp/sosdata-heavy.lock .venv/bin/python bench/web_upload.py
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
from served import served  # bench/ is on the path of a script run from it

from sosdata import organisers
from sosdata.app import Register, Role
from sosdata.config import Settings
from sosdata.web import create_app


def _register_bench():
    spec = importlib.util.spec_from_file_location(
        "bench_register", Path(__file__).with_name("register.py")
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    gen = _register_bench()
    rng = np.random.default_rng(16)
    organiser = organisers.load().for_county("90")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        people = gen.persons(max(args.rows // 4, 1000), rng)
        frames = {
            name: gen.component_rows(name, int(args.rows * share), people, organiser, rng)
            for name, share in gen.SHARES.items()
        }
        folder = gen.write_delivery(work / "delivery", frames, organiser)
        unpacked = sum(p.stat().st_size for p in folder.iterdir())
        package = Path(shutil.make_archive(str(work / "delivery"), "zip", folder))
        zip_bytes = package.stat().st_size
        del frames, people
        settings = Settings(data_dir=work / "data", upload_limit_mb=4096)
        with Register(settings, purpose="bench set-up") as register:
            register.initialise("keeper")
            keeper = register.actor("keeper")
            register.add_user(keeper, "org", role=Role.ORGANISER, organiser=organiser.oid)
            _token, secret = register.create_token(keeper, "org", "bench")
        register = Register(settings, purpose="bench")
        actor = register.actor("org")
        validator = []
        for _ in range(args.runs):
            started = time.perf_counter()
            register.check(actor, package)
            validator.append(time.perf_counter() - started)
        rss_before = peak_rss_mb()
        app = create_app(settings, register=register)
        uploads = []
        with (
            served(app) as base,
            httpx.Client(
                base_url=base, timeout=600, headers={"Authorization": f"Bearer {secret}"}
            ) as client,
        ):
            for _ in range(args.runs):
                started = time.perf_counter()
                with package.open("rb") as f:
                    answer = client.post(
                        "/api/v1/deliveries",
                        files={"file": (package.name, f, "application/zip")},
                        data={"dry_run": "true"},
                    )
                job = answer.json()["job"]
                while client.get(job).json()["state"] not in ("done", "failed"):
                    time.sleep(0.05)
                uploads.append(time.perf_counter() - started)
                assert client.get(job).json()["state"] == "done"
        rss_after = peak_rss_mb()
        register.close()
    best_validator, best_upload = min(validator), min(uploads)
    print(
        json.dumps(
            {
                "bench": "web upload (dry run) against the validator alone",
                "rows": args.rows,
                "zip_bytes": zip_bytes,
                "unpacked_bytes": unpacked,
                "validator_seconds": [round(s, 2) for s in validator],
                "upload_seconds": [round(s, 2) for s in uploads],
                "ratio_upload_to_validator": round(best_upload / best_validator, 2),
                "target_ratio": 1.5,
                "peak_rss_mb_before_upload": round(rss_before),
                "peak_rss_mb_after_upload": round(rss_after),
                "machine": {"cpus": os.cpu_count(), "load": os.getloadavg()},
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
