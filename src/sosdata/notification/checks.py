"""Checks of a notification's answers, and the county-wide partition check.

Each finding is a :class:`sosdata.findings.Finding` with a stable code, a severity (an error
stops the notification from being stored or submitted; a warning is shown), the question and the
path into the document it concerns, and a message in Finnish, Swedish or English (the texts
below, registered as the codes' messages). Where the document came from a file,
:meth:`Positions.locate` adds the file, line and column of the path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sosdata import codes, findings
from sosdata.findings import ERROR, WARNING, Finding
from sosdata.notification.document import Notification, Path_
from sosdata.notification.form import (
    CONTACT_FIELDS,
    GRID_KINDS,
    QUESTIONS,
    FormContext,
    Kind,
    Question,
)

_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"^{_LOCAL}@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}$")

# One template per issue code; {q} is "question N (id)" in the message's language.
MESSAGES: dict[str, dict[str, str]] = {
    "DOCUMENT_INVALID": {
        "fi": "{detail}",
        "sv": "{detail}",
        "en": "{detail}",
    },
    "UNKNOWN_QUESTION": {
        "fi": "tuntematon kysymys {key!r}; tarkista kysymyksen tunnus",
        "sv": "okänd fråga {key!r}; kontrollera frågans id",
        "en": "unknown question {key!r}; check the question's id",
    },
    "MANDATORY_MISSING": {
        "fi": "{q} on pakollinen; vastaa siihen",
        "sv": "{q} är obligatorisk; besvara den",
        "en": "{q} is mandatory; answer it",
    },
    "NOT_APPLICABLE": {
        "fi": "{q} kysytään {condition}; poista vastaus tai muuta vastausta kysymykseen {on}",
        "sv": "{q} ställs {condition}; ta bort svaret eller ändra svaret på fråga {on}",
        "en": "{q} applies {condition}; remove the answer or change the answer to question {on}",
    },
    "WRONG_TYPE": {
        "fi": "{q}: odotettiin {expected}, saatiin {got}",
        "sv": "{q}: väntade {expected}, fick {got}",
        "en": "{q}: expected {expected}, got {got}",
    },
    "TEXT_TOO_LONG": {
        "fi": "{q}: teksti on {length} merkkiä, enintään {limit} sallitaan; lyhennä sitä",
        "sv": "{q}: texten har {length} tecken, högst {limit} tillåts; förkorta den",
        "en": "{q}: the text has {length} characters, at most {limit} are allowed; shorten it",
    },
    "EMAIL_INVALID": {
        "fi": "{q}: {value!r} ei ole kelvollinen sähköpostiosoite (muotoa nimi@esimerkki.fi)",
        "sv": "{q}: {value!r} är inte en giltig e-postadress (formen namn@exempel.fi)",
        "en": "{q}: {value!r} is not a valid e-mail address (of the form name@example.fi)",
    },
    "FIELD_MISSING": {
        "fi": "{q}: kenttä {field} puuttuu; täytä se",
        "sv": "{q}: fältet {field} saknas; fyll i det",
        "en": "{q}: the field {field} is missing; fill it in",
    },
    "FIELD_UNKNOWN": {
        "fi": "{q}: tuntematon kenttä {field!r}; sallitut: {known}",
        "sv": "{q}: okänt fält {field!r}; tillåtna: {known}",
        "en": "{q}: unknown field {field!r}; allowed: {known}",
    },
    "OPTION_UNKNOWN": {
        "fi": "{q}: {value!r} ei ole vaihtoehto; valitse jokin: {options}",
        "sv": "{q}: {value!r} är inget alternativ; välj ett av: {options}",
        "en": "{q}: {value!r} is not an option; choose one of: {options}",
    },
    "OPTION_REPEATED": {
        "fi": "{q}: {value!r} on valittu useammin kuin kerran",
        "sv": "{q}: {value!r} har valts mer än en gång",
        "en": "{q}: {value!r} is chosen more than once",
    },
    "COUNTY_UNKNOWN": {
        "fi": "{q}: tuntematon hyvinvointialueen koodi {value!r}",
        "sv": "{q}: okänd kod för välfärdsområde {value!r}",
        "en": "{q}: unknown county code {value!r}",
    },
    "COUNTY_NO_ORGANISER": {
        "fi": "{q}: alueella {value} ({name}) ei ole järjestäjää; valitse hyvinvointialue tai "
        "Helsinki (90)",
        "sv": "{q}: området {value} ({name}) har ingen anordnare; välj ett välfärdsområde eller "
        "Helsingfors (90)",
        "en": "{q}: area {value} ({name}) has no organiser; choose a county or Helsinki (90)",
    },
    "MUNICIPALITY_CODE_UNKNOWN": {
        "fi": "{q}: tuntematon kuntakoodi {value!r}",
        "sv": "{q}: okänd kommunkod {value!r}",
        "en": "{q}: unknown municipality code {value!r}",
    },
    "MUNICIPALITY_OTHER_COUNTY": {
        "fi": "{q}: kunta {value} {name} kuuluu alueeseen {other}, ei valittuun alueeseen "
        "{county}; poista se tai vaihda alue",
        "sv": "{q}: kommunen {value} {name} hör till området {other}, inte till det valda "
        "området {county}; ta bort den eller byt område",
        "en": "{q}: municipality {value} {name} belongs to county {other}, not to the chosen "
        "county {county}; remove it or change the county",
    },
    "MUNICIPALITY_REPEATED": {
        "fi": "{q}: kunta {value} on listattu useammin kuin kerran",
        "sv": "{q}: kommunen {value} finns mer än en gång",
        "en": "{q}: municipality {value} is listed more than once",
    },
    "ROWS_MISSING": {
        "fi": "{q}: vastaus puuttuu riveiltä {rows}; vastaa kaikkiin",
        "sv": "{q}: svar saknas för raderna {rows}; besvara alla",
        "en": "{q}: no answer for the rows {rows}; answer all of them",
    },
    "ROWS_INCOMPLETE": {
        "fi": "{q}: vastaus puuttuu riveiltä {rows}",
        "sv": "{q}: svar saknas för raderna {rows}",
        "en": "{q}: no answer for the rows {rows}",
    },
    "ROW_UNKNOWN": {
        "fi": "{q}: tuntematon rivi {value!r}; sallitut: {rows}",
        "sv": "{q}: okänd rad {value!r}; tillåtna: {rows}",
        "en": "{q}: unknown row {value!r}; allowed: {rows}",
    },
    "EMPTY_WHEN_APPLICABLE": {
        "fi": "{q} on jätetty tyhjäksi, vaikka {reason}",
        "sv": "{q} har lämnats tom fast {reason}",
        "en": "{q} is empty although {reason}",
    },
    "ARCHIVING_AFTER_TRANSITION": {
        "fi": "{q}: {value} on siirtymäajan päättymisen ({end}) jälkeen",
        "sv": "{q}: {value} är efter att övergångsperioden löper ut ({end})",
        "en": "{q}: {value} is after the end of the transition period ({end})",
    },
    "SOURCE_UNANSWERED": {
        "fi": "{q} on vastaamatta: rekisteri ei tiedä, mistä lähteestä {component} tulevat",
        "sv": "{q} är obesvarad: registret vet inte från vilken källa {component} kommer",
        "en": "{q} is unanswered: the register cannot know where {component} will come from",
    },
    "PARTITION_MISSING": {
        "fi": "alueen {county} kunta {value} {name} ei kuulu yhteenkään kuntaryhmään; lisää se "
        "jonkin ilmoituksen kuntiin",
        "sv": "kommunen {value} {name} i området {county} hör inte till någon kommungrupp; lägg "
        "till den i någon anmälan",
        "en": "municipality {value} {name} of county {county} is in no municipality group; add it "
        "to one notification",
    },
    "PARTITION_DOUBLED": {
        "fi": "alueen {county} kunta {value} {name} on useassa kuntaryhmässä: {groups}; jätä se "
        "vain yhteen",
        "sv": "kommunen {value} {name} i området {county} finns i flera kommungrupper: {groups}; "
        "behåll den i endast en",
        "en": "municipality {value} {name} of county {county} is in several municipality groups: "
        "{groups}; keep it in one only",
    },
}

_QUESTION_WORD = {"fi": "kysymys", "sv": "fråga", "en": "question"}
_EXPECTED = {
    "text": {"fi": "tekstiä", "sv": "text", "en": "text"},
    "list": {"fi": "luettelo", "sv": "en lista", "en": "a list"},
    "mapping": {"fi": "avain–arvo-taulukko", "sv": "en tabell med nycklar", "en": "a mapping"},
}
_COMPONENT_WORDS = {
    "lastensuojelu": {
        "fi": "lastensuojelun asiakkuustiedot (osa III)",
        "sv": "uppgifterna om klientrelation inom barnskyddet (del III)",
        "en": "the child-welfare client relationships (component III)",
    },
    "services": {
        "fi": "palvelupäätökset ja palvelutiedot (osat IV–V)",
        "sv": "servicebesluten och serviceuppgifterna (delarna IV–V)",
        "en": "the service decisions and services (components IV–V)",
    },
}


def _question_values(finding: Finding, lang: str) -> dict[str, object]:
    """``{q}``: the finding's question as "question N (id)" in the message's language."""
    if finding.question is None:
        return {}
    question = _question_by_number(finding.question)
    return {"q": f"{_QUESTION_WORD[lang]} {finding.question} ({question.id})"}


findings.register(MESSAGES, values=_question_values)


def _finding(
    code: str,
    severity: str,
    question: int | None,
    path: Path_,
    params: Mapping[str, Any] | None = None,
) -> Finding:
    """A finding about a question's answer at ``path`` of the document; where that is in a
    file is added by :meth:`Positions.locate` where the file is known."""
    return Finding(code, severity, question=question, path=path, params=params or {})


def _question_by_number(number: int) -> Question:
    return next(q for q in QUESTIONS.values() if q.number == number)


def _type_name(value: Any) -> str:
    return type(value).__name__


# --- one answer -------------------------------------------------------------------------------


def check_answer(
    question: Question, value: Any, answers: Mapping[str, Any], ctx: FormContext
) -> list[Finding]:
    """The issues of one given (non-empty) answer, judged with the other answers so far."""
    path = ("answers", question.id)
    out: list[Finding] = []

    def issue(code: str, severity: str = ERROR, sub: Path_ = (), **params: Any) -> None:
        out.append(_finding(code, severity, question.number, path + sub, params))

    def wrong(expected: str, sub: Path_ = (), got: Any = value) -> None:
        issue("WRONG_TYPE", sub=sub, expected=_EXPECTED[expected], got=_type_name(got))

    def text_ok(text: Any, sub: Path_ = ()) -> bool:
        if not isinstance(text, str):
            wrong("text", sub, text)
            return False
        if len(text) > question.max_length:
            issue("TEXT_TOO_LONG", sub=sub, length=len(text), limit=question.max_length)
        return True

    def option_ok(code: Any, sub: Path_ = ()) -> None:
        if not isinstance(code, str):
            wrong("text", sub, code)
        elif code not in question.option_codes():
            issue("OPTION_UNKNOWN", sub=sub, value=code, options=", ".join(question.option_codes()))

    match question.kind:
        case Kind.TEXT | Kind.LONG_TEXT:
            text_ok(value)
        case Kind.CONTACT:
            if not isinstance(value, Mapping):
                wrong("mapping")
                return out
            for key in value:
                if key not in CONTACT_FIELDS:
                    issue("FIELD_UNKNOWN", sub=(key,), field=key, known="name, email")
            for key in CONTACT_FIELDS:
                if not value.get(key):
                    issue("FIELD_MISSING", sub=(key,), field=key)
                elif text_ok(value[key], (key,)) and key == "email" and not email_valid(value[key]):
                    issue("EMAIL_INVALID", sub=(key,), value=value[key])
        case Kind.CHOICE:
            option_ok(value)
        case Kind.MULTI_CHOICE:
            if not isinstance(value, list):
                wrong("list")
                return out
            seen: set[str] = set()
            for i, code in enumerate(value):
                option_ok(code, (str(i),))
                if code in seen:
                    issue("OPTION_REPEATED", sub=(str(i),), value=code)
                seen.add(code)
        case Kind.COUNTY:
            if not isinstance(value, str):
                wrong("text")
            elif value not in codes.load("hyvinvointialue", ctx.codes_dir):
                issue("COUNTY_UNKNOWN", value=value)
            elif ctx.organisers_by_county and value not in ctx.organisers_by_county:
                name = codes.load("hyvinvointialue", ctx.codes_dir).label(value)
                issue("COUNTY_NO_ORGANISER", value=value, name=name)
        case Kind.MUNICIPALITIES:
            _check_municipalities(question, value, answers.get("county"), ctx, issue, wrong)
        case kind if kind in GRID_KINDS:
            if not isinstance(value, Mapping):
                wrong("mapping")
                return out
            rows = {r.code: r for r in question.grid_rows(ctx.codes_dir)}
            for key, code in value.items():
                if key not in rows:
                    issue("ROW_UNKNOWN", sub=(key,), value=key, rows=", ".join(rows))
                else:
                    option_ok(code, (key,))
            missing = [
                f"{code} {row.label('fi')}" for code, row in rows.items() if code not in value
            ]
            if missing:
                severity = ERROR if question.kind is Kind.PER_SERVICE_TASK else WARNING
                code = "ROWS_MISSING" if severity == ERROR else "ROWS_INCOMPLETE"
                issue(code, severity, rows=", ".join(missing))
    if (
        question.transition_end is not None
        and isinstance(value, str)
        and value.startswith("20")
        and value in question.option_codes()
        and value > str(question.transition_end)
    ):
        issue("ARCHIVING_AFTER_TRANSITION", WARNING, value=value, end=str(question.transition_end))
    return out


def _check_municipalities(question, value, county, ctx, issue, wrong) -> None:
    if not isinstance(value, list):
        wrong("list")
        return
    municipalities = codes.load("kunta", ctx.codes_dir)
    # membership is judged only against a valid county (question 2 reports a wrong one)
    known_counties = codes.load("hyvinvointialue", ctx.codes_dir)
    seen: set[str] = set()
    for i, code in enumerate(value):
        sub = (str(i),)
        if not isinstance(code, str):
            wrong("text", sub, code)
            continue
        found = municipalities.get(code)
        if found is None or found.extra.get("special"):
            issue("MUNICIPALITY_CODE_UNKNOWN", sub=sub, value=code)
            continue
        if code in seen:
            issue("MUNICIPALITY_REPEATED", sub=sub, value=code)
        seen.add(code)
        other = found.extra.get("county")
        if isinstance(county, str) and county in known_counties and other != county:
            issue(
                "MUNICIPALITY_OTHER_COUNTY",
                sub=sub,
                value=code,
                name=found.name("fi"),
                other=other,
                county=county,
            )


def email_valid(address: str) -> bool:
    """A plain address ``local@domain.tld``; an internationalised domain is checked as IDNA."""
    if len(address) > 254 or "@" not in address:
        return False
    local, _, domain = address.rpartition("@")
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    return len(local) <= 64 and bool(_EMAIL.match(f"{local}@{ascii_domain}"))


# --- the whole notification -------------------------------------------------------------------

_EMPTY_REASONS = {
    "other_client_system": {
        "fi": "kysymyksessä 5 on valittu 'Muu'",
        "sv": "'Annat' har valts i fråga 5",
        "en": "'Other' is chosen in question 5",
    },
    "exceptions": {
        "fi": "kysymykseen 7 on vastattu 'Ei, poikkeukset ovat'",
        "sv": "fråga 7 har besvarats med 'Nej, undantag är'",
        "en": "question 7 is answered 'No, the exceptions are'",
    },
    "discussion_topics": {
        "fi": "kysymykseen 30 on vastattu 'Kyllä'",
        "sv": "fråga 30 har besvarats med 'Ja'",
        "en": "question 30 is answered 'Yes'",
    },
    "other_extraction_method": {
        "fi": "kysymyksessä 26 muuta poimintatapaa hyödynnetään",
        "sv": "ett annat plockningssätt utnyttjas i fråga 26",
        "en": "another way of extracting is used in question 26",
    },
}


def check_notification(notification: Notification, ctx: FormContext) -> list[Finding]:
    """Every issue of one notification: answers, conditions, mandatory questions."""
    answers = notification.answers
    out: list[Finding] = []
    for key in answers:
        if key not in QUESTIONS:
            out.append(_finding("UNKNOWN_QUESTION", ERROR, None, ("answers", key), {"key": key}))
    for question in QUESTIONS.values():
        given = question.id in answers
        if not question.applies(answers):
            if given:
                condition = question.condition
                assert condition is not None
                out.append(
                    _finding(
                        "NOT_APPLICABLE",
                        ERROR,
                        question.number,
                        ("answers", question.id),
                        {
                            "condition": {
                                lang: condition.describe(lang) for lang in ("fi", "sv", "en")
                            },
                            "on": QUESTIONS[condition.on].number,
                        },
                    )
                )
            continue
        if given:
            out += check_answer(question, answers[question.id], answers, ctx)
        elif question.mandatory:
            out.append(_finding("MANDATORY_MISSING", ERROR, question.number, ("answers",)))
        elif question.id in _EMPTY_REASONS and question.id != "other_extraction_method":
            out.append(
                _finding(
                    "EMPTY_WHEN_APPLICABLE",
                    WARNING,
                    question.number,
                    ("answers",),
                    {"reason": _EMPTY_REASONS[question.id]},
                )
            )
    methods = answers.get("extraction_methods")
    if (
        isinstance(methods, Mapping)
        and methods.get("other") == "used"
        and "other_extraction_method" not in answers
        and QUESTIONS["other_extraction_method"].applies(answers)
    ):
        out.append(
            _finding(
                "EMPTY_WHEN_APPLICABLE",
                WARNING,
                27,
                ("answers",),
                {"reason": _EMPTY_REASONS["other_extraction_method"]},
            )
        )
    for qid, component in (
        ("child_welfare_source", "lastensuojelu"),
        ("social_services_method", "services"),
    ):
        if qid not in answers:
            out.append(
                _finding(
                    "SOURCE_UNANSWERED",
                    WARNING,
                    QUESTIONS[qid].number,
                    ("answers",),
                    {"component": _COMPONENT_WORDS[component]},
                )
            )
    return out


def check_document(data: Any, ctx: FormContext) -> tuple[Notification, list[Finding]]:
    """Read a parsed document and check it: the envelope's problems and the answers' issues."""
    from sosdata.notification.document import from_data

    notification, problems = from_data(data)
    issues = [
        _finding("DOCUMENT_INVALID", ERROR, None, path, {"detail": msg}) for path, msg in problems
    ]
    return notification, issues + check_notification(notification, ctx)


# --- across a county ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """How a county's municipality groups cover its municipalities."""

    county: str
    groups: dict[str, list[str]]
    missing: list[tuple[str, str]]
    doubled: list[tuple[str, str, list[str]]]

    @property
    def complete(self) -> bool:
        return not self.missing and not self.doubled


