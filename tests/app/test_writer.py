"""One writer per data directory: a second process is refused at once, clearly, and nothing
changes."""

from __future__ import annotations

import os
import subprocess
import sys

from sosdata import organisers
from world import delivery_package

HOLD = """
import sys, time
from sosdata.app import Register
from sosdata.config import load_settings
register = Register(load_settings(None), purpose="sosdata serve on 127.0.0.1:8000")
register.connection
print("holding", flush=True)
sys.stdin.read()
"""


def test_a_write_while_another_process_holds_the_register_fails_at_once(settings, tmp_path):
    env = {**os.environ, "SOSDATA_DATA_DIR": str(settings.data_dir)}

    def sosdata(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "sosdata", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    assert sosdata("init").returncode == 0
    path = delivery_package(tmp_path / "delivery", organisers.load().for_county("01"), first=0)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        refused = sosdata("submit", str(path))
        assert refused.returncode == 1
        [line] = refused.stderr.strip().splitlines()
        assert f"in use by process {holder.pid} (sosdata serve on 127.0.0.1:8000" in line
        assert "Traceback" not in refused.stderr and sys.executable not in line
        # reads are refused alike: DuckDB lets no other process open the file meanwhile
        assert sosdata("deliveries", "list").returncode == 1
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    # the holder gone, the same command goes through, and nothing of the refused one was kept
    accepted = sosdata("submit", str(path), "--json")  # as the first keeper, who ran init
    assert accepted.returncode == 0, accepted.stderr
    assert '"duplicate": false' in accepted.stdout
