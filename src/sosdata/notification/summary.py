"""A notification's answers in words: the summary the answerer confirms (text and HTML)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment

from sosdata import codes
from sosdata.notification.document import Notification
from sosdata.notification.form import (
    CONTACT_FIELDS,
    GRID_KINDS,
    QUESTIONS,
    SECTION_BY_ID,
    FormContext,
    Kind,
    Question,
    applicable,
    text,
)


@dataclass(frozen=True)
class Line:
    """One answered (or unanswered) question: its label and its answer as text lines."""

    number: int
    question: str
    section: str
    answer: list[str]


def answer_lines(question: Question, value: Any, ctx: FormContext, lang: str) -> list[str]:
    """An answer as readable lines in ``lang``."""
    if value is None:
        return [text("unanswered", lang)]

    def option(code: str) -> str:
        try:
            return question.option(code).label(lang)
        except KeyError:
            return str(code)

    match question.kind:
        case Kind.CONTACT:
            return [f"{CONTACT_FIELDS[k][lang]}: {value.get(k, '')}" for k in CONTACT_FIELDS]
        case Kind.CHOICE:
            return [option(value)]
        case Kind.MULTI_CHOICE:
            return [option(v) for v in value]
        case Kind.COUNTY:
            return [f"{value} {codes.load('hyvinvointialue', ctx.codes_dir).label(value, lang)}"]
        case Kind.MUNICIPALITIES:
            names = codes.load("kunta", ctx.codes_dir)
            return [", ".join(f"{m} {names.label(m, lang)}" for m in value)]
        case kind if kind in GRID_KINDS:
            unanswered = text("unanswered", lang)
            return [
                f"{row.label(lang)}: {option(value[row.code]) if row.code in value else unanswered}"
                for row in question.grid_rows(ctx.codes_dir)
            ]
    return str(value).splitlines() or [""]


def lines(notification: Notification, ctx: FormContext, lang: str | None = None) -> list[Line]:
    """Every question that applies, in order, with its answer (unanswered ones included)."""
    lang = lang or notification.lang
    return [
        Line(
            q.number,
            q.label(lang),
            SECTION_BY_ID[q.section].labels[lang],
            answer_lines(q, notification.answers.get(q.id), ctx, lang),
        )
        for q in applicable(notification.answers)
    ]


@dataclass(frozen=True)
class Change:
    """A question whose answer differs between two versions."""

    number: int
    question: str
    before: list[str]
    after: list[str]


def changes(before: Notification, after: Notification, ctx: FormContext, lang: str) -> list[Change]:
    """What changed from ``before`` to ``after``, question by question, in words."""
    out = []
    for q in QUESTIONS.values():
        old, new = before.answers.get(q.id), after.answers.get(q.id)
        if old != new:
            out.append(
                Change(
                    q.number,
                    q.label(lang),
                    answer_lines(q, old, ctx, lang),
                    answer_lines(q, new, ctx, lang),
                )
            )
    return out


def render_text(
    notification: Notification,
    ctx: FormContext,
    lang: str | None = None,
    header: Sequence[str] = (),
) -> str:
    lang = lang or notification.lang
    out = [text("title", lang), "=" * len(text("title", lang)), *header]
    section = None
    for line in lines(notification, ctx, lang):
        if line.section != section:
            section = line.section
            out += ["", section, "-" * len(section)]
        out.append(f"{line.number}. {line.question}")
        out += [f"   {a}" for a in line.answer]
    return "\n".join(out).rstrip() + "\n"


_HTML = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True).from_string(
    """<!DOCTYPE html>
<html lang="{{ lang }}">
<head><meta charset="utf-8"><title>{{ title }}</title></head>
<body>
<h1>{{ title }}</h1>
{% for item in header %}<p>{{ item }}</p>
{% endfor %}
{% if link %}<p><a href="{{ link }}">{{ link }}</a></p>
{% endif %}
{% for line in lines %}
{% if loop.first or line.section != loop.previtem.section %}
{% if not loop.first %}</dl>
{% endif %}<h2>{{ line.section }}</h2>
<dl>
{% endif %}
<dt>{{ line.number }}. {{ line.question }}</dt>
<dd>{% for a in line.answer %}{{ a }}{% if not loop.last %}<br>{% endif %}{% endfor %}</dd>
{% if loop.last %}</dl>
{% endif %}
{% endfor %}
</body>
</html>
"""
)


def render_html(
    notification: Notification,
    ctx: FormContext,
    lang: str | None = None,
    header: Sequence[str] = (),
    link: str | None = None,
) -> str:
    lang = lang or notification.lang
    return _HTML.render(
        lang=lang,
        link=link,
        title=text("title", lang),
        header=list(header),
        lines=lines(notification, ctx, lang),
    )
