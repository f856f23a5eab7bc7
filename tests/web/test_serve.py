"""``sosdata serve`` as a process: it answers, owns the register, and a command that would write
meanwhile is refused at once with a clear message."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest
from webharness import free_socket

pytestmark = pytest.mark.xdist_group("web_serve")


def test_serve_answers_and_owns_the_register(tmp_path):
    data = tmp_path / "data"
    env = {**os.environ, "SOSDATA_DATA_DIR": str(data)}
    sosdata = [sys.executable, "-m", "sosdata"]
    assert subprocess.run([*sosdata, "init"], env=env, capture_output=True).returncode == 0
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    server = subprocess.Popen(
        [*sosdata, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=5)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        assert answer.json() == {"status": "ok"}
        refused = subprocess.run(
            [*sosdata, "users", "add", "someone", "--keeper"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert refused.returncode == 1
        assert "in use by" in refused.stderr and "sosdata serve" in refused.stderr
        assert "Traceback" not in refused.stderr
    finally:
        server.terminate()
        server.wait(timeout=30)
