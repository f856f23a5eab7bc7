"""The form as an XLSForm workbook (survey, choices and settings sheets), for review in the
survey tools that read XLSForm (ODK, KoboToolbox, pyxform).

Generated from the one form model: every question in order, labels in Finnish, Swedish and
English (``label::fi`` …), ``required`` from the mandatory flag and ``relevant`` from the
conditions. XLSForm has no answer that maps row codes to options, so a grid question (17, 24,
26, 28) becomes a group of one ``select_one`` per row; the contact person (1) a group of two
texts. The municipalities (3) are filtered by the chosen county (``choice_filter``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sosdata import codes
from sosdata.notification.form import (
    CONTACT_FIELDS,
    FORM_VERSION,
    GRID_KINDS,
    LANGUAGES,
    QUESTIONS,
    TEXTS,
    Condition,
    FormContext,
    Kind,
    Option,
    Question,
    choices,
)

LABELS = [f"label::{lang}" for lang in LANGUAGES]
HINTS = [f"hint::{lang}" for lang in LANGUAGES]
SURVEY_COLUMNS = [
    "type",
    "name",
    *LABELS,
    *HINTS,
    "required",
    "relevant",
    "appearance",
    "choice_filter",
    "constraint",
]
CHOICE_COLUMNS = ["list_name", "name", *LABELS, "county"]
#: XLSForm's own e-mail check is a regular expression on the answer
_EMAIL_CONSTRAINT = r"regex(., '^[^@\s]+@[^@\s]+\.[A-Za-z]{2,63}$')"


def relevant(condition: Condition | None) -> str:
    """The condition as an XPath expression: ``selected()`` works for one or several choices."""
    if condition is None:
        return ""
    return " or ".join(f"selected(${{{condition.on}}}, '{code}')" for code in condition.any_of)


def _labels(texts: dict[str, str] | None, columns: list[str]) -> dict[str, str]:
    texts = texts or {}
    return {col: texts.get(lang, "") for col, lang in zip(columns, LANGUAGES, strict=True)}


def _row(kind: str, name: str, labels: dict[str, str] | None, **extra: str) -> dict[str, str]:
    return {"type": kind, "name": name, **_labels(labels, LABELS), **extra}


def grid_field(question: Question, row: str) -> str:
    """The name of one row's field of a grid question (names must be XML names)."""
    return f"{question.id}__{row}"


def _question_rows(q: Question, ctx: FormContext) -> tuple[list[dict[str, str]], dict]:
    """The survey rows of one question and the choice lists it needs (list name → options)."""
    lists: dict[str, list[Option]] = {}
    common = {
        "required": "yes" if q.mandatory else "",
        "relevant": relevant(q.condition),
        **_labels(q.help, HINTS),
    }
    label = {lang: f"{q.number}. {q.label(lang)}" for lang in LANGUAGES}
    if q.kind is Kind.CONTACT:
        rows = [_row("begin_group", q.id, label, relevant=common["relevant"])]
        for sub, sub_labels in CONTACT_FIELDS.items():
            extra = {"constraint": _EMAIL_CONSTRAINT} if sub == "email" else {}
            rows.append(_row("text", f"{q.id}_{sub}", sub_labels, required="yes", **extra))
        rows.append({"type": "end_group", "name": q.id})
        return rows, lists
    if q.kind in (Kind.TEXT, Kind.LONG_TEXT):
        appearance = "multiline" if q.kind is Kind.LONG_TEXT else ""
        return [_row("text", q.id, label, appearance=appearance, **common)], lists
    if q.kind in (Kind.CHOICE, Kind.MULTI_CHOICE):
        lists[q.id] = list(q.options)
        kind = "select_one" if q.kind is Kind.CHOICE else "select_multiple"
        return [_row(f"{kind} {q.id}", q.id, label, **common)], lists
    if q.kind is Kind.COUNTY:
        lists["county"] = list(choices(q, {}, ctx))
        return [_row("select_one county", q.id, label, **common)], lists
    if q.kind is Kind.MUNICIPALITIES:
        return [
            _row(
                "select_multiple municipality",
                q.id,
                label,
                choice_filter="county=${county}",
                **common,
            )
        ], lists
    assert q.kind in GRID_KINDS
    lists[q.id] = list(q.options)
    rows = [_row("begin_group", q.id, label, relevant=common["relevant"], appearance="field-list")]
    required = "yes" if q.kind is Kind.PER_SERVICE_TASK else ""
    for option in q.grid_rows(ctx.codes_dir):
        rows.append(
            _row(f"select_one {q.id}", grid_field(q, option.code), option.labels, required=required)
        )
    rows.append({"type": "end_group", "name": q.id})
    return rows, lists


def _municipality_choices(ctx: FormContext) -> list[dict[str, str]]:
    municipalities = codes.load("kunta", ctx.codes_dir)
    out = []
    for county in codes.load("hyvinvointialue", ctx.codes_dir):
        for code in codes.municipalities_of(county.code, ctx.codes_dir):
            found = municipalities.get(code)
            if found is None:
                continue
            names = {lang: f"{code} {found.name(lang)}" for lang in LANGUAGES}
            out.append(
                {
                    "list_name": "municipality",
                    "name": code,
                    **_labels(names, LABELS),
                    "county": county.code,
                }
            )
    return out


def sheets(ctx: FormContext) -> dict[str, list[dict[str, Any]]]:
    """The three sheets as lists of rows (column → value)."""
    survey: list[dict[str, str]] = []
    lists: dict[str, list[Option]] = {}
    for q in QUESTIONS.values():
        rows, needed = _question_rows(q, ctx)
        survey += rows
        lists.update(needed)
    choices = [
        {"list_name": name, "name": o.code, **_labels(o.labels, LABELS), "county": ""}
        for name, options in lists.items()
        for o in options
    ]
    choices += _municipality_choices(ctx)
    settings = [
        {
            "form_title": TEXTS["title"]["fi"],
            "form_id": "sosdata_notification",
            "version": str(FORM_VERSION),
            "default_language": "fi",
        }
    ]
    return {"survey": survey, "choices": choices, "settings": settings}


def write(out: Path, ctx: FormContext) -> Path:
    """Write the XLSForm workbook to ``out`` (.xlsx)."""
    from openpyxl import Workbook  # a fifth of a second to import: only when a form is written

    workbook = Workbook()
    workbook.remove(workbook.active)
    columns = {
        "survey": SURVEY_COLUMNS,
        "choices": CHOICE_COLUMNS,
        "settings": ["form_title", "form_id", "version", "default_language"],
    }
    for name, rows in sheets(ctx).items():
        sheet = workbook.create_sheet(name)
        sheet.append(columns[name])
        for row in rows:
            sheet.append([row.get(col, "") or None for col in columns[name]])
    workbook.save(out)
    return out
