"""Fixtures every test area shares: a real data directory with real keys, and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from typer.testing import CliRunner

from sosdata import keys
from sosdata.cli import app, common
from sosdata.config import Settings

# Property tests judge what is computed, not how fast: a first example that pays for imports or
# compilation on a loaded machine must not fail on Hypothesis' per-example deadline.
hypothesis_settings.register_profile("sosdata", deadline=None)
hypothesis_settings.load_profile("sosdata")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a fresh data directory whose keys exist, as after ``sosdata init``."""
    s = Settings(data_dir=tmp_path / "data")
    keys.create_key_file(s.pseudonym_key_file)
    keys.create_key_file(s.encryption_key_file)
    return s


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(settings: Settings, monkeypatch: pytest.MonkeyPatch):
    """Run ``sosdata ARGS…`` in-process against the fixture's data directory."""
    monkeypatch.setenv("SOSDATA_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("COLUMNS", "200")
    # the consoles took their width from COLUMNS when first imported (80 in a pytest-xdist worker)
    for console in (common.console, common.err_console):
        monkeypatch.setattr(console, "width", 200)
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> CliResult:
        result = runner.invoke(app, [str(a) for a in args], input=input)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return CliResult(result.exit_code, result.stdout, result.stderr)

    return run


@pytest.fixture
def cli_process(settings: Settings):
    """Run the installed ``sosdata`` command as a separate process (end-to-end)."""
    env = {**os.environ, "SOSDATA_DATA_DIR": str(settings.data_dir), "COLUMNS": "200"}

    def run(*args: str, input: str | None = None, cwd: Path | None = None):
        return subprocess.run(
            [sys.executable, "-m", "sosdata", *map(str, args)],
            input=input,
            capture_output=True,
            text=True,
            env=env,
            cwd=cwd,
            timeout=600,
        )

    return run
