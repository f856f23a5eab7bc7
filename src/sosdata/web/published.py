"""What the public statistics pages and the PxWeb API read: the latest publication of each
quarter, asked of the register on every request (a new publication shows at once), and its
tables, kept in memory by publication (a publication never changes once recorded)."""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass

from fastapi import Request

from sosdata.app import PUBLIC
from sosdata.periods import Quarter
from sosdata.statistics.pxweb import Published
from sosdata.statistics.tables import Table
from sosdata.web.visitor import core

#: publications kept in memory (each holds every table of one quarter)
KEPT = 8


@dataclass(frozen=True)
class Release:
    """The latest publication of a quarter."""

    quarter: str
    publication_id: int
    published_at: dt.datetime
    threshold: int | None


class PublishedStatistics:
    def __init__(self, request: Request) -> None:
        self.register = core(request)
        state = request.app.state
        if not hasattr(state, "published_tables"):
            state.published_tables = OrderedDict()
            state.published_lock = threading.Lock()
        self._kept: OrderedDict[int, list[Table]] = state.published_tables
        self._lock: threading.Lock = state.published_lock

    def releases(self) -> list[Release]:
        """The latest publication of every published quarter, newest quarter first."""
        listing = self.register.publications(PUBLIC)
        latest = listing.sort("publication_id", descending=True).unique(
            "quarter", keep="first", maintain_order=True
        )
        rows = latest.sort("quarter", descending=True).iter_rows(named=True)
        return [
            Release(r["quarter"], int(r["publication_id"]), r["published_at"], r["threshold"])
            for r in rows
        ]

    def release(self, quarter: str) -> Release | None:
        return next((r for r in self.releases() if r.quarter == quarter), None)

    def tables(self, release: Release) -> list[Table]:
        with self._lock:
            found = self._kept.get(release.publication_id)
            if found is not None:
                self._kept.move_to_end(release.publication_id)
                return found
        found = self.register.published(
            PUBLIC, Quarter.parse(release.quarter), publication_id=release.publication_id
        )
        with self._lock:
            self._kept[release.publication_id] = found
            while len(self._kept) > KEPT:
                self._kept.popitem(last=False)
        return found

    def offered(self) -> list[Published]:
        """Every table of every quarter's latest publication, newest quarter first."""
        return [
            Published(table, r.published_at) for r in self.releases() for table in self.tables(r)
        ]
