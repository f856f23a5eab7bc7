"""Configuration: one TOML file plus ``SOSDATA_*`` environment variables.

The file is ``$SOSDATA_CONFIG`` if set, else ``sosdata.toml`` in the working directory if it
exists. Environment variables win over the file. Every setting has a default so that a fresh
checkout works with no configuration at all.

Example ``sosdata.toml``::

    data_dir = "/srv/sosdata"
    error_threshold = 0.05          # share of a component's rows in error that rejects it
    suppression_threshold = 5       # published counts below this are suppressed
    upload_limit_mb = 1024          # the largest file the web portal and API take
    notification_deadline = 2022-04-04

    [deadlines]                     # per-quarter overrides of the default deadline rule
    2023Q1 = 2023-05-15

    [smtp]
    host = "localhost"
    port = 25
    sender = "sosdata@example.org"
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from sosdata.errors import UserError

ENV_PREFIX = "SOSDATA_"


class ConfigError(UserError, ValueError):
    """The configuration file or an environment variable is wrong."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "localhost"
    port: int = 25
    sender: str = "sosdata@localhost"
    username: str | None = None
    password: str | None = None
    starttls: bool = False


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("sosdata-data")
    #: overrides the key file; a hex or base64 string, for containers and CI
    pseudonym_key: str | None = None
    #: encryption key for stored identity codes; kept outside the database
    encryption_key: str | None = None
    error_threshold: float = 0.05
    suppression_threshold: int = 5
    notification_deadline: dt.date = dt.date(2022, 4, 4)
    language: str = "fi"
    #: the largest file the web portal and API take (HTTP 413 past it)
    upload_limit_mb: int = 1024
    deadlines: dict[str, dt.date] = field(default_factory=dict)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    source: Path | None = None

    @property
    def pseudonym_key_file(self) -> Path:
        return self.data_dir / "keys" / "pseudonym.key"

    @property
    def encryption_key_file(self) -> Path:
        return self.data_dir / "keys" / "identity.key"

    @property
    def database_path(self) -> Path:
        return self.data_dir / "register.duckdb"

    @property
    def codes_dir(self) -> Path:
        """Imported code-set versions; the package's own files are the base."""
        return self.data_dir / "codes"

    def with_data_dir(self, data_dir: Path) -> Settings:
        return replace(self, data_dir=Path(data_dir))


def _as_date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ConfigError(f"{where}: expected a date YYYY-MM-DD, got {value!r}") from exc


def _coerce(name: str, value: Any, where: str) -> Any:
    match name:
        case "data_dir":
            return Path(value)
        case "error_threshold":
            number = float(value)
            if not 0 <= number <= 1:
                raise ConfigError(f"{where}: error_threshold must be between 0 and 1")
            return number
        case "suppression_threshold":
            return int(value)
        case "upload_limit_mb":
            try:
                number = int(value)
            except (TypeError, ValueError):
                raise ConfigError(f"{where}: upload_limit_mb must be a whole number") from None
            if number < 1:
                raise ConfigError(f"{where}: upload_limit_mb must be at least 1")
            return number
        case "notification_deadline":
            return _as_date(value, where)
        case "deadlines":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: [deadlines] must be a table of QUARTER = DATE")
            return {str(k).upper(): _as_date(v, f"{where} deadlines.{k}") for k, v in value.items()}
        case "smtp":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: [smtp] must be a table")
            known = {f.name for f in fields(SmtpSettings)}
            unknown = set(value) - known
            if unknown:
                raise ConfigError(f"{where}: unknown [smtp] settings {sorted(unknown)}")
            values = dict(value)
            if "port" in values:
                values["port"] = int(values["port"])
            if "starttls" in values and isinstance(values["starttls"], str):
                values["starttls"] = values["starttls"].lower() in {"1", "true", "yes"}
            return SmtpSettings(**values)
    return value


def load_settings(path: Path | str | None = None, env: dict[str, str] | None = None) -> Settings:
    """Read settings from ``path`` (or the default file) and the environment."""
    env = dict(os.environ if env is None else env)
    if path is None and env.get(ENV_PREFIX + "CONFIG"):
        path = env[ENV_PREFIX + "CONFIG"]
    if path is None and Path("sosdata.toml").is_file():
        path = "sosdata.toml"
    values: dict[str, Any] = {}
    known = {f.name for f in fields(Settings)} - {"source"}
    if path is not None:
        path = Path(path)
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"{path}: configuration file not found") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {exc}") from exc
        unknown = set(raw) - known
        if unknown:
            raise ConfigError(f"{path}: unknown settings {sorted(unknown)}")
        values = {k: _coerce(k, v, str(path)) for k, v in raw.items()}
        if "data_dir" in values and not values["data_dir"].is_absolute():
            values["data_dir"] = path.parent / values["data_dir"]
    smtp = dict(vars(values.get("smtp", SmtpSettings())))
    for key, value in env.items():
        if not key.startswith(ENV_PREFIX) or key == ENV_PREFIX + "CONFIG":
            continue
        name = key[len(ENV_PREFIX) :].lower()
        if name.startswith("smtp_"):
            smtp[name[5:]] = value
        elif name in known and name not in {"deadlines", "smtp"}:
            values[name] = _coerce(name, value, f"${key}")
    values["smtp"] = _coerce("smtp", smtp, "environment")
    return Settings(**values, source=path)
