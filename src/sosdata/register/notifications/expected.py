"""The source the register expects per organiser, municipality group, municipality, service
task and component: what the latest submitted notifications say (the mapping of answers to
sources is ``sosdata.notification.sources``)."""

from __future__ import annotations

import duckdb
import polars as pl

from sosdata.periods import Quarter
from sosdata.register.notifications.db import query_frame

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
    return frame.cast(EXPECTED_SCHEMA)
