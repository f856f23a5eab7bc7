"""The foundation's commands, in-process and as a real process."""

from __future__ import annotations


def test_service_tasks_in_swedish_mark_family_law(cli):
    result = cli("codes", "list", "palvelutehtava", "--lang", "sv")
    assert result.exit_code == 0
    for name in ("Äldreservice", "Barnskydd", "Missbrukarvård", "Familjerättslig service"):
        assert name in result.stdout
    family_law = next(line for line in result.stdout.splitlines() if "Familjerättslig" in line)
    assert "not reported" in family_law
    assert sum("not reported" in line for line in result.stdout.splitlines()) == 1


def test_show_a_code_in_all_languages(cli):
    result = cli("codes", "show", "sosiaalipalvelu", "33")
    assert result.exit_code == 0
    assert "Toimeentulotuki" in result.stdout and "Utkomststöd" in result.stdout


def test_import_and_versions(cli, tmp_path):
    source = tmp_path / "types.csv"
    source.write_text(
        "code;fi;sv;en;valid_from;valid_to\n1;Myönteinen;Positivt;Positive;2023-01-01;\n"
    )
    assert cli("codes", "import", "paatoksen_tyyppi", source, "--version", "v2").exit_code == 0
    listing = cli("codes", "versions", "paatoksen_tyyppi").stdout
    assert "provisional-1" in listing and "v2" in listing
    assert "Kielteinen" not in cli("codes", "list", "paatoksen_tyyppi").stdout
    old = cli("codes", "list", "paatoksen_tyyppi", "--version", "provisional-1")
    assert "Kielteinen" in old.stdout


def test_user_errors_are_one_line_without_traceback(cli_process):
    result = cli_process("codes", "list", "kuntakoodi")
    assert result.returncode == 1
    assert "unknown code set 'kuntakoodi'" in result.stderr
    assert "Traceback" not in result.stderr


def test_init_creates_keys_as_a_real_process(tmp_path, cli_process):
    result = cli_process("--data-dir", tmp_path / "fresh", "init")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "fresh" / "keys" / "pseudonym.key").is_file()
    assert (tmp_path / "fresh" / "keys" / "identity.key").is_file()


def test_organisers_list(cli):
    result = cli("organisers", "list", "--lang", "en")
    assert result.exit_code == 0
    assert "City of Helsinki" in result.stdout and "fictitious" in result.stdout


def test_every_command_has_a_help_panel():
    from sosdata.cli import PANELS, app

    names = [
        i.name or i.callback.__name__ for i in [*app.registered_commands, *app.registered_groups]
    ]
    grouped = [name for names in PANELS.values() for name in names]
    assert sorted(names) == sorted(grouped)
