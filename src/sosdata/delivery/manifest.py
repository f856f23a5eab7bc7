"""``manifest.json``: what a delivery package says about itself (format v1, SPEC §7)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import jsonschema

from sosdata import identity
from sosdata.components import COMPONENTS
from sosdata.delivery import rules
from sosdata.delivery.reader import FileProblem
from sosdata.organisers import OID_PATTERN

FORMAT_VERSION = "1"

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["versio", "jarjestaja", "kuntaryhma", "seurantajakso", "osat", "kuvaus"],
    "additionalProperties": False,
    "properties": {
        "versio": {"const": FORMAT_VERSION},
        "jarjestaja": {"type": "string", "pattern": OID_PATTERN.pattern},
        "kuntaryhma": {"type": "string", "minLength": 1, "maxLength": 200},
        "seurantajakso": {"type": "string", "pattern": r"^[0-9]{4}Q[1-4]$"},
        "osat": {
            "type": "array",
            "minItems": 1,
            "uniqueItems": True,
            "items": {"enum": list(COMPONENTS)},
        },
        "rajaukset": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "sosiaalipalvelut": {
                    "type": "array",
                    "uniqueItems": True,
                    "items": {"type": "string", "pattern": r"^[0-9]+$"},
                },
                "vain_myonteiset": {"type": "boolean"},
                "vain_jakson_paatokset": {"type": "boolean"},
            },
        },
        "kuvaus": {"type": "string", "minLength": 1},
    },
}


@dataclass(frozen=True)
class Manifest:
    versio: str
    jarjestaja: str | None
    kuntaryhma: str | None
    seurantajakso: str
    osat: list[str]
    rajaukset: dict[str, Any] = field(default_factory=dict)
    kuvaus: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _invalid(reason: str, where: str = "") -> FileProblem:
    return FileProblem(
        rules.finding(
            rules.MANIFEST_INVALID, "manifest.json", params={"reason": reason, "where": where}
        )
    )


def parse(data: bytes) -> Manifest:
    """The manifest, or :class:`FileProblem` (MANIFEST_INVALID) saying where it is wrong."""
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise _invalid(f"not UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise _invalid(exc.msg, f", line {exc.lineno}, column {exc.colno}") from None
    except RecursionError:
        raise _invalid("nested too deeply to be a manifest") from None
    validator = jsonschema.Draft202012Validator(SCHEMA)
    error = next(iter(sorted(validator.iter_errors(raw), key=lambda e: list(e.path))), None)
    if error is not None:
        path = "/".join(str(p) for p in error.absolute_path)
        raise _invalid(_explain(error), f" ({path})" if path else "")
    for key in ("kuntaryhma", "kuvaus"):
        if identity.redact(raw[key]) != raw[key]:
            raise _invalid("holds an identity code; a manifest names no person", f" ({key})")
    return Manifest(
        versio=raw["versio"],
        jarjestaja=raw["jarjestaja"],
        kuntaryhma=raw["kuntaryhma"],
        seurantajakso=raw["seurantajakso"],
        osat=list(raw["osat"]),
        rajaukset=dict(raw.get("rajaukset", {})),
        kuvaus=raw["kuvaus"],
    )


def _explain(error: jsonschema.ValidationError) -> str:
    """A short English reason; the full rule is in docs/delivery-format.md."""
    if error.validator == "required":
        return error.message.replace("'", "")
    if error.validator == "additionalProperties":
        return error.message.replace("'", "")
    if error.validator == "const":
        return f"versio must be {FORMAT_VERSION!r}"
    if error.validator == "enum":
        return f"{error.instance!r} is not one of {', '.join(COMPONENTS)}"
    if error.validator == "pattern":
        field_name = error.absolute_path[-1] if error.absolute_path else "value"
        hints = {
            "jarjestaja": "an organiser OID 1.2.246.10.…",
            "seurantajakso": "a quarter such as 2023Q1",
        }
        return f"{error.instance!r} is not {hints.get(str(field_name), 'of the right form')}"
    return error.message


def from_options(
    period: str, component: str, organiser: str | None, municipality_group: str | None
) -> Manifest:
    """The manifest a single CSV stands for: its facts come from the command's options."""
    return Manifest(
        versio=FORMAT_VERSION,
        jarjestaja=organiser,
        kuntaryhma=municipality_group,
        seurantajakso=period,
        osat=[component],
        rajaukset={},
        kuvaus="",
    )