def coverage(county: str, groups: Mapping[str, Iterable[str]], codes_dir: Any = None) -> Coverage:
    """Which of the county's municipalities no group names, and which several groups name.

    ``groups`` maps a municipality group's name to its municipalities.
    """
    municipalities = codes.load("kunta", codes_dir)
    owners: dict[str, list[str]] = {}
    for group, members in groups.items():
        for m in dict.fromkeys(members):
            owners.setdefault(m, []).append(group)
    own = codes.municipalities_of(county, codes_dir)
    missing = [(m, municipalities.label(m)) for m in own if m not in owners]
    doubled = [
        (m, municipalities.label(m), sorted(g)) for m, g in sorted(owners.items()) if len(g) > 1
    ]
    return Coverage(county, {g: list(m) for g, m in groups.items()}, missing, doubled)


def check_partition(
    county: str, groups: Mapping[str, Iterable[str]], codes_dir: Any = None
) -> list[Finding]:
    """Every municipality of the county in exactly one group: the missing and the doubled."""
    result = coverage(county, groups, codes_dir)
    out = [
        _finding("PARTITION_MISSING", ERROR, None, (), {"county": county, "value": m, "name": name})
        for m, name in result.missing
    ]
    out += [
        _finding(
            "PARTITION_DOUBLED",
            ERROR,
            None,
            (),
            {"county": county, "value": m, "name": name, "groups": ", ".join(g)},
        )
        for m, name, g in result.doubled
    ]
    return out
