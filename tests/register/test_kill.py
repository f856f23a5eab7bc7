"""All-or-nothing: a ``sosdata submit`` process killed (SIGKILL) in the middle of storing a
delivery leaves the database exactly as it was."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time

from sosdata import identity
from sosdata.register import store
from world import call

PERSONS = 50_000


def _big_rows(organiser) -> dict[str, list[dict[str, str]]]:
    """Many distinct synthetic persons (temporary numbers 900–999), so storing takes a while."""
    first = dt.date(1940, 1, 1)
    codes = [
        identity.make(first + dt.timedelta(days=d), n)
        for d in range(PERSONS // 100)
        for n in range(900, 1000)
    ]
    municipality = organiser.municipalities[0]
    return {
        "asiakkuusjaksot": [
            {
                "jarjestaja": organiser.oid,
                "henkilotunnus": c,
                "kotikunta": municipality,
                "sukupuoli": "1" if int(c[7:10]) % 2 else "2",
                "palvelutehtava": "1",
                "alkupvm": "2022-05-01",
            }
            for c in codes
        ]
    }


def test_killed_submit_leaves_the_database_as_before(
    settings, db, package, organiser, hetu, snapshot
):
    small = package(
        {
            "asiakkuusjaksot": [
                {
                    "jarjestaja": organiser.oid,
                    "henkilotunnus": hetu(1),
                    "kotikunta": organiser.municipalities[0],
                    "sukupuoli": "1",
                    "palvelutehtava": "1",
                    "alkupvm": "2022-05-01",
                }
            ]
        }
    )
    big = package(_big_rows(organiser))
    db.close()
    call(settings, "keeper", "submit", small)
    with store.opened(settings) as conn:
        before = snapshot(conn)

    env = {**os.environ, "SOSDATA_DATA_DIR": str(settings.data_dir), "COLUMNS": "200"}
    process = subprocess.Popen(
        [sys.executable, "-m", "sosdata", "submit", str(big), "--as", "keeper"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    seen = []
    assert process.stderr is not None
    for line in process.stderr:
        seen.append(line)
        # inside the transaction: the delivery row and its components are written, the new
        # persons are being encrypted and stored, then the rows follow
        if line.startswith("storing") and "persons" in line:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "".join(seen)
    assert not any("committing" in line for line in seen)
    time.sleep(0.1)

    with store.opened(settings) as conn:
        assert snapshot(conn) == before

    # the register recovers: the same file is then stored whole, not seen as a duplicate
    again = call(settings, "keeper", "submit", big)
    assert not again.duplicate and again.stored_rows == {"asiakkuusjaksot": PERSONS}
