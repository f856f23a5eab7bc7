"""Configuration and notification files that would have raised a traceback: non-numeric and
out-of-range settings, deep nesting, bytes that are not UTF-8. Each is one clear error."""

from __future__ import annotations

import pytest

from sosdata.config import ConfigError, load_settings
from sosdata.notification import NotificationError
from sosdata.notification.document import parse_text


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('error_threshold = "lots"', "error_threshold must be a number, got 'lots'"),
        ("error_threshold = 2", "error_threshold must be between 0 and 1"),
        ("suppression_threshold = 2.5", "suppression_threshold must be a whole number"),
        ("max_compression_ratio = 0", "max_compression_ratio must be at least 1"),
        ("max_value_length = true", "max_value_length must be a whole number"),
        ('kanta_malformed_limit = "x"', "kanta_malformed_limit must be a number"),
        ('[smtp]\nport = "twenty-five"', "smtp port must be a whole number"),
        ("a = " + "[" * 50_000 + "]" * 50_000, "nested too deeply"),
    ],
)
def test_a_bad_configuration_is_one_clear_error(tmp_path, line: str, expected: str) -> None:
    path = tmp_path / "sosdata.toml"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_settings(path, env={})
    assert str(path) in str(error.value) and expected in str(error.value)
    assert "\n" not in str(error.value)


def test_a_configuration_that_is_not_utf8(tmp_path) -> None:
    path = tmp_path / "sosdata.toml"
    path.write_bytes(b"error_threshold = \xff\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_settings(path, env={})


@pytest.mark.parametrize(
    "text", ["[" * 100_000, "a:\n" + "- " * 100_000 + "x", "{" + '"a": [' * 60_000]
)
def test_a_deeply_nested_notification_is_one_clear_error(text: str) -> None:
    with pytest.raises(NotificationError) as error:
        parse_text(text, "notification.yaml")
    assert "notification.yaml" in str(error.value) and "\n" not in str(error.value)
