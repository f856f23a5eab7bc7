"""Answering the form question by question in a terminal (``sosdata notification new``).

Only questions whose condition holds are asked; each answer is checked as soon as it is typed
(the same checks as for an imported file) and asked again when wrong. Input and output are
functions, so the same interview runs in a terminal, a test, or any line-based channel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sosdata import codes, findings
from sosdata.findings import ERROR, Finding
from sosdata.notification import checks
from sosdata.notification.document import Notification
from sosdata.notification.form import (
    CONTACT_FIELDS,
    GRID_KINDS,
    QUESTIONS,
    SECTION_BY_ID,
    FormContext,
    Kind,
    Option,
    Question,
    text,
)

Ask = Callable[[str], str]
Say = Callable[[str], None]


class Interview:
    def __init__(self, ctx: FormContext, lang: str, ask: Ask, say: Say):
        self.ctx, self.lang, self.ask, self.say = ctx, lang, ask, say

    # --- helpers -------------------------------------------------------------------------------

    def yes(self, prompt_key: str) -> bool:
        yes_words = text("yes_words", self.lang).split(",")
        no_words = text("no_words", self.lang).split(",")
        while True:
            reply = self.ask(f"{text(prompt_key, self.lang)} ").strip().lower()
            if reply in yes_words:
                return True
            if reply in no_words:
                return False
            self.say(text("try_again", self.lang))

    def show_options(self, options: tuple[Option, ...]) -> None:
        for i, option in enumerate(options, start=1):
            self.say(f"  {i:>2}) {option.label(self.lang)}  [{option.code}]")

    @staticmethod
    def pick(options: tuple[Option, ...], typed: str) -> str:
        """A number from the shown list or an option code (anything else is left to the checks)."""
        typed = typed.strip()
        if typed.isdigit() and 1 <= int(typed) <= len(options):
            return options[int(typed) - 1].code
        return typed

    def problems(self, question: Question, value: Any, answers: dict[str, Any]) -> bool:
        """Show the errors of a typed answer; True when it must be asked again."""
        found = findings.errors(checks.check_answer(question, value, answers, self.ctx))
        for issue in found:
            self.say(f"  ! {issue.message(self.lang)}")
        return bool(found)

    def line(self, question: Question, suffix: str = "") -> str:
        marker = text("mandatory" if question.mandatory else "optional", self.lang)
        return self.ask(f"{suffix or '>'} ({marker}) ").strip()

    # --- the questions -------------------------------------------------------------------------

    def run(self, round_: str) -> Notification:
        answers: dict[str, Any] = {}
        section = None
        self.say(text("title", self.lang))
        for question in QUESTIONS.values():
            if not question.applies(answers):
                continue
            if question.section != section:
                section = question.section
                self.say("")
                self.say(SECTION_BY_ID[section].labels[self.lang])
            if question.heading:
                self.say(question.heading[self.lang])
            self.say("")
            self.say(f"{question.number}. {question.label(self.lang)}")
            if question.help:
                self.say(question.help[self.lang])
            value = self.answer(question, answers)
            if value is not None:
                answers[question.id] = value
        return Notification(round_, self.lang, answers)

    def answer(self, question: Question, answers: dict[str, Any]) -> Any:
        match question.kind:
            case Kind.CONTACT:
                return self.contact(question, answers)
            case kind if kind in GRID_KINDS:
                return self.grid(question, answers)
        if question.kind is Kind.CHOICE:
            self.show_options(question.options)
        elif question.kind is Kind.MULTI_CHOICE:
            self.show_options(question.options)
            self.say(text("choose_many", self.lang))
        elif question.kind is Kind.COUNTY:
            for county in codes.load("hyvinvointialue", self.ctx.codes_dir):
                if (
                    not self.ctx.organisers_by_county
                    or county.code in self.ctx.organisers_by_county
                ):
                    self.say(f"  {county.code}  {county.name(self.lang)}")
        elif question.kind is Kind.MUNICIPALITIES:
            names = codes.load("kunta", self.ctx.codes_dir)
            for m in codes.municipalities_of(answers.get("county", ""), self.ctx.codes_dir):
                self.say(f"  {m}  {names.label(m, self.lang)}")
            self.say(text("municipalities_prompt", self.lang))
        while True:
            typed = self.line(question)
            if not typed:
                if not question.mandatory:
                    return None
                missing = Finding("MANDATORY_MISSING", ERROR, question=question.number)
                self.say(f"  ! {missing.message(self.lang)}")
                continue
            value = self.parse(question, typed, answers)
            if not self.problems(question, value, answers):
                return value

    def parse(self, question: Question, typed: str, answers: dict[str, Any]) -> Any:
        match question.kind:
            case Kind.CHOICE:
                return self.pick(question.options, typed)
            case Kind.MULTI_CHOICE:
                return [
                    self.pick(question.options, part) for part in typed.split(",") if part.strip()
                ]
            case Kind.COUNTY:
                return typed.zfill(2) if typed.isdigit() else typed
            case Kind.MUNICIPALITIES:
                return self.municipalities(typed, answers.get("county", ""))
        return typed

    def municipalities(self, typed: str, county: str) -> list[str]:
        own = codes.municipalities_of(county, self.ctx.codes_dir)
        if typed.strip().lower() == text("all_word", self.lang):
            return own
        by_name = {
            name.lower(): c.code
            for c in codes.load("kunta", self.ctx.codes_dir)
            for name in c.names.values()
            if c.code in own
        }
        out = []
        for part in (p.strip() for p in typed.split(",")):
            if part:
                out.append(by_name.get(part.lower(), part.zfill(3) if part.isdigit() else part))
        return out

    def contact(self, question: Question, answers: dict[str, Any]) -> dict[str, str]:
        value: dict[str, str] = {}
        for field, label in CONTACT_FIELDS.items():
            while True:
                typed = self.ask(f"{label[self.lang]}: ").strip()
                trial = {**value, field: typed}
                found = [
                    i
                    for i in findings.errors(
                        checks.check_answer(question, trial, answers, self.ctx)
                    )
                    if i.path[-1:] == (field,)
                ]
                for issue in found:
                    self.say(f"  ! {issue.message(self.lang)}")
                if not found:
                    value[field] = typed
                    break
        return value

    def grid(self, question: Question, answers: dict[str, Any]) -> dict[str, str] | None:
        if not question.mandatory and not self.yes("answer_grid"):
            return None
        self.show_options(question.options)
        self.say(text("choose_one", self.lang))
        value: dict[str, str] = {}
        for row in question.grid_rows(self.ctx.codes_dir):
            while True:
                typed = self.line(question, f"{row.label(self.lang)}:")
                if not typed:
                    if question.mandatory:
                        self.say(
                            "  ! "
                            + Finding(
                                "ROWS_MISSING",
                                ERROR,
                                question=question.number,
                                params={"rows": row.label(self.lang)},
                            ).message(self.lang)
                        )
                        continue
                    break
                code = self.pick(question.options, typed)
                if code in question.option_codes():
                    value[row.code] = code
                    break
                self.say(
                    "  ! "
                    + Finding(
                        "OPTION_UNKNOWN",
                        ERROR,
                        question=question.number,
                        params={"value": typed, "options": ", ".join(question.option_codes())},
                    ).message(self.lang)
                )
        if question.kind is not Kind.PER_SERVICE_TASK:
            return value or None
        return value


def interview(ctx: FormContext, lang: str, round_: str, ask: Ask, say: Say) -> Notification:
    """Ask every applicable question; EOFError from ``ask`` cancels."""
    return Interview(ctx, lang, ask, say).run(round_)
