"""The form's model: all 33 questions of the original form, in three languages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sosdata.notification import form
from sosdata.notification.form import QUESTIONS, SEPARATE_DELIVERERS, Kind

SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "000_538b60d9c951d1e2.txt"


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_there_are_33_questions_numbered_in_order_with_unique_ids():
    numbers = [q.number for q in form.questions()]
    assert numbers == list(range(1, 34))
    assert len({q.id for q in form.questions()}) == 33
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", q.id) for q in form.questions())


def test_every_label_and_option_exists_in_three_languages():
    for q in form.questions():
        for lang in ("fi", "sv", "en"):
            assert q.labels[lang].strip(), (q.number, lang)
        codes = [o.code for o in q.options]
        assert len(codes) == len(set(codes)), q.number
        for option in (*q.options, *q.rows):
            assert all(option.labels[lang].strip() for lang in ("fi", "sv", "en")), option
        if q.kind in (Kind.CHOICE, Kind.MULTI_CHOICE, *form.GRID_KINDS):
            assert q.options, q.number


@pytest.mark.skipif(not SEED.exists(), reason="the original form is not available")
def test_swedish_labels_are_the_original_forms_wording():
    seed = _squash(SEED.read_text(encoding="utf-8"))
    for q in form.questions():
        # questions 10–15 carry the service task's name from the form; the rest their text
        label = _squash(q.labels["sv"]).rstrip(".:")
        assert label[:40] in seed or label.split(" (")[0] in seed, (q.number, label)
        for option in (*q.options, *q.rows):
            sv = _squash(option.labels["sv"]).rstrip(".:")
            assert re.fullmatch(r"\d{4}Q\d", sv) or sv[:30] in seed, (q.number, sv)


def test_mandatory_questions_are_17_30_and_the_identifying_ones():
    assert {q.number for q in form.questions() if q.mandatory} == {1, 2, 3, 4, 17, 30}


def test_conditions_are_those_of_the_original_form():
    conditioned = {q.number: q.condition for q in form.questions() if q.condition}
    assert set(conditioned) == {6, 8, 24, 25, 26, 27, 28, 29, 31}
    assert conditioned[6] == form.Condition("client_systems", ("other",))
    assert conditioned[8] == form.Condition("system_covers_all_tasks", ("no_exceptions",))
    assert conditioned[31] == form.Condition("discussions", ("yes",))
    for number in range(24, 30):
        assert conditioned[number] == form.Condition("social_services_method", SEPARATE_DELIVERERS)
    assert set(SEPARATE_DELIVERERS) == {"kanta_supplemented", "separate", "separate_partial"}


@pytest.mark.parametrize(
    ("answers", "applies"),
    [
        ({"client_systems": ["apotti", "other"]}, {6}),
        ({"client_systems": ["apotti"]}, set()),
        ({"system_covers_all_tasks": "no_exceptions"}, {8}),
        ({"system_covers_all_tasks": "yes_except_home_care"}, set()),
        ({"social_services_method": "separate_partial"}, {24, 25, 26, 27, 28, 29}),
        ({"social_services_method": "kanta_structured"}, set()),
        ({"discussions": "yes"}, {31}),
        ({"discussions": "no"}, set()),
    ],
)
def test_applicable_questions_follow_the_answers(answers, applies):
    conditional = {6, 8, 24, 25, 26, 27, 28, 29, 31}
    shown = {q.number for q in form.applicable(answers)}
    assert shown & conditional == applies
    assert set(range(1, 34)) - conditional <= shown


def test_grid_rows_come_from_the_code_sets():
    per_task = QUESTIONS["client_periods_source"].grid_rows()
    assert [r.code for r in per_task] == ["1", "2", "3", "4", "5", "6"]  # no family law (7)
    assert per_task[3].labels["sv"] == "Barnskydd"
    per_service = QUESTIONS["social_service_delivery"].grid_rows()
    assert len(per_service) == 35 and per_service[34].labels["sv"] == "Stödrelationsverksamhet"
    assert [r.code for r in QUESTIONS["decision_extraction"].grid_rows()] == [
        "positive_in_period",
        "valid_from_earlier",
        "ending_in_period",
        "negative",
    ]


def test_archiving_questions_name_their_task_and_transition_end():
    archiving = [q for q in form.questions() if q.service_task]
    assert [q.number for q in archiving] == list(range(10, 16))
    assert [str(q.transition_end) for q in archiving] == [
        "2024Q3",
        "2024Q3",
        "2024Q3",
        "2025Q1",
        "2025Q3",
        "2026Q1",
    ]
    assert archiving[3].labels["sv"] == "Barnskyddet (3/2025)"
    options = archiving[0].option_codes()
    assert options[0] == "2023Q1" and options[15] == "2026Q4" and options[-1] == "transition_end"


def test_the_form_is_plain_data_for_a_web_page():
    described = json.loads(json.dumps(form.describe()))
    assert described["form_version"] == form.FORM_VERSION
    assert len(described["questions"]) == 33
    q6 = described["questions"][5]
    assert q6["condition"] == {"question": "client_systems", "any_of": ["other"]}
    assert described["questions"][27]["rows"][0]["labels"]["fi"] == "Ammatillinen perhehoito"
    assert {s["id"] for s in described["sections"]} == {
        q["section"] for q in described["questions"]
    }


def test_prune_drops_answers_to_questions_that_stopped_applying():
    from sosdata.notification.form import prune

    answers = {
        "social_services_method": "impossible",
        "decision_extraction": {"negative": "yes"},
        "notes_social_services": "text",
        "discussions": "yes",
        "discussion_topics": "the timetable",
    }
    kept, dropped = prune(answers)
    assert dropped == ["decision_extraction", "notes_social_services"]
    assert kept == {k: v for k, v in answers.items() if k not in dropped}
    assert prune(kept) == (kept, [])
