"""The rule catalogue: the ids others rely on, three languages, and the generated docs."""

from __future__ import annotations

import re
from pathlib import Path

from sosdata.delivery import rules
from sosdata.delivery.docs import rules_markdown

REPO = Path(__file__).resolve().parents[2]

CONTRACT = {
    "error_file": "FILE_NOT_UTF8 FILE_DELIMITER FILE_EMPTY FILE_HEADER_MISSING "
    "FILE_HEADER_DUPLICATE FILE_HEADER_UNKNOWN FILE_RAGGED_ROW FILE_UNKNOWN "
    "COMPONENT_NOT_DECLARED COMPONENT_DECLARED_MISSING MANIFEST_MISSING MANIFEST_INVALID "
    "MANIFEST_PERIOD_MISMATCH MANIFEST_ORGANISER_MISMATCH TOO_MANY_ERRORS",
    "error_row": "REQUIRED_MISSING HETU_FORMAT HETU_DATE HETU_INDIVIDUAL_NUMBER HETU_CHECKSUM "
    "ORGANISER_UNKNOWN ORGANISER_NOT_MANIFEST MUNICIPALITY_UNKNOWN SEX_UNKNOWN "
    "SERVICE_TASK_UNKNOWN SERVICE_TASK_FAMILY_LAW SOCIAL_SERVICE_UNKNOWN DECISION_TYPE_UNKNOWN "
    "DATE_INVALID START_AFTER_END RANGE_NOT_IN_PERIOD START_AFTER_PERIOD "
    "DECISION_DATE_AFTER_PERIOD BORN_AFTER_START SERVICE_TASK_AMBIGUOUS",
    "warning_row": "HETU_TEMPORARY SEX_CONTRADICTS_HETU START_BEFORE_2020 DUPLICATE_ROW "
    "OVERLAPPING_PERIODS MUNICIPALITY_OUTSIDE_AREA CW_CLIENT_OVER_25 SERVICE_TASK_NOT_INFERRED",
}


def test_contract_ids_exist_with_their_severity_and_level():
    for group, ids in CONTRACT.items():
        severity, level = group.split("_")
        for rule_id in ids.split():
            rule = rules.get(rule_id)
            assert getattr(rules, rule_id) == rule_id
            assert rule.severity.value == severity, rule_id
            assert rule.level.value == level, rule_id


def test_ids_are_unique_and_stable_in_form():
    ids = [r.id for r in rules.CATALOGUE]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[A-Z][A-Z0-9_]+", i) for i in ids)


def test_every_rule_speaks_three_languages():
    for rule in rules.CATALOGUE:
        for text in (rule.explanation, rule.message):
            assert set(text) == set(rules.LANGUAGES), rule.id
            assert all(t.strip() for t in text.values()), rule.id
        # the same placeholders in every language
        placeholders = {lang: set(re.findall(r"\{(\w+)\}", m)) for lang, m in rule.message.items()}
        assert len({frozenset(p) for p in placeholders.values()}) == 1, rule.id


def test_row_rules_have_checks_and_file_rules_none():
    for rule in rules.CATALOGUE:
        if rule.level is rules.Level.ROW:
            assert rule.check is not None and rule.targets is not None, rule.id
            assert set(re.findall(r"\{(\w+)\}", rule.message["en"])) <= {
                "value",
                "other",
                "column",
                "period",
            }, rule.id
        else:
            assert rule.check is None, rule.id


def test_committed_rules_doc_is_current():
    committed = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == rules_markdown(), "run: python -m sosdata.delivery.docs"


def test_every_rule_is_documented():
    doc = rules_markdown()
    for rule in rules.CATALOGUE:
        assert f"`{rule.id}`" in doc
        assert rule.explanation["en"] in doc
