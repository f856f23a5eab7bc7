"""``sosdata synth`` on the command line."""

from __future__ import annotations

import json
from pathlib import Path


def test_synth_command_writes_a_data_set(cli, tmp_path: Path) -> None:
    out = tmp_path / "set"
    result = cli("synth", "--out", out, "--seed", "4", "--error-rate", "0.02")
    assert result.exit_code == 0, result.stderr
    assert "2,000 clients" in result.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == 4 and summary["error_rate"] == 0.02
    assert list((out / "deliveries" / "2023Q1").glob("*.zip"))


def test_synth_command_explains_bad_use(cli, tmp_path: Path) -> None:
    result = cli("synth", "--out", tmp_path / "x", "--scale", "huge")
    assert result.exit_code == 1
    assert "unknown scale 'huge'" in result.stderr
    assert "Traceback" not in result.stderr
    result = cli("synth", "--out", tmp_path / "y", "--period", "2023Q5")
    assert result.exit_code == 1
    assert "2023Q5" in result.stderr
