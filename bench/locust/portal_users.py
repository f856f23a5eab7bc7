"""The visitors of the load test (``bench/web_load.py``), for locust.

Read by ``locust -f``; the set-up's facts (users, tokens, deliveries, tables, packages) come in
the JSON file named by ``SOSDATA_LOAD_CONFIG``. Two kinds of visitor:

- ``Reader``: an organiser's data team or a member of the public reading — the report page of
  its delivery (a filter, a page), its deliveries, the public statistics pages, PxWeb ``/data``,
  and ``/api/v1/health`` (the baseline, under the same load);
- ``Sender``: an organiser's system sending a small delivery through the API, a dry run or for
  real in turn, and following its job until it is done (a few of them: one writer stores).
"""

from __future__ import annotations

import io
import itertools
import json
import os
import random
import re
import time
import zipfile

from locust import HttpUser, between, events, task

with open(os.environ["SOSDATA_LOAD_CONFIG"], encoding="utf-8") as _config:
    CONFIG = json.load(_config)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_turns = itertools.count()


def _organiser() -> dict:
    """The organisers take turns among the visitors."""
    people = CONFIG["organisers"]
    return people[next(_turns) % len(people)]


def _package(folder: str, mark: str) -> bytes:
    """The delivery in ``folder`` as a ZIP whose manifest's description carries ``mark``: each
    upload is a new file (the register recognises one it has already received)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name in sorted(os.listdir(folder)):
            with open(os.path.join(folder, name), "rb") as f:
                data = f.read()
            if name == "manifest.json":
                manifest = json.loads(data)
                manifest["kuvaus"] = f"Load test upload {mark}."
                data = json.dumps(manifest).encode()
            package.writestr(name, data)
    return buffer.getvalue()


class Reader(HttpUser):
    weight = 1
    fixed_count = CONFIG["readers"]
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.me = _organiser()
        page = self.client.get("/sign-in", name="sign-in page")
        csrf = CSRF.search(page.text)
        with self.client.post(
            "/sign-in",
            data={
                "user_id": self.me["user_id"],
                "password": self.me["password"],
                "csrf_token": csrf.group(1) if csrf else "",
            },
            allow_redirects=False,
            name="sign in",
            catch_response=True,
        ) as answer:
            if answer.status_code != 303:
                answer.failure(f"sign-in answered {answer.status_code}")

    @task(2)
    def health(self) -> None:
        self.client.get("/api/v1/health", name="baseline: /api/v1/health")

    @task(3)
    def report_page(self) -> None:
        delivery = self.me["delivery"]
        view = random.choice(
            [{}, {"page": "2"}, {"rule": "MUNICIPALITY_UNKNOWN"}, {"sort": "rule", "order": "desc"}]
        )
        self.client.get(f"/deliveries/{delivery}", params=view, name="report page")

    @task(2)
    def deliveries(self) -> None:
        self.client.get("/deliveries", name="deliveries list")

    @task(2)
    def statistics_quarter(self) -> None:
        self.client.get(f"/statistics/{CONFIG['quarter']}", name="statistics: quarter page")

    @task(3)
    def statistics_table(self) -> None:
        table = random.choice(CONFIG["tables"])
        self.client.get(f"/statistics/{CONFIG['quarter']}/{table}", name="statistics: table page")

    @task(3)
    def pxweb_data(self) -> None:
        table = random.choice(CONFIG["px_tables"])
        fmt = random.choice([None, "csv"])
        params = {"outputFormat": fmt} if fmt else {}
        self.client.get(f"/api/v2/tables/{table}/data", params=params, name="PxWeb /data")


class Sender(HttpUser):
    weight = 1
    fixed_count = CONFIG["senders"]
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.me = _organiser()
        self.client.headers["Authorization"] = f"Bearer {self.me['token']}"
        self.turn = 0

    @task
    def send(self) -> None:
        self.turn += 1
        dry_run = self.turn % 2 == 1
        kind = "upload (dry run)" if dry_run else "upload (stored)"
        package = _package(self.me["package"], f"{id(self)}-{self.turn}")
        started = time.perf_counter()
        answer = self.client.post(
            "/api/v1/deliveries",
            files={"file": ("delivery.zip", package, "application/zip")},
            data={"dry_run": "true" if dry_run else "false"},
            name=kind,
        )
        if answer.status_code != 202:
            return
        job = answer.json()["job"]
        deadline = time.monotonic() + 120
        state: dict = {}
        while time.monotonic() < deadline:
            state = self.client.get(job, name="job state").json()
            if state["state"] in ("done", "failed"):
                break
            time.sleep(0.25)
        outcome = (state.get("result") or {}) if state.get("state") == "done" else {}
        good = outcome.get("accepted") if dry_run else outcome.get("status") == "accepted"
        events.request.fire(
            request_type="JOB",
            name=f"{kind}: sent until done",
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            exception=None if good else RuntimeError(f"job ended {state.get('state')}: {outcome}"),
            context={},
        )
