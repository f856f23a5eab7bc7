"""Configuration: one TOML file plus ``SOSDATA_*`` environment variables.

The file is ``$SOSDATA_CONFIG`` if set, else ``sosdata.toml`` in the working directory if it
exists. Environment variables win over the file. Every setting has a default so that a fresh
checkout works with no configuration at all.

Example ``sosdata.toml``::

    data_dir = "/srv/sosdata"
    error_threshold = 0.05          # share of a component's rows in error that rejects it
    suppression_threshold = 5       # published counts below this are suppressed
    upload_limit_mb = 1024          # the largest file the web portal and API take
    pxweb_max_cells = 200000        # the most cells one PxWeb API data request may select
    notification_deadline = 2022-04-04
    max_delivery_bytes = 4294967296 # a delivery's uncompressed size (docs/security.md)
    max_compression_ratio = 100     # how far one ZIP member may inflate
    max_value_length = 100          # characters of one value in a delivered file
    kanta_malformed_limit = 0.05    # share of malformed Kanta records that refuses an extract

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
    #: the most cells one PxWeb API v2 data request may select (HTTP 403 past it)
    pxweb_max_cells: int = 200_000
    deadlines: dict[str, dt.date] = field(default_factory=dict)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    #: a delivery (ZIP members, folder or CSV) larger than this uncompressed is refused
    #: unread; a national five-million-row delivery is about 1.2 GB
    max_delivery_bytes: int = 4 * 1024**3
    #: a ZIP member that inflates more than this many times its compressed size is refused
    #: (a ZIP bomb); delivery CSVs compress 5–15 times
    max_compression_ratio: int = 100
    #: characters of one value in a delivered file (codes and dates need 30 at most)
    max_value_length: int = 100
    #: a Kanta extract with a larger share of malformed records is refused
    kanta_malformed_limit: float = 0.05
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


def _number(kind: type, name: str, value: Any, where: str, low: float, high: float | None):
    """``value`` as an ``int`` or ``float`` within [low, high], or a one-line ConfigError."""
    try:
        if isinstance(value, bool) or (kind is int and isinstance(value, float)):
            raise ValueError
        number = kind(value)
    except (TypeError, ValueError):
        noun = "a whole number" if kind is int else "a number"
        raise ConfigError(f"{where}: {name} must be {noun}, got {value!r}") from None
    if number < low or (high is not None and number > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ConfigError(f"{where}: {name} must be {bounds}, got {value!r}")
    return number


#: numeric settings: type and allowed range
_NUMBERS: dict[str, tuple[type, float, float | None]] = {
    "error_threshold": (float, 0, 1),
    "suppression_threshold": (int, 1, None),
    "max_delivery_bytes": (int, 1, None),
    "max_compression_ratio": (int, 1, None),
    "max_value_length": (int, 1, None),
    "kanta_malformed_limit": (float, 0, 1),
    "upload_limit_mb": (int, 1, None),
    "pxweb_max_cells": (int, 1, None),
}


def _coerce(name: str, value: Any, where: str) -> Any:
    if name in _NUMBERS:
        return _number(_NUMBERS[name][0], name, value, where, *_NUMBERS[name][1:])
    match name:
        case "data_dir":
            return Path(value)
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
                values["port"] = _number(int, "smtp port", values["port"], where, 1, 65535)
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
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None
        except RecursionError:
            raise ConfigError(f"{path}: nested too deeply to be a configuration") from None
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
        if name == "smtp_port":
            smtp["port"] = _number(int, "smtp port", value, f"${key}", 1, 65535)
        elif name.startswith("smtp_"):
            smtp[name[5:]] = value
        elif name in known and name not in {"deadlines", "smtp"}:
            values[name] = _coerce(name, value, f"${key}")
    values["smtp"] = _coerce("smtp", smtp, "environment")
    return Settings(**values, source=path)
