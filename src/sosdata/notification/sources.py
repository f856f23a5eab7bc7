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

import duckdb
import polars as pl

from sosdata.components import CHILD_WELFARE, CLIENT_PERIODS, DECISIONS, SERVICES
from sosdata.notification.db import query_frame
from sosdata.notification.document import Notification
from sosdata.periods import Quarter

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

EXPECTED_SCHEMA = pl.Schema(
    {
        "organiser": pl.String(),
        "county": pl.String(),
        "municipality_group": pl.String(),
        "municipality": pl.String(),
        "service_task": pl.String(),
        "component": pl.String(),
        "source": pl.String(),
    }
)


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


_EXPECTED_SQL = """
WITH submitted AS (
    SELECT v.notification_id, v.version, v.organiser, v.county, v.group_name, n.round,
           s.submitted_at
    FROM notification_versions v
    JOIN notification_submissions s USING (notification_id, version)
    JOIN notifications n USING (notification_id)
    WHERE $quarter IS NULL OR n.round <= $quarter
),
latest AS (  -- the latest submitted version of each notification
    SELECT * FROM submitted
    QUALIFY row_number() OVER (PARTITION BY notification_id ORDER BY version DESC) = 1
),
per_municipality AS (  -- a municipality follows the newest round, then the newest submission
    SELECT l.*, m.municipality
    FROM latest l JOIN notification_municipalities m USING (notification_id, version)
    QUALIFY row_number() OVER (
        PARTITION BY m.municipality ORDER BY l.round DESC, l.submitted_at DESC, l.notification_id
    ) = 1
)
SELECT p.organiser, p.county, p.group_name AS municipality_group, p.municipality,
       s.service_task, s.component, s.source
FROM per_municipality p JOIN notification_sources s USING (notification_id, version)
ORDER BY p.county, p.group_name, p.municipality, s.component, s.service_task NULLS FIRST
"""


def expected_sources(
    conn: duckdb.DuckDBPyConnection, quarter: Quarter | str | None = None
) -> pl.DataFrame:
    """The expected source per organiser, municipality group, municipality, service task and
    component, from the latest submitted version of each notification.

    ``quarter`` limits to notification rounds that apply by then (round ≤ quarter). Where two
    submitted notifications name the same municipality, the newer round wins, then the later
    submission. ``service_task`` is null for components not split by task. Empty (with the
    columns) when nothing has been submitted.
    """
    q = str(Quarter.parse(str(quarter))) if quarter is not None else None
    frame = query_frame(conn, _EXPECTED_SQL, {"quarter": q})
    if frame.is_empty():
        return pl.DataFrame(schema=EXPECTED_SCHEMA)
    return frame.cast(dict(EXPECTED_SCHEMA))
