"""``sosdata notification …`` in-process, and ``new`` answered in a real terminal (pty)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "notification.yaml"


def _code(inbox, index=-1) -> str:
    body = inbox.messages[index].get_body(("plain",)).get_content()
    return re.search(r"\b([A-Z2-9]{4}-[A-Z2-9]{4})\b", body).group(1)


def test_import_list_show_export_submit_confirm(cli, monkeypatch, smtp_server, tmp_path):
    host, port, inbox = smtp_server
    monkeypatch.setenv("SOSDATA_SMTP_HOST", host)
    monkeypatch.setenv("SOSDATA_SMTP_PORT", str(port))
    cli("init")  # the account running the commands becomes the register's first keeper

    result = cli("notification", "import", EXAMPLE)
    assert result.exit_code == 0, result.stderr
    assert "notification 1: stored version 1" in result.stdout
    assert "unchanged, still version 1" in cli("notification", "import", EXAMPLE).stdout

    listed = cli("notification", "list")
    assert "1 notification(s)" in listed.stdout and "draft" in listed.stdout
    assert "round 2023Q1, county 01, submitted notifications: none yet" in listed.stdout

    shown = cli("notification", "show", "1", "--lang", "en")
    assert "id 1, version 1/1, status: draft" in shown.stdout
    assert "17. How will Sosdata receive" in shown.stdout
    yaml_form = cli("notification", "show", "1", "--format", "yaml").stdout
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml_form.replace("Kiitos selkeästä", "Kiitos hyvästä"), encoding="utf-8")
    assert "stored version 2" in cli("notification", "import", changed).stdout
    assert "Kiitos selkeästä" in cli("notification", "show", "1", "--version", "1").stdout
    assert "Kiitos hyvästä" in cli("notification", "show", "1").stdout

    sent = cli("notification", "submit", "1")
    assert sent.exit_code == 0, sent.stderr
    assert "sent to maija.meikalainen@example.fi" in sent.stdout
    assert len(inbox.messages) == 1
    confirmed = cli("notification", "confirm", "1", _code(inbox))
    assert confirmed.exit_code == 0, confirmed.stderr
    assert "notification 1 version 2 submitted at" in confirmed.stdout
    assert "LATE (deadline 2022-04-04)" in confirmed.stdout

    listed = cli("notification", "list").stdout
    assert "submitted" in listed and "late" in listed and "draft" not in listed
    assert "municipality 504 Myrskylä of county 01 is in no municipality group" in listed

    out = tmp_path / "n.xlsx"
    exported = cli("notification", "export", "--out", out)
    assert exported.exit_code == 0 and out.stat().st_size > 0
    assert "wrote 1 notification(s)" in exported.stdout


def test_errors_are_one_clear_message_and_exit_1(cli, tmp_path):
    cli("init")
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE.read_text(encoding="utf-8").replace('"01"', '"04"'), encoding="utf-8")
    result = cli("notification", "import", bad)
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    assert "4 error(s); nothing was stored" in result.stderr
    assert "kunta 638 Porvoo kuuluu alueeseen 01, ei valittuun alueeseen 04" in result.stderr
    assert re.search(r"bad\.yaml, line 12, column \d+", result.stderr)
    missing = cli("notification", "show", "9")
    assert missing.exit_code == 1 and "no notification 9" in missing.stderr
    no_pending = cli("notification", "confirm", "9", "AAAA-BBBB")
    assert no_pending.exit_code == 1


def test_an_unknown_question_gets_the_command_lines_hint(cli, tmp_path):
    cli("init")
    bad = tmp_path / "unknown.yaml"
    text = EXAMPLE.read_text(encoding="utf-8").replace("answers:\n", "answers:\n  colour: red\n", 1)
    bad.write_text(text, encoding="utf-8")
    result = cli("notification", "import", bad)
    assert result.exit_code == 1
    # the message is the library's; the command line adds where the question ids are listed
    assert re.search(r"unknown\.yaml, line \d+, column \d+: .*'colour'", result.stderr)
    assert "see the question ids: sosdata notification form" in result.stderr


def test_deadline_form_and_schema_commands(cli):
    cli("init")
    assert "deadline 2022-04-04" in cli("notification", "deadline", "2023Q1").stdout
    assert "deadline 2023-03-31" in cli("notification", "deadline", "2024Q1", "2023-03-31").stdout
    assert "deadline 2023-03-31" in cli("notification", "deadline", "2024Q1").stdout
    form = cli("notification", "form", "--lang", "sv").stdout
    assert "17  client_periods_source  (per-service-task, obligatorisk)" in form
    assert "    Välfärdsområde" in form
    assert '[endast om fråga 30 besvarats med "Ja."]' in form
    assert cli("notification", "schema").stdout.startswith("{")


def _env(settings, smtp_server) -> dict[str, str]:
    host, port, _ = smtp_server
    return {
        **os.environ,
        "SOSDATA_DATA_DIR": str(settings.data_dir),
        "SOSDATA_SMTP_HOST": host,
        "SOSDATA_SMTP_PORT": str(port),
        "COLUMNS": "200",
        "PYTHONIOENCODING": "utf-8",
    }


PROMPT = r"\((mandatory|optional, Enter skips)\) "


def test_new_in_a_terminal_end_to_end(settings, smtp_server, run_process):
    run_process("init")
    """Answer every asked question of ``sosdata notification new`` in a real pty."""
    _, _, inbox = smtp_server
    child = pexpect.spawn(
        sys.executable,
        ["-m", "sosdata", "notification", "new", "--lang", "en"],
        env=_env(settings, smtp_server),
        encoding="utf-8",
        timeout=30,
        dimensions=(50, 200),
    )

    def answer(header: str, reply: str, prompt: str = PROMPT) -> str:
        child.expect(header)
        before = child.before
        child.expect(prompt)
        child.sendline(reply)
        return before

    try:
        child.expect("Notification of delivery method to Sosdata")
        child.expect("1. Contact person")
        child.expect("Name: ")
        child.sendline("Matti Meikäläinen")
        child.expect("E-mail: ")
        child.sendline("matti@")  # checked as typed: asked again
        child.expect("is not a valid e-mail address")
        child.expect("E-mail: ")
        child.sendline("matti.meikalainen@example.fi")
        answer(r"\n2\. Wellbeing services county", "1")
        child.expect("753  Sipoo")
        child.expect(PROMPT)
        child.sendline("092, Loviisa")  # Vantaa is in another county: asked again
        child.expect("092 Vantaa belongs to county 04")
        child.expect(PROMPT)
        child.sendline("Loviisa, 407, myrskylä")
        answer(r"\n4\. Name of the municipality group", "Loviisan seutu")
        answer(r"\n5\. Social-welfare client information systems", "1, 8")
        answer(r"\n6\. Other client information system", "Oma järjestelmä")
        answer(r"\n7\. Is the information system used in all service tasks", "1")
        skipped = answer(r"\n9\. If the information system", "")
        assert "\n8. " not in skipped  # 8 only when 7 is "no, exceptions"
        for number in range(10, 17):
            answer(rf"\n{number}\. ", "" if number != 10 else "transition_end")
        child.expect(r"\n17\. How will Sosdata receive")
        for reply in ("1", "1", "2", "2", "3", "separate"):
            child.expect(PROMPT)
            child.sendline(reply)
        answer(r"\n18\. ", "2")
        answer(r"\n19\. ", "")
        answer(r"\n20\. ", "3")
        answer(r"\n21\. ", "")
        answer(r"\n22\. ", "")
        answer(r"\n23\. ", "1")  # Kanta: questions 24–29 are not asked
        skipped = answer(r"\n30\. Do you wish", "7")
        assert not re.search(r"\n2[4-9]\. ", skipped)
        child.expect("'7' is not an option; choose one of: no, yes")
        child.expect(PROMPT)
        child.sendline("2")
        answer(r"\n31\. In the discussions", "Aikataulu")
        answer(r"\n32\. ", "")
        answer(r"\n33\. ", "")
        child.expect("Save the notification")
        child.sendline("y")
        child.expect("notification 1: stored version 1")
        child.expect("Send the summary for confirmation")
        child.sendline("y")
        child.expect(r"sent to matti\.meikalainen@example\.fi")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0

    assert len(inbox.messages) == 1
    text = inbox.messages[0].get_body(("plain",)).get_content()
    assert "434 Loviisa, 407 Lapinjärvi, 504 Myrskylä" in text
    assert "Substance-abuse services: As a separate delivery" in text
    shown = run_process("notification", "show", "1", "--format", "json")
    assert '"other_client_system": "Oma järjestelmä"' in shown.stdout
    assert '"archiving_older_people": "transition_end"' in shown.stdout
    confirmed = run_process("notification", "confirm", "1", _code(inbox))
    assert confirmed.returncode == 0, confirmed.stderr
    assert "version 1 submitted" in confirmed.stdout


def test_new_cancelled_with_end_of_input_stores_nothing(settings, smtp_server, run_process):
    run_process("init")
    child = pexpect.spawn(
        sys.executable,
        ["-m", "sosdata", "notification", "new", "--lang", "fi"],
        env=_env(settings, smtp_server),
        encoding="utf-8",
        timeout=30,
    )
    child.expect("Nimi: ")
    child.sendline("Maija")
    child.expect("Sähköposti: ")
    child.sendeof()
    child.expect("Keskeytetty, mitään ei tallennettu.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    listed = run_process("notification", "list")
    assert "0 notification(s)" in listed.stdout


@pytest.fixture
def run_process(settings, smtp_server):
    """``python -m sosdata ARGS…`` as a process, with the test SMTP server configured."""
    env = _env(settings, smtp_server)

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "sosdata", *map(str, args)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    return run
