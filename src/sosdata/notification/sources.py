"""Which source the register expects, per municipality, service task and component.

The answers map to the expected source of each component like this (docs/notification.md):

=====================================  ===================================  ====================
answer                                 component(s)                         source
=====================================  ===================================  ====================
17 per service task: kanta             asiakkuusjaksot (that task)          kanta
17: kanta_supplemented                 asiakkuusjaksot (that task)          kanta_supplemented
17: separate                           asiakkuusjaksot (that task)          separate
20 client_relationship_document        lastensuojelu                        kanta
20 new_structure_2023                  lastensuojelu                        kanta
20 separate                            lastensuojelu                        separate
23 kanta_structured                    palvelupaatokset, palvelutiedot      kanta
23 kanta_unstructured                  palvelupaatokset, palvelutiedot      kanta
23 kanta_supplemented                  palvelupaatokset, palvelutiedot      kanta_supplemented
23 separate, separate_partial          palvelupaatokset, palvelutiedot      separate
23 impossible, or 20/23 unanswered     (no row: nothing is expected)
=====================================  ===================================  ====================

"new_structure_2023" still means Kanta: the group archives the section-27 data once the new
client-relationship document is in use, and monitoring shows it missing until then.
"""

from __future__ import annotations

from typing import Any

from sosdata.components import CHILD_WELFARE, CLIENT_PERIODS, DECISIONS, SERVICES
from sosdata.notification.document import Notification

SOURCES = ("kanta", "kanta_supplemented", "separate")

CLIENT_PERIODS_SOURCE = {
    "kanta": "kanta",
    "kanta_supplemented": "kanta_supplemented",
    "separate": "separate",
}
CHILD_WELFARE_SOURCE = {
    "client_relationship_document": "kanta",
    "new_structure_2023": "kanta",
    "separate": "separate",
}
SOCIAL_SERVICES_SOURCE = {
    "kanta_structured": "kanta",
    "kanta_unstructured": "kanta",
    "kanta_supplemented": "kanta_supplemented",
    "separate": "separate",
    "separate_partial": "separate",
}


def sources_of(notification: Notification) -> list[tuple[str, str | None, str]]:
    """(component, service task or None, source) promised by one notification's answers."""
    answers: dict[str, Any] = notification.answers
    out: list[tuple[str, str | None, str]] = []
    for task, answer in sorted((answers.get("client_periods_source") or {}).items()):
        if answer in CLIENT_PERIODS_SOURCE:
            out.append((CLIENT_PERIODS.name, task, CLIENT_PERIODS_SOURCE[answer]))
    child_welfare = CHILD_WELFARE_SOURCE.get(answers.get("child_welfare_source", ""))
    if child_welfare:
        out.append((CHILD_WELFARE.name, None, child_welfare))
    services = SOCIAL_SERVICES_SOURCE.get(answers.get("social_services_method", ""))
    if services:
        out += [(DECISIONS.name, None, services), (SERVICES.name, None, services)]
    return out
