"""The plan as notifications of delivery method (SPEC §9): one document per municipality
group, answering every question a real county would, in the form's JSON form."""

from __future__ import annotations

from sosdata.notification.document import Notification
from sosdata.notification.form import QUESTIONS
from sosdata.synth.plan import KANTA, SEPARATE, SUPPLEMENTED, Group
from sosdata.synth.population import TASKS

#: question 10–15 (expected quarter of structured archiving) per service task
ARCHIVING_QUESTIONS = {
    "1": "archiving_older_people",
    "2": "archiving_working_age",
    "3": "archiving_families",
    "4": "archiving_child_welfare",
    "5": "archiving_disability",
    "6": "archiving_substance_abuse",
}
CHILD_WELFARE_ANSWER = {KANTA: "client_relationship_document", SEPARATE: "separate"}
SOCIAL_SERVICES_ANSWER = {
    KANTA: "kanta_structured",
    SUPPLEMENTED: "kanta_supplemented",
    SEPARATE: "separate",
}
CLIENT_SYSTEMS = ("apotti", "lifecare", "pro_consona", "effica", "omni360", "abilita", "saga")


def _options(question: str) -> list[str]:
    return [o.code for o in QUESTIONS[question].options]


def _rows(question: str) -> list[str]:
    return [o.code for o in QUESTIONS[question].grid_rows()]


def notification(group: Group, index: int, round_: str) -> Notification:
    """The notification a municipality group files for the plan's sources."""
    s = group.sources
    answers: dict = {
        "contact": {
            "name": f"Tietopalvelut, hyvinvointialue {group.county}",
            "email": f"sosdata.{group.county}.{index + 1}@example.fi",
        },
        "county": group.county,
        "municipalities": list(group.municipalities),
        "group_name": group.name,
        "client_systems": [CLIENT_SYSTEMS[index % len(CLIENT_SYSTEMS)]],
        "system_covers_all_tasks": "yes",
    }
    for task in TASKS:
        options = _options(ARCHIVING_QUESTIONS[task])
        # archiving already in the quarter for Kanta tasks, at the end of transition otherwise
        answers[ARCHIVING_QUESTIONS[task]] = (
            options[0] if s.client_periods[task] == KANTA else options[-1]
        )
    answers["client_periods_source"] = dict(s.client_periods)
    answers["start_date_retroactivity"] = "since_2020"
    answers["child_welfare_source"] = CHILD_WELFARE_ANSWER[s.child_welfare]
    answers["child_welfare_retroactivity"] = "since_2020"
    answers["social_services_method"] = SOCIAL_SERVICES_ANSWER[s.social_services]
    if s.social_services != KANTA:
        answers["decision_extraction"] = dict.fromkeys(_rows("decision_extraction"), "yes")
        methods = _rows("extraction_methods")
        answers["extraction_methods"] = {
            m: "used" if i == 0 else "not_used" for i, m in enumerate(methods)
        }
        answers["social_service_delivery"] = dict.fromkeys(
            _rows("social_service_delivery"), "mainly"
        )
    answers["discussions"] = "no"
    answers["county_information_management"] = "regional"
    return Notification(round=round_, lang="fi", answers=answers)


def file_name(group: Group) -> str:
    return f"notifications/{group.county}-{group.slug}.json"
