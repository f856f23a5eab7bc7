"""Texts in Finnish, Swedish and English: the one translation mechanism of the project.

Every text shown to a person comes from the gettext catalogues
``sosdata/locale/{fi,sv,en}/LC_MESSAGES/sosdata.po`` (translators edit them with any PO editor).
The message ids are the English texts; the English catalogue repeats them so that a missing
English text is as visible as a missing Finnish one. The catalogues are read with Babel when first
used (no compiled ``.mo`` files, no network).

Code marks texts for extraction by calling ``_``/``t``/``gettext``/``ngettext``/``pgettext`` on a
:class:`Translator` (templates get one as ``_``), or ``N_`` where a text is defined and
translated later. Placeholders are ``{name}`` and filled by keyword.

The validation rules' explanations and messages are written in ``delivery/rules.py`` (their
messages are templates that Polars fills per row, so the rule stays one entry in one place);
``python -m sosdata.i18n update`` copies them into the catalogues under the contexts
``rule explanation`` and ``rule message``, keyed by rule id, and a test fails when the two
differ. So a page asks ``rule_text(lang, rule_id)`` like any other text.

    python -m sosdata.i18n update   # extract texts from the code, merge into the catalogues
    python -m sosdata.i18n check    # list texts that lack a language (the tests do the same)
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Iterable, Sequence
from functools import cache
from importlib import resources
from pathlib import Path

LANGUAGES = ("fi", "sv", "en")
DEFAULT_LANGUAGE = "fi"
LANGUAGE_NAMES = {"fi": "suomeksi", "sv": "på svenska", "en": "in English"}
DOMAIN = "sosdata"
RULE_EXPLANATION = "rule explanation"
RULE_MESSAGE = "rule message"

#: where texts are looked for: (files under the package, Babel extraction method)
SOURCES = (
    ("web/**.py", "python"),
    ("app/**.py", "python"),
    ("reminders.py", "python"),
    ("web/templates/**.html", "jinja2.ext:babel_extract"),
)
KEYWORDS = {
    "_": None,
    "t": None,
    "gettext": None,
    "N_": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
}

Key = tuple[str | None, str]


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Marks a text for extraction where it is defined; it is translated where it is shown."""
    return message


def locale_dir() -> Path:
    return Path(str(resources.files("sosdata").joinpath("locale")))


def catalogue_path(lang: str) -> Path:
    return locale_dir() / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def _message_id(message_id: str | Sequence[str]) -> str:
    """A catalogue message's id: the singular form of a plural message."""
    return message_id if isinstance(message_id, str) else message_id[0]


def _translation(string: str | Sequence[str] | None) -> str | tuple[str, ...]:
    """A catalogue message's translation: a text, or the forms of a plural message."""
    if string is None:
        return ""
    return string if isinstance(string, str) else tuple(string)


@cache
def _catalogue(lang: str) -> dict[Key, str | tuple[str, ...]]:
    from babel.messages.pofile import read_po

    with catalogue_path(lang).open("rb") as f:
        catalog = read_po(f, locale=lang, domain=DOMAIN)
    found: dict[Key, str | tuple[str, ...]] = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        found[(message.context, _message_id(message.id))] = _translation(message.string)
    return found


def _format(text: str, params: dict[str, object]) -> str:
    return text.format(**params) if params else text


class Translator:
    """The texts of one language; templates call it as ``_``."""

    def __init__(self, lang: str) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"{lang!r}: not one of {LANGUAGES}")
        self.lang = lang
        self._texts = _catalogue(lang)

    def _lookup(self, context: str | None, message: str) -> str | tuple[str, ...] | None:
        found = self._texts.get((context, message))
        return found or None

    def gettext(self, message: str, **params: object) -> str:
        found = self._lookup(None, message)
        text = found if isinstance(found, str) else message
        return _format(text, params)

    __call__ = gettext
    _ = gettext

    def ngettext(self, singular: str, plural: str, n: int, **params: object) -> str:
        found = self._lookup(None, singular)
        forms = found if isinstance(found, tuple) else (singular, plural)
        # fi, sv and en have the same plural rule: one, and the rest
        return _format(forms[0 if n == 1 else 1], {"n": n, **params})

    def pgettext(self, context: str, message: str, **params: object) -> str:
        found = self._lookup(context, message)
        return _format(found if isinstance(found, str) else message, params)


@cache
def translator(lang: str) -> Translator:
    return Translator(lang)


def gettext(lang: str, message: str, **params: object) -> str:
    return translator(lang).gettext(message, **params)


def rule_text(lang: str, rule_id: str, kind: str = RULE_EXPLANATION) -> str:
    """A validation rule's explanation (or message template) in ``lang``."""
    return translator(lang).pgettext(kind, rule_id)


_ACCEPT_ITEM = re.compile(
    r"^\s*([A-Za-z]{1,8})(?:-[A-Za-z0-9]{1,8})*\s*(?:;\s*q\s*=\s*([^,;\s]*))?"
)


