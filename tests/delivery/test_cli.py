"""``sosdata validate``: exit codes, report forms and output file, as a user runs it."""

from __future__ import annotations

import json

import pytest

II = "asiakkuusjaksot"


@pytest.fixture
def good(deliveries):
    return deliveries.zip({II: [deliveries.row(II)]})


@pytest.fixture
def bad(deliveries):
    return deliveries.zip({II: [deliveries.row(II, kotikunta="999")]})


def test_accepted_exits_0(cli, good):
    result = cli("validate", good, "--period", "2023Q1", "--lang", "en")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Delivery validation report: ACCEPTED")


def test_rejected_exits_1(cli, bad):
    result = cli("validate", bad, "--period", "2023Q1", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["accepted"] is False and data["counts"]["MUNICIPALITY_UNKNOWN"] == 1


@pytest.mark.parametrize(
    "args",
    [
        ["--period", "2023Q5"],
        ["--period", "2023Q1", "--format", "xml"],
        ["--period", "2023Q1", "--lang", "de"],
        ["--period", "2023Q1", "--component", "II"],  # a package names its own components
        [],  # --period is required
    ],
)
def test_wrong_usage_exits_2(cli, good, args):
    assert cli("validate", good, *args).exit_code == 2


def test_missing_path_exits_2(cli, tmp_path):
    assert cli("validate", tmp_path / "nothing.zip", "--period", "2023Q1").exit_code == 2


def test_unnamed_csv_needs_component(cli, deliveries):
    path = deliveries.csv(II, [deliveries.row(II)], name="export.csv")
    result = cli("validate", path, "--period", "2023Q1")
    assert result.exit_code == 2 and "--component" in result.stderr
    ok = cli(
        "validate", path, "--period", "2023Q1", "--component", II, "--organiser", deliveries.oid
    )
    assert ok.exit_code == 0, ok.stdout


@pytest.mark.parametrize("fmt", ["text", "json", "csv", "html"])
def test_output_file_in_every_format(cli, bad, tmp_path, fmt):
    target = tmp_path / f"report.{fmt}"
    result = cli(
        "validate", bad, "--period", "2023Q1", "--format", fmt, "--output", target, "--lang", "sv"
    )
    assert result.exit_code == 1
    assert "rejected" in result.stderr and result.stdout == ""
    text = target.read_text(encoding="utf-8")
    assert "MUNICIPALITY_UNKNOWN" in text
    if fmt == "html":
        assert "AVVISAD" in text
    if fmt == "json":
        assert json.loads(text)["components"][II]["rejected_rows"] == 1


def test_real_process_without_terminal_has_no_progress_bar(cli_process, good):
    result = cli_process("validate", good, "--period", "2023Q1", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["accepted"] is True
    assert result.stderr == ""


def test_on_a_terminal_the_progress_display_does_not_disturb(settings, good):
    pexpect = pytest.importorskip("pexpect")
    import os
    import sys

    env = {**os.environ, "SOSDATA_DATA_DIR": str(settings.data_dir), "COLUMNS": "120"}
    child = pexpect.spawn(
        sys.executable,
        ["-m", "sosdata", "validate", str(good), "--period", "2023Q1", "--lang", "en"],
        env=env,
        encoding="utf-8",
        timeout=120,
    )
    child.expect("Delivery validation report: ACCEPTED")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_validation_reports_its_stages_in_the_one_progress_shape(deliveries, good):
    """The library prints nothing: it reports ``Step``s to whoever watches (a bar, a job)."""
    from sosdata.progress import Step

    steps: list[Step] = []
    result = deliveries.validate(good, progress=steps.append)
    assert result.accepted
    assert steps and all(isinstance(s, Step) for s in steps)
    assert steps[0].stage.endswith(": opening") and steps[-1].stage == "report"
