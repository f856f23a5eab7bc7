"""One translation mechanism: every text in fi, sv and en; the rules' texts reachable through it."""

from __future__ import annotations

import re

import pytest

from sosdata import i18n
from sosdata.delivery.rules import CATALOGUE


def test_no_text_lacks_a_language():
    problems = i18n.missing()
    assert problems == [], (
        "run 'python -m sosdata.i18n update' and fill in the empty translations: "
        + "; ".join(problems[:5])
    )


def test_the_code_marks_texts_and_the_catalogues_hold_them():
    extracted = i18n.extract()
    assert (None, "Sign in") in extracted
    for lang in i18n.LANGUAGES:
        assert (
            i18n.gettext(lang, "Sign in")
            == {"fi": "Kirjaudu sisään", "sv": "Logga in", "en": "Sign in"}[lang]
        )


def test_a_text_missing_from_a_catalogue_is_found(tmp_path, monkeypatch):
    """The check itself can fail: drop one Swedish translation and it names it."""
    from babel.messages.pofile import read_po, write_po

    for lang in i18n.LANGUAGES:
        target = tmp_path / lang / "LC_MESSAGES" / "sosdata.po"
        target.parent.mkdir(parents=True)
        with i18n.catalogue_path(lang).open("rb") as f:
            catalog = read_po(f, locale=lang)
        if lang == "sv":
            catalog["Sign out"].string = ""
            catalog.delete("Home")
        with target.open("wb") as f:
            write_po(f, catalog)
    monkeypatch.setattr(i18n, "locale_dir", lambda: tmp_path)
    problems = i18n.missing()
    assert "sv: 'Sign out' (text) has no translation" in problems
    assert "sv: 'Home' (text) is not in the catalogue" in problems
    assert not [p for p in problems if not p.startswith("sv:")]


def test_placeholders_agree_across_languages():
    from babel.messages.pofile import read_po

    for lang in i18n.LANGUAGES:
        with i18n.catalogue_path(lang).open("rb") as f:
            for message in read_po(f, locale=lang):
                if not message.id or message.context:
                    continue
                ids = message.id if isinstance(message.id, tuple) else (message.id,)
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                wanted = set(re.findall(r"\{(\w+)\}", ids[-1]))
                for text in strings:
                    assert set(re.findall(r"\{(\w+)\}", text)) <= wanted | {"n"}, (lang, text)


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_rule_texts_come_through_the_catalogue_and_equal_the_rule_catalogue(lang):
    for rule in CATALOGUE:
        assert i18n.rule_text(lang, rule.id) == rule.explanation[lang]
        assert i18n.rule_text(lang, rule.id, i18n.RULE_MESSAGE) == rule.message[lang]


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        (None, "fi"),
        ("", "fi"),
        ("sv", "sv"),
        ("sv-FI", "sv"),
        ("en-US,en;q=0.9", "en"),
        ("de;q=1, sv;q=0.2, en;q=0.5", "en"),
        ("nb-NO, sv;q=0.1", "sv"),
        ("en;q=0, sv;q=0.1", "sv"),
        ("fi;q=abc, en", "en"),
        ("*", "fi"),
    ],
)
def test_accept_language(header, lang):
    assert i18n.negotiate(header) == lang
