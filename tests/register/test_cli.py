"""The register's commands end to end: init, submit, deliveries, build, export, users."""

from __future__ import annotations

import json

import duckdb

from sosdata.register import users


def _rows(organiser, hetu):
    return {
        "asiakkuusjaksot": [
            {
                "jarjestaja": organiser.oid,
                "henkilotunnus": hetu(i),
                "kotikunta": organiser.municipalities[0],
                "sukupuoli": "2" if i % 2 == 0 else "1",
                "palvelutehtava": "1",
                "alkupvm": "2022-05-01",
            }
            for i in range(3)
        ]
    }


def test_init_creates_the_database_with_a_first_keeper(cli, settings):
    result = cli("init")
    assert result.exit_code == 0, result.stderr
    assert "0001_initial.sql" in result.stdout
    conn = duckdb.connect(str(settings.database_path), read_only=True)
    assert conn.execute("SELECT user_id, role FROM users").fetchall() == [
        (users.os_user(), "keeper")
    ]
    conn.close()
    again = cli("init")
    assert again.exit_code == 0 and "applied" not in again.stdout


def test_submit_list_show_report_build_export(cli, settings, package, organiser, hetu, tmp_path):
    assert cli("init").exit_code == 0
    path = package(_rows(organiser, hetu))

    submitted = cli("submit", path)
    assert submitted.exit_code == 0, submitted.stderr
    assert "delivery 1: accepted" in submitted.stdout
    assert "asiakkuusjaksot: 3 rows stored" in submitted.stdout

    again = cli("submit", path)
    assert again.exit_code == 0 and "already received" in again.stdout

    listed = json.loads(cli("deliveries", "list", "--json").stdout)
    assert [d["delivery_id"] for d in listed] == [1]
    assert listed[0]["in_force"] == "asiakkuusjaksot"

    shown = json.loads(cli("deliveries", "show", "1", "--json").stdout)
    assert shown["manifest"]["kuntaryhma"] == "Koko alue"
    assert shown["components"][0]["accepted_rows"] == 3

    report = cli("deliveries", "report", "1")
    assert report.exit_code == 0 and "HETU_TEMPORARY" in report.stdout
    assert hetu(0) not in report.stdout
    assert "on tilapäinen" in report.stdout  # submitted and read in Finnish by default
    swedish = cli("deliveries", "report", "1", "--lang", "sv")
    assert "är tillfällig" in swedish.stdout and "on tilapäinen" not in swedish.stdout

    built = cli("build", "--period", "2023Q1")
    assert built.exit_code == 0, built.stderr
    assert "asiakkuusjaksot: 3 records (separate 3)" in built.stdout

    out = tmp_path / "export"
    exported = cli("export", "--period", "2023Q1", "--out", out)
    assert exported.exit_code == 0, exported.stderr
    assert list((out / "asiakkuusjaksot").rglob("*.parquet"))


def test_rejected_submit_exits_non_zero(cli, package, organiser, hetu):
    cli("init")
    rows = _rows(organiser, hetu)
    for row in rows["asiakkuusjaksot"]:
        row["alkupvm"] = "not a date"
    result = cli("submit", package(rows))
    assert result.exit_code == 1
    assert "rejected" in result.stdout and "deliveries report" in result.stdout


def test_errors_are_one_line_without_traceback(cli, package, organiser, hetu):
    cli("init")
    result = cli("submit", package(_rows(organiser, hetu)), "--as", "nobody")
    assert result.exit_code == 1
    assert "unknown user 'nobody'" in result.stderr and "Traceback" not in result.stderr
    missing = cli("deliveries", "show", "42")
    assert missing.exit_code == 1 and "no delivery 42" in missing.stderr


def test_users_add_and_organiser_scope(cli, package, organiser, hetu):
    cli("init")
    added = cli("users", "add", "anna", "--organiser", organiser.oid)
    assert added.exit_code == 0, added.stderr
    assert cli("submit", package(_rows(organiser, hetu)), "--as", "anna").exit_code == 0
    listed = json.loads(cli("deliveries", "list", "--as", "anna", "--json").stdout)
    assert len(listed) == 1
    refused = cli("build", "--period", "2023Q1", "--as", "anna")
    assert refused.exit_code == 1 and "only the register keeper" in refused.stderr


def test_a_busy_database_gives_a_clear_message(cli, cli_process, settings):
    from sosdata.register import store

    cli("init")
    holder = store.connect(settings)  # this process holds the write lock
    try:
        result = cli_process("deliveries", "list")
    finally:
        holder.close()
    assert result.returncode == 1
    assert "another sosdata process may be writing" in result.stderr
    assert "python" not in result.stderr  # no interpreter path (the holder's PID only)
    assert "Traceback" not in result.stderr


def test_the_quarter_is_approved_shown_and_reopened_from_the_command_line(
    cli, package, organiser, hetu
):
    cli("init")
    cli("users", "add", "anna", "--organiser", organiser.oid)
    assert cli("submit", package(_rows(organiser, hetu))).exit_code == 0
    assert cli("build", "--period", "2023Q1").exit_code == 0
    approved = cli("quarter", "approve", "--period", "2023Q1")
    assert approved.exit_code == 0, approved.stderr
    assert "2023Q1: approved, locked to build 1" in approved.stdout
    # approved: a later delivery is stored, but a build still uses the approved build's inputs
    more = _rows(organiser, hetu)
    more["asiakkuusjaksot"].append({**more["asiakkuusjaksot"][0], "henkilotunnus": hetu(3)})
    assert cli("submit", package(more)).exit_code == 0
    assert "asiakkuusjaksot: 3 records" in cli("build", "--period", "2023Q1").stdout
    refused = cli("quarter", "reopen", "--period", "2023Q1", "--reason", "x", "--as", "anna")
    assert refused.exit_code == 1 and "only the register keeper" in refused.stderr
    reopened = cli("quarter", "reopen", "--period", "2023Q1", "--reason", "late corrections")
    assert reopened.exit_code == 0 and "2023Q1: open" in reopened.stdout
    shown = json.loads(cli("quarter", "show", "--period", "2023Q1", "--json").stdout)
    assert shown["state"] == "open" and shown["locked_build"] is None
    assert [(e["action"], e["reason"]) for e in shown["history"]] == [
        ("build", None),
        ("approve", None),
        ("build", None),
        ("reopen", "late corrections"),
    ]
    # reopened: the next build uses the deliveries in force, the later one among them
    assert "asiakkuusjaksot: 4 records" in cli("build", "--period", "2023Q1").stdout
