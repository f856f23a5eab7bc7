"""Configuration from TOML and environment; secret keys created owner-only."""

from __future__ import annotations

import datetime as dt
import stat

import pytest

from sosdata import keys
from sosdata.config import ConfigError, Settings, load_settings


def test_defaults_without_any_configuration(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = load_settings(env={})
    assert s.data_dir.name == "sosdata-data"
    assert s.error_threshold == 0.05 and s.suppression_threshold == 5
    assert s.notification_deadline == dt.date(2022, 4, 4)


def test_file_then_environment(tmp_path):
    config = tmp_path / "sosdata.toml"
    config.write_text(
        'data_dir = "store"\nerror_threshold = 0.1\n'
        "[deadlines]\n2023Q1 = 2023-05-15\n"
        '[smtp]\nhost = "mail.example"\nport = 2525\n'
    )
    s = load_settings(config, env={"SOSDATA_SMTP_PORT": "25", "SOSDATA_ERROR_THRESHOLD": "0.2"})
    assert s.data_dir == tmp_path / "store"  # relative to the file
    assert s.error_threshold == 0.2  # the environment wins
    assert s.deadlines == {"2023Q1": dt.date(2023, 5, 15)}
    assert (s.smtp.host, s.smtp.port) == ("mail.example", 25)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour = 'blue'\n", "unknown settings \\['colour'\\]"),
        ("error_threshold = 2\n", "between 0 and 1"),
        ("[deadlines]\n2023Q1 = 'soon'\n", "expected a date"),
        ("data_dir = \n", "line 1"),
    ],
)
def test_bad_configuration_is_explained(tmp_path, text, message):
    config = tmp_path / "sosdata.toml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_settings(config, env={})
    assert str(config) in str(caught.value)


def test_key_files_are_owner_only_and_not_overwritten(tmp_path):
    s = Settings(data_dir=tmp_path)
    assert keys.create_key_file(s.pseudonym_key_file)
    first = keys.pseudonym_key(s)
    assert not keys.create_key_file(s.pseudonym_key_file)
    assert keys.pseudonym_key(s) == first and len(first) == 32
    assert stat.S_IMODE(s.pseudonym_key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(s.pseudonym_key_file.parent.stat().st_mode) == 0o700


def test_key_from_environment_and_errors(tmp_path):
    s = Settings(data_dir=tmp_path, pseudonym_key="ab" * 32)
    assert keys.pseudonym_key(s) == bytes.fromhex("ab" * 32)
    with pytest.raises(keys.KeyProblem, match="at least 32 bytes"):
        keys.pseudonym_key(Settings(data_dir=tmp_path, pseudonym_key="abcd"))
    with pytest.raises(keys.KeyProblem, match="initialise the data directory"):
        keys.encryption_key(Settings(data_dir=tmp_path / "none"))
