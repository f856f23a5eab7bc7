"""Builders of Kanta extract records for the tests (temporary identity codes only)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

import polars as pl
import pytest

from sosdata import identity
from sosdata.kanta.extract import EXTRACT_SCHEMA, conform

ORGANISER = "1.2.246.10.9999901.10.0"
OTHER_ORGANISER = "1.2.246.10.9999902.10.0"
PERSON = identity.make(dt.date(1990, 5, 17), 901)
OTHER_PERSON = identity.make(dt.date(2008, 2, 29), 902)
BASE_TIME = dt.datetime(2023, 1, 1, 12, tzinfo=dt.UTC)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@dataclass
class Documents:
    """Collects document versions; each call adds one record and returns its set id."""

    ORGANISER = ORGANISER
    OTHER_ORGANISER = OTHER_ORGANISER
    PERSON = PERSON
    OTHER_PERSON = OTHER_PERSON

    records: list[dict] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=itertools.count)

    def add(
        self,
        document_type: str,
        *,
        set_id: str | None = None,
        version: int = 1,
        status: str = "active",
        organiser: str = ORGANISER,
        person: str = PERSON,
        tasks: list[str] | None = None,
        hours: int = 0,
        **fields,
    ) -> str:
        n = next(self._ids)
        set_id = set_id or f"set-{n}"
        self.records.append(
            {
                "document_id": f"doc-{n}",
                "set_id": set_id,
                "version": version,
                "version_time": BASE_TIME + dt.timedelta(hours=hours or n),
                "status": status,
                "document_type": document_type,
                "organiser": organiser,
                "identity_code": person,
                "home_municipality": "091",
                "sex": identity.parse(person).sex,
                "service_tasks": ["1"] if tasks is None else tasks,
                **fields,
            }
        )
        return set_id

    def case(self, opened: str, closed: str | None, task: str = "1", **kw) -> str:
        return self.add(
            "case",
            case_id=f"case-{len(self.records)}",
            case_opened=day(opened),
            case_closed=None if closed is None else day(closed),
            tasks=kw.pop("tasks", [task]),
            **kw,
        )

    def frame(self) -> pl.DataFrame:
        return conform(pl.DataFrame(self.records, schema_overrides=_overrides(self.records)))


def _overrides(records: list[dict]) -> dict:
    present = set().union(*(r.keys() for r in records)) if records else set()
    return {n: t for n, t in EXTRACT_SCHEMA.items() if n in present}


@pytest.fixture
def docs() -> Documents:
    return Documents()