def negotiate(accept_language: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """The register's language that a browser's ``Accept-Language`` prefers most."""
    best: tuple[float, int, str] | None = None
    for position, item in enumerate((accept_language or "").split(",")):
        match = _ACCEPT_ITEM.match(item)
        if not match:
            continue
        lang = match.group(1).lower()
        if lang == "nb" or lang == "nn" or lang == "no":
            continue
        try:
            quality = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        if lang in LANGUAGES and quality > 0:
            candidate = (-quality, position, lang)
            best = candidate if best is None or candidate < best else best
    return best[2] if best else default


# --------------------------------------------------------------------------- catalogue upkeep


def rule_texts() -> dict[Key, dict[str, str]]:
    """The rule catalogue's texts as catalogue entries: (context, rule id) → language → text."""
    from sosdata.delivery.rules import CATALOGUE

    entries: dict[Key, dict[str, str]] = {}
    for rule in CATALOGUE:
        entries[(RULE_EXPLANATION, rule.id)] = dict(rule.explanation)
        entries[(RULE_MESSAGE, rule.id)] = dict(rule.message)
    return entries


def extract() -> dict[Key, tuple[str, ...]]:
    """Every text the code marks for translation: (context, id) → plural forms of the id."""
    from babel.messages.extract import extract_from_dir

    root = str(resources.files("sosdata"))
    found: dict[Key, tuple[str, ...]] = {}
    for _file, _line, message, _comments, context in extract_from_dir(
        root, method_map=list(SOURCES), keywords=KEYWORDS, strip_comment_tags=True
    ):
        forms = message if isinstance(message, tuple) else (message,)
        if forms[0]:
            found[(context, forms[0])] = forms
    return found


def missing(languages: Iterable[str] = LANGUAGES) -> list[str]:
    """One line per text that some language lacks (empty: every text in every language)."""
    from babel.messages.pofile import read_po

    problems: list[str] = []
    wanted = set(extract()) | set(rule_texts())
    for lang in languages:
        with catalogue_path(lang).open("rb") as f:
            catalog = read_po(f, locale=lang, domain=DOMAIN)
        have: set[Key] = set()
        for message in catalog:
            if not message.id:
                continue
            key = (message.context, _message_id(message.id))
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.fuzzy or not all(strings):
                problems.append(f"{lang}: {key[1]!r} ({key[0] or 'text'}) has no translation")
            else:
                have.add(key)
        for key in sorted(wanted - have, key=lambda k: (k[0] or "", k[1])):
            if not any(p.startswith(f"{lang}: {key[1]!r} (") for p in problems):
                problems.append(f"{lang}: {key[1]!r} ({key[0] or 'text'}) is not in the catalogue")
    return problems


def _order(item: tuple[Key, object]) -> tuple[str, str]:
    return (item[0][0] or "", item[0][1])


_FIXED_DATE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def update() -> None:
    """Merge the extracted texts and the rule catalogue into each language's catalogue.

    Existing translations are kept; new texts get an empty translation (the check fails until a
    translator fills it in); rule texts are copied from ``delivery/rules.py``; texts no longer
    in the code are dropped.
    """
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    texts = extract()
    rules = rule_texts()
    for lang in LANGUAGES:
        path = catalogue_path(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        old: dict[Key, str | tuple[str, ...]] = {}
        if path.exists():
            with path.open("rb") as f:
                for message in read_po(f, locale=lang, domain=DOMAIN):
                    if message.id:
                        key_id = _message_id(message.id)
                        old[(message.context, key_id)] = _translation(message.string)
        catalog = Catalog(
            locale=lang,
            domain=DOMAIN,
            project="sosdata",
            version="1",
            copyright_holder="the sosdata authors",
            header_comment=f"# sosdata: texts in {lang}. Edit the translations (msgstr); "
            "'python -m sosdata.i18n update' adds new texts.",
            # fixed dates keep the catalogues' diffs to the texts that changed
            creation_date=_FIXED_DATE,
            revision_date=_FIXED_DATE,
            fuzzy=False,
        )
        for (context, key), forms in sorted(texts.items(), key=_order):
            previous = old.get((context, key))
            if len(forms) > 1:
                string = previous if isinstance(previous, tuple) else ("", "")
                if lang == "en" and not all(string):
                    string = forms
                catalog.add(forms, string, context=context)
            else:
                text = previous if isinstance(previous, str) else ""
                catalog.add(key, text or (key if lang == "en" else ""), context=context)
        for (context, key), by_lang in sorted(rules.items(), key=_order):
            catalog.add(key, by_lang[lang], context=context)
        with path.open("wb") as f:
            write_po(f, catalog, width=100, sort_output=False, omit_header=False)
    _catalogue.cache_clear()
    translator.cache_clear()


def main(argv: list[str]) -> int:
    if argv[:1] == ["update"]:
        update()
        argv = ["check"]
    if argv[:1] == ["check"]:
        problems = missing()
        for line in problems:
            print(line)
        return 1 if problems else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
