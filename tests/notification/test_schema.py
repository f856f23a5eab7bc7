"""The JSON Schema generated from the model: current in docs, and agreeing with the checks."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from sosdata import findings
from sosdata.notification import checks, schema
from sosdata.notification.document import from_data
from sosdata.notification.form import FormContext

DOCUMENTED = Path(__file__).resolve().parents[2] / "docs" / "notification.schema.json"


@pytest.fixture(scope="module")
def validator():
    built = schema.build(FormContext.package())
    jsonschema.Draft202012Validator.check_schema(built)
    return jsonschema.Draft202012Validator(built, format_checker=jsonschema.FormatChecker())


def test_the_documented_schema_is_current():
    assert json.loads(DOCUMENTED.read_text(encoding="utf-8")) == schema.build(
        FormContext.package()
    ), (
        "docs/notification.schema.json is stale: run "
        "'sosdata notification schema --out docs/notification.schema.json'"
    )


def test_the_example_is_valid(validator, example_data):
    assert list(validator.iter_errors(example_data)) == []


def test_the_canonical_json_form_is_valid_and_reads_back(validator, example):
    document = json.loads(example.to_json())
    assert list(validator.iter_errors(document)) == []
    again, problems = from_data(document)
    assert problems == [] and again == example


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"client_systems": ["apotti"]}, "NOT_APPLICABLE"),  # 6 answered without "other"
        ({"system_covers_all_tasks": "yes"}, "NOT_APPLICABLE"),  # 8
        ({"social_services_method": "kanta_structured"}, "NOT_APPLICABLE"),  # 24–29
        ({"discussions": "no"}, "NOT_APPLICABLE"),  # 31
        ({"group_name": None}, "MANDATORY_MISSING"),
        ({"municipalities": ["638", "092"]}, "MUNICIPALITY_OTHER_COUNTY"),
        ({"county": "91"}, "COUNTY_NO_ORGANISER"),
        ({"client_periods_source": {"1": "kanta"}}, "ROWS_MISSING"),
        ({"contact": {"name": "M", "email": "no-at-sign"}}, "EMAIL_INVALID"),
        ({"discussions": "perhaps"}, "OPTION_UNKNOWN"),
        ({"colour": "blue"}, "UNKNOWN_QUESTION"),
    ],
)
def test_schema_and_checks_reject_the_same_documents(validator, ctx, example_data, changes, code):
    answers = example_data["answers"]
    for key, value in changes.items():
        if value is None:
            answers.pop(key)
        else:
            answers[key] = value
    assert list(validator.iter_errors(example_data)), f"the schema accepted {changes}"
    _, issues = checks.check_document(example_data, ctx)
    assert code in {i.code for i in findings.errors(issues)}


def test_the_documented_question_table_is_current():
    text = (DOCUMENTED.parent / "notification.md").read_text(encoding="utf-8")
    start = text.index("<!-- generated: sosdata.notification.schema.question_table() -->\n")
    end = text.index("<!-- end of generated table -->")
    documented = text[start:end].split("\n", 1)[1]
    assert documented == schema.question_table(), "docs/notification.md: regenerate the table"
