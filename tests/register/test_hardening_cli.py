"""The command line under hostile input, run as a real process: text from files is printed as
text (no markup, control characters escaped), every failure is one line without a traceback,
only ``init`` creates a data folder, and the database is its owner's alone."""

from __future__ import annotations

import os
import stat

import pytest

from .test_cli import _rows

ESC = "\x1b"
MARKUP_GROUP = "[/blue]"
ANSI_TEXT = f"{ESC}[2J{ESC}[31mred{ESC}[0m and [bold]not bold[/bold]"


def _one_line_error(result) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    # progress lines may come first; the error is one line, the last
    lines = result.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1 and lines[-1] == errors[0], result.stderr
    return errors[0]


@pytest.fixture
def initialised(cli_process):
    assert cli_process("init").returncode == 0
    return cli_process


def test_markup_and_escapes_from_a_delivery_are_printed_as_text(
    initialised, package, organiser, hetu
) -> None:
    import json
    import zipfile

    path = package(_rows(organiser, hetu), group=MARKUP_GROUP)
    with zipfile.ZipFile(path) as archive:
        files = {n: archive.read(n) for n in archive.namelist()}
    manifest = json.loads(files["manifest.json"])
    manifest["kuvaus"] = ANSI_TEXT
    files["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    submitted = initialised("submit", path)
    assert submitted.returncode == 0, submitted.stderr
    assert MARKUP_GROUP in submitted.stdout
    for args in (("deliveries", "list"), ("deliveries", "show", "1"), ("status", "-p", "2023Q1")):
        result = initialised(*args)
        assert result.returncode == 0, (args, result.stderr)
        assert ESC not in result.stdout + result.stderr, args
        assert MARKUP_GROUP in result.stdout, args
    shown = initialised("deliveries", "show", "1").stdout
    assert "\\x1b[2J" in shown and "[bold]not bold[/bold]" in shown


def test_output_paths_that_cannot_be_written(initialised, package, organiser, hetu, tmp_path):
    path = package(_rows(organiser, hetu))
    for output in (tmp_path / "missing" / "report.txt", tmp_path):
        result = initialised("validate", path, "-p", "2023Q1", "--output", output)
        line = _one_line_error(result)
        assert str(output) in line
    export = initialised("notification", "export", "--out", tmp_path, "--format", "csv")
    _one_line_error(export)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SOSDATA_ERROR_THRESHOLD", "abc"),
        ("SOSDATA_SUPPRESSION_THRESHOLD", "1.5"),
        ("SOSDATA_MAX_DELIVERY_BYTES", "lots"),
        ("SOSDATA_SMTP_PORT", "smtp"),
    ],
)
def test_a_non_numeric_setting_is_one_line(settings, variable, value, tmp_path) -> None:
    import subprocess
    import sys

    env = {**os.environ, "SOSDATA_DATA_DIR": str(settings.data_dir), variable: value}
    result = subprocess.run(
        [sys.executable, "-m", "sosdata", "deliveries", "list"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    line = _one_line_error(result)
    assert variable in line and repr(value) in line


def test_only_init_creates_a_data_folder(cli_process, tmp_path) -> None:
    missing = tmp_path / "typo"
    result = cli_process("--data-dir", missing, "deliveries", "list")
    assert "initialise the data directory first" in _one_line_error(result)
    assert not missing.exists()


def test_the_database_and_its_folder_are_the_owners_alone(initialised, settings) -> None:
    assert stat.S_IMODE(os.stat(settings.database_path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(settings.data_dir).st_mode) == 0o700


def test_a_single_csv_needs_its_organiser_and_group(initialised, package, organiser, hetu):
    folder = package(_rows(organiser, hetu), as_zip=False)
    single = folder / "asiakkuusjaksot.csv"
    line = _one_line_error(initialised("submit", single))
    assert "needs its organiser and municipality group" in line and "nothing was stored" in line
    stored = initialised(
        "submit", single, "--organiser", organiser.oid, "--group", "Koko alue", "--period", "2023Q1"
    )
    assert stored.returncode == 0, stored.stderr
    assert organiser.oid in stored.stdout and "None" not in stored.stdout
