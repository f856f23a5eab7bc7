"""The JSON Schema of a notification document, generated from the form's model.

``docs/notification.schema.json`` is this schema for the shipped code sets and organisers; a
test keeps it current (regenerate with ``sosdata notification schema --out FILE``). The schema
states the structure, the codes, the mandatory questions, the conditions and which
municipalities belong to which county; the rest of the checks (e.g. the county-wide partition)
are made by :mod:`sosdata.notification.checks`.
"""

from __future__ import annotations

import json
from typing import Any

from sosdata import codes
from sosdata.notification.document import TOP_LEVEL_KEYS
from sosdata.notification.form import (
    CONTACT_FIELDS,
    FORM_VERSION,
    LANGUAGES,
    QUESTIONS,
    Condition,
    FormContext,
    Kind,
    Question,
)

SCHEMA_ID = "https://sosdata.example/schemas/notification-1.json"
_NULL = {"type": "null"}


def _enum(values: list[str] | tuple[str, ...]) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


def _answer(q: Question, ctx: FormContext) -> dict[str, Any]:
    options = q.option_codes()
    match q.kind:
        case Kind.CONTACT:
            return {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": q.max_length},
                    "email": {
                        "type": "string",
                        "format": "email",
                        "pattern": r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                        "maxLength": 254,
                    },
                },
                "required": list(CONTACT_FIELDS),
                "additionalProperties": False,
            }
        case Kind.TEXT | Kind.LONG_TEXT:
            return {"type": "string", "maxLength": q.max_length}
        case Kind.CHOICE:
            return _enum(options)
        case Kind.MULTI_CHOICE:
            return {"type": "array", "items": _enum(options), "uniqueItems": True, "minItems": 1}
        case Kind.COUNTY:
            counties = [
                c.code
                for c in codes.load("hyvinvointialue", ctx.codes_dir)
                if not ctx.organisers_by_county or c.code in ctx.organisers_by_county
            ]
            return _enum(counties)
        case Kind.MUNICIPALITIES:
            return {
                "type": "array",
                "items": {"type": "string", "pattern": "^[0-9]{3}$"},
                "uniqueItems": True,
                "minItems": 1,
            }
    rows = [r.code for r in q.grid_rows(ctx.codes_dir)]
    grid: dict[str, Any] = {
        "type": "object",
        "properties": {code: _enum(options) for code in rows},
        "additionalProperties": False,
        "minProperties": 1,
    }
    if q.kind is Kind.PER_SERVICE_TASK:
        grid["required"] = rows
    return grid


def _holds(condition: Condition) -> dict[str, Any]:
    source = QUESTIONS[condition.on]
    if source.kind is Kind.MULTI_CHOICE:
        value: dict[str, Any] = {"type": "array", "contains": {"enum": list(condition.any_of)}}
    else:
        value = {"enum": list(condition.any_of)}
    return {"required": [condition.on], "properties": {condition.on: value}}


def _county_membership(ctx: FormContext) -> list[dict[str, Any]]:
    """For each county: its notification may name only its own municipalities."""
    counties = codes.load("hyvinvointialue", ctx.codes_dir)
    out = []
    for county in counties:
        own = codes.municipalities_of(county.code, ctx.codes_dir)
        if not own or (ctx.organisers_by_county and county.code not in ctx.organisers_by_county):
            continue
        out.append(
            {
                "if": {"required": ["county"], "properties": {"county": {"const": county.code}}},
                "then": {"properties": {"municipalities": {"items": _enum(own)}}},
            }
        )
    return out


def build(ctx: FormContext | None = None) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a notification document."""
    ctx = ctx or FormContext()
    properties: dict[str, Any] = {}
    for q in QUESTIONS.values():
        answer = _answer(q, ctx)
        if not q.mandatory:
            answer = {"anyOf": [answer, _NULL]}
        properties[q.id] = {
            "title": f"{q.number}. {q.labels['en']}",
            "description": f"fi: {q.labels['fi']} | sv: {q.labels['sv']}",
            "x-question": q.number,
            "x-kind": str(q.kind),
            **answer,
        }
    conditions = [
        {"if": _holds(q.condition), "else": {"properties": {q.id: _NULL}}}
        for q in QUESTIONS.values()
        if q.condition is not None
    ]
    answers = {
        "type": "object",
        "properties": properties,
        "required": [q.id for q in QUESTIONS.values() if q.mandatory],
        "additionalProperties": False,
        "allOf": conditions + _county_membership(ctx),
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Sosdata notification of delivery method",
        "description": (
            "One municipality group's answers to the 33 questions of the notification of "
            "delivery method. Generated from sosdata.notification.form; see "
            "docs/notification.md."
        ),
        "type": "object",
        "properties": {
            # YAML read as text gives "1"; JSON gives 1
            "form_version": {"enum": [FORM_VERSION, str(FORM_VERSION)]},
            "round": {"type": "string", "pattern": "^[0-9]{4}Q[1-4]$"},
            "lang": _enum(LANGUAGES),
            "answers": answers,
        },
        "required": ["round", "answers"],
        "additionalProperties": False,
        "propertyNames": {"enum": list(TOP_LEVEL_KEYS)},
    }


def dumps(ctx: FormContext | None = None) -> str:
    return json.dumps(build(ctx), ensure_ascii=False, indent=2) + "\n"


def question_table(lang: str = "en") -> str:
    """The questions as a Markdown table (docs/notification.md carries it; a test keeps it
    current)."""
    from sosdata.notification.form import questions

    out = [
        "| no | id | kind | mandatory | applies | options (codes) |",
        "|---:|---|---|:---:|---|---|",
    ]
    for q in questions():
        condition = (
            f"{QUESTIONS[q.condition.on].number} ∈ {{{', '.join(q.condition.any_of)}}}"
            if q.condition
            else ""
        )
        if q.kind is Kind.PER_SERVICE_TASK:
            options = "per reported service task: " + ", ".join(q.option_codes())
        elif q.kind is Kind.PER_SOCIAL_SERVICE:
            options = "per social service (1–35): " + ", ".join(q.option_codes())
        elif q.kind is Kind.GRID:
            rows = ", ".join(r.code for r in q.rows)
            options = f"rows {rows}: " + ", ".join(q.option_codes())
        elif q.service_task:
            options = "2023Q1 … 2026Q4, transition_end"
        elif q.kind is Kind.CONTACT:
            options = "{name, email}"
        elif q.kind is Kind.COUNTY:
            options = "county code with an organiser: 01–21, 90"
        elif q.kind is Kind.MUNICIPALITIES:
            options = "3-digit municipality codes of that county"
        else:
            options = ", ".join(q.option_codes())
        out.append(
            f"| {q.number} | `{q.id}` | {q.kind} | {'yes' if q.mandatory else ''} | "
            f"{condition} | {options} |"
        )
    return "\n".join(out) + "\n"
