"""Every check and condition of a notification, with messages in three languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from sosdata import findings
from sosdata.notification import checks
from sosdata.notification.document import NotificationError, parse_text, read_file
from sosdata.notification.form import QUESTIONS, SEPARATE_DELIVERERS
from sosdata.register.notifications.store import raise_if_errors


def _codes(issues, severity=None):
    return sorted(
        (i.code, i.question) for i in issues if severity is None or i.severity == severity
    )


def test_the_documented_example_has_no_issue(example, ctx):
    assert checks.check_notification(example, ctx) == []


# --- conditions -------------------------------------------------------------------------------


def test_6_only_when_5_is_other(example, ctx, change):
    without_other = change(example, client_systems=["pro_consona"])
    assert _codes(checks.check_notification(without_other, ctx)) == [("NOT_APPLICABLE", 6)]
    fine = change(without_other, other_client_system=None)
    assert checks.check_notification(fine, ctx) == []
    empty = change(example, other_client_system=None)
    assert _codes(checks.check_notification(empty, ctx)) == [("EMPTY_WHEN_APPLICABLE", 6)]
    assert checks.check_notification(empty, ctx)[0].severity == "warning"


def test_8_only_when_7_is_no_with_exceptions(example, ctx, change):
    for answer in ("yes", "yes_except_home_care"):
        issues = checks.check_notification(change(example, system_covers_all_tasks=answer), ctx)
        assert _codes(issues) == [("NOT_APPLICABLE", 8)]
        message = issues[0].message("en")
        assert 'only when question 7 is answered "No, the exceptions are:"' in message
    empty = change(example, exceptions=None)
    assert _codes(checks.check_notification(empty, ctx)) == [("EMPTY_WHEN_APPLICABLE", 8)]


@pytest.mark.parametrize("method", QUESTIONS["social_services_method"].option_codes())
def test_24_to_29_only_for_separate_deliverers(example, ctx, change, method):
    issues = checks.check_notification(change(example, social_services_method=method), ctx)
    if method in SEPARATE_DELIVERERS:
        assert issues == []
    else:
        assert _codes(issues) == [("NOT_APPLICABLE", n) for n in range(24, 30)]
        stripped = change(
            example,
            social_services_method=method,
            **{QUESTIONS[q].id: None for q in QUESTIONS if 24 <= QUESTIONS[q].number <= 29},
        )
        assert checks.check_notification(stripped, ctx) == []


def test_27_is_expected_when_another_extraction_method_is_used(example, ctx, change):
    issues = checks.check_notification(change(example, other_extraction_method=None), ctx)
    assert _codes(issues) == [("EMPTY_WHEN_APPLICABLE", 27)]
    unused = change(
        example,
        other_extraction_method=None,
        extraction_methods={**example.answers["extraction_methods"], "other": "not_used"},
    )
    assert checks.check_notification(unused, ctx) == []


def test_31_only_when_30_is_yes(example, ctx, change):
    assert _codes(checks.check_notification(change(example, discussions="no"), ctx)) == [
        ("NOT_APPLICABLE", 31)
    ]
    assert (
        checks.check_notification(change(example, discussions="no", discussion_topics=None), ctx)
        == []
    )
    assert _codes(checks.check_notification(change(example, discussion_topics=None), ctx)) == [
        ("EMPTY_WHEN_APPLICABLE", 31)
    ]


# --- mandatory questions and answers ------------------------------------------------------------


@pytest.mark.parametrize(
    "qid",
    ["contact", "county", "municipalities", "group_name", "client_periods_source", "discussions"],
)
def test_mandatory_questions(example, ctx, change, qid):
    changes = {qid: None}
    if qid == "discussions":
        changes["discussion_topics"] = None  # 31 depends on 30
    issues = checks.check_notification(change(example, **changes), ctx)
    assert ("MANDATORY_MISSING", QUESTIONS[qid].number) in _codes(issues, "error")


def test_unanswered_source_questions_are_warned_about(example, ctx, change):
    issues = checks.check_notification(change(example, child_welfare_source=None), ctx)
    assert _codes(issues) == [("SOURCE_UNANSWERED", 20)]
    assert "where the child-welfare client relationships (component III)" in issues[0].message("en")


@pytest.mark.parametrize(
    "address",
    ["maija.meikalainen@example.fi", "a+b@sub.example.org", "matti@hyvinvointialue-ä.fi"],
)
def test_valid_email(address):
    assert checks.email_valid(address)


@pytest.mark.parametrize(
    "address",
    [
        "",
        "maija",
        "maija@",
        "@example.fi",
        "maija@example",
        "maija@@example.fi",
        "maija meikäläinen@example.fi",
        "maija.@example.fi",
        "maija..m@example.fi",
        "maija@-example.fi",
        "a" * 65 + "@example.fi",
    ],
)
def test_invalid_email(example, ctx, change, address):
    assert not checks.email_valid(address)
    contact = {"name": "Maija", "email": address}
    issues = checks.check_notification(change(example, contact=contact), ctx)
    expected = "FIELD_MISSING" if not address else "EMAIL_INVALID"
    assert _codes(issues) == [(expected, 1)]
    assert issues[0].path == ("answers", "contact", "email")


def test_contact_fields(example, ctx, change):
    issues = checks.check_notification(
        change(example, contact={"email": "m@example.fi", "phone": "040"}), ctx
    )
    assert _codes(issues) == [("FIELD_MISSING", 1), ("FIELD_UNKNOWN", 1)]


def test_municipalities_must_belong_to_the_chosen_county(example, ctx, change):
    issues = checks.check_notification(change(example, municipalities=["638", "092", "245"]), ctx)
    assert _codes(issues) == [("MUNICIPALITY_OTHER_COUNTY", 3)] * 2
    message = issues[0].message("en")
    assert "092 Vantaa belongs to county 04, not to the chosen county 01" in message
    assert "kunta 092 Vantaa kuuluu alueeseen 04" in issues[0].message("fi")
    assert "kommunen 092 Vantaa hör till området 04" in issues[0].message("sv")


def test_unknown_special_and_repeated_municipalities(example, ctx, change):
    issues = checks.check_notification(
        change(example, municipalities=["638", "999", "198", "638"]), ctx
    )
    assert _codes(issues) == [
        ("MUNICIPALITY_CODE_UNKNOWN", 3),
        ("MUNICIPALITY_CODE_UNKNOWN", 3),
        ("MUNICIPALITY_REPEATED", 3),
    ]


def test_county_must_exist_and_have_an_organiser(example, ctx, change):
    assert _codes(checks.check_notification(change(example, county="55"), ctx)) == [
        ("COUNTY_UNKNOWN", 2)
    ]
    issues = checks.check_notification(change(example, county="91", municipalities=["478"]), ctx)
    assert _codes(issues) == [("COUNTY_NO_ORGANISER", 2)]
    helsinki = change(example, county="90", municipalities=["091"])
    assert checks.check_notification(helsinki, ctx) == []


def test_all_six_reported_service_tasks_must_be_answered(example, ctx, change):
    partial = {k: v for k, v in example.answers["client_periods_source"].items() if k not in "46"}
    issues = checks.check_notification(change(example, client_periods_source=partial), ctx)
    assert _codes(issues) == [("ROWS_MISSING", 17)]
    assert "4 Lastensuojelu, 6 Päihdehuolto" in issues[0].message("en")
    family_law = {**example.answers["client_periods_source"], "7": "kanta"}
    issues = checks.check_notification(change(example, client_periods_source=family_law), ctx)
    assert _codes(issues) == [("ROW_UNKNOWN", 17)]
    assert issues[0].path == ("answers", "client_periods_source", "7")


def test_options_must_be_known(example, ctx, change):
    issues = checks.check_notification(
        change(
            example,
            discussions="maybe",
            discussion_topics=None,
            client_systems=["apotti", "sap", "apotti", "other"],
            client_periods_source={**example.answers["client_periods_source"], "1": "cloud"},
            archiving_families="2027Q1",
        ),
        ctx,
    )
    assert _codes(issues) == [
        ("OPTION_REPEATED", 5),
        ("OPTION_UNKNOWN", 5),
        ("OPTION_UNKNOWN", 12),
        ("OPTION_UNKNOWN", 17),
        ("OPTION_UNKNOWN", 30),
    ]
    assert "choose one of: no, yes" in next(i for i in issues if i.question == 30).message("en")


def test_optional_grids_may_be_partial_with_a_warning(example, ctx, change):
    partial = {"1": "mainly", "2": "no"}
    issues = checks.check_notification(change(example, social_service_delivery=partial), ctx)
    assert _codes(issues) == [("ROWS_INCOMPLETE", 28)]
    assert issues[0].severity == "warning"


def test_archiving_after_the_transition_period_is_warned_about(example, ctx, change):
    issues = checks.check_notification(change(example, archiving_older_people="2024Q4"), ctx)
    assert _codes(issues) == [("ARCHIVING_AFTER_TRANSITION", 10)]
    assert checks.check_notification(change(example, archiving_older_people="2024Q3"), ctx) == []


def test_types_lengths_and_unknown_questions(example, ctx, change):
    issues = checks.check_notification(
        change(
            example,
            group_name=["a list"],
            feedback="x" * 4001,
            colour="blue",
            client_periods_source="kanta",
        ),
        ctx,
    )
    assert _codes(issues) == [
        ("TEXT_TOO_LONG", 33),
        ("UNKNOWN_QUESTION", None),
        ("WRONG_TYPE", 4),
        ("WRONG_TYPE", 17),
    ]


# --- reading documents: positions, text scalars ------------------------------------------------


def test_errors_name_file_line_and_column(tmp_path: Path, ctx):
    text = (
        "round: 2023Q1\n"
        "lang: en\n"
        "answers:\n"
        "  contact: {name: Maija, email: maija@}\n"
        "  county: 01\n"
        "  municipalities: [638, 092]\n"
        "  group_name: Porvoo\n"
        "  client_periods_source: {1: kanta, 2: kanta, 3: kanta, 4: kanta, 5: kanta, 6: kanta}\n"
        "  discussions: yes\n"
        "  discussion_topics: none\n"
    )
    path = tmp_path / "n.yaml"
    path.write_text(text, encoding="utf-8")
    data, positions = read_file(path)
    notification, issues = checks.check_document(data, ctx)
    # plain YAML scalars stay text: codes keep their leading zeros, "yes" is not a boolean
    assert notification.county == "01" and notification.municipalities == ["638", "092"]
    assert notification.answers["discussions"] == "yes"
    located = [positions.locate(i).located("en") for i in findings.errors(issues)]
    assert located == [
        f"{path}, line 4, column 33: question 1 (contact): 'maija@' is not a valid e-mail "
        "address (of the form name@example.fi)",
        f"{path}, line 6, column 25: question 3 (municipalities): municipality 092 Vantaa "
        "belongs to county 04, not to the chosen county 01; remove it or change the county",
    ]
    with pytest.raises(NotificationError, match="2 error"):
        raise_if_errors(issues, positions)


def test_syntax_errors_name_line_and_column():
    with pytest.raises(NotificationError, match=r"x\.yaml, line 3, column 1: not valid YAML"):
        parse_text("round: 2023Q1\nanswers: [a, b\n", "x.yaml", "yaml")
    with pytest.raises(NotificationError, match=r"x\.json, line 1, column 13: not valid JSON"):
        parse_text('{"round": 1,}', "x.json", "json")


def test_envelope_problems(ctx):
    data = {"round": "2023-01", "lang": "de", "form_version": 2, "extra": 1, "answers": []}
    _, issues = checks.check_document(data, ctx)
    messages = [i.message("en") for i in issues if i.code == "DOCUMENT_INVALID"]
    assert messages == [
        "unknown key 'extra'; known: form_version, round, lang, answers",
        "round '2023-01' is not a quarter such as 2023Q1",
        "lang 'de': choose fi, sv or en",
        "form_version 2 is not supported; expected 1",
        "answers must be a mapping of question id to answer",
    ]


def test_every_message_exists_in_three_languages():
    for code, templates in checks.MESSAGES.items():
        assert set(templates) == {"fi", "sv", "en"}, code
        fields = {lang: sorted(_fields(t)) for lang, t in templates.items()}
        assert fields["fi"] == fields["sv"] == fields["en"], code


def _fields(template: str) -> set[str]:
    import string

    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


# --- the county-wide partition ------------------------------------------------------------------

EAST_UUSIMAA = {"018", "407", "434", "504", "616", "638", "753"}


def test_partition_reports_the_missing_and_the_doubled(ctx):
    groups = {
        "Porvoon seutu": ["638", "753", "616"],
        "Loviisan seutu": ["434", "407", "638"],
        "Askola": ["018", "753", "638"],
    }
    issues = checks.check_partition("01", groups, ctx.codes_dir)
    assert [(i.code, i.params["value"]) for i in issues] == [
        ("PARTITION_MISSING", "504"),
        ("PARTITION_DOUBLED", "638"),
        ("PARTITION_DOUBLED", "753"),
    ]
    assert issues[0].message("en") == (
        "municipality 504 Myrskylä of county 01 is in no municipality group; add it to one "
        "notification"
    )
    assert issues[1].message("fi") == (
        "alueen 01 kunta 638 Porvoo on useassa kuntaryhmässä: Askola, Loviisan seutu, Porvoon "
        "seutu; jätä se vain yhteen"
    )
    result = checks.coverage("01", groups, ctx.codes_dir)
    assert not result.complete
    assert result.missing == [("504", "Myrskylä")]


def test_a_complete_partition_has_no_issue(ctx):
    groups = {"West": ["638", "753", "616", "018"], "East": ["434", "407", "504"]}
    assert set(groups["West"]) | set(groups["East"]) == EAST_UUSIMAA
    assert checks.check_partition("01", groups, ctx.codes_dir) == []
    assert checks.coverage("01", groups, ctx.codes_dir).complete
    one_group = {"All": sorted(EAST_UUSIMAA)}
    assert checks.check_partition("01", one_group, ctx.codes_dir) == []
    # a municipality listed twice within one group is not doubled across groups
    assert (
        checks.check_partition("01", {"All": [*sorted(EAST_UUSIMAA), "638"]}, ctx.codes_dir) == []
    )
