"""What the public statistics pages and the PxWeb API read: the latest publication of each
quarter, asked of the register on every request (a new publication shows at once), and its
tables, kept in memory by publication — a publication never changes once recorded, so neither
does anything made from it: a table page's rows and a data request's answer are kept too
(:meth:`PublishedStatistics.memo`), keyed by the publication they come from."""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TypeVar

from fastapi import Request

from sosdata.app import PUBLIC
from sosdata.periods import Quarter
from sosdata.statistics.pxweb import Published
from sosdata.statistics.tables import Table
from sosdata.web.visitor import core

#: publications kept in memory (each holds every table of one quarter)
KEPT = 8
#: answers made from publications kept in memory (table page rows, data answers)
MEMO = 64
T = TypeVar("T")


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
            state.published_memo = OrderedDict()
            state.published_lock = threading.Lock()
        self._kept: OrderedDict[int, list[Table]] = state.published_tables
        self._memo: OrderedDict[Hashable, object] = state.published_memo
        self._lock: threading.Lock = state.published_lock

    def releases(self) -> list[Release]:
        """The latest publication of every published quarter, newest quarter first."""
        rows = self.register.latest_publications(PUBLIC).iter_rows(named=True)
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

    def memo(self, key: Hashable, make: Callable[[], T]) -> T:
        """``make()``, kept for the next request of the same ``key`` (which must name the
        publication the answer is made from)."""
        with self._lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                # the key names what make() gave, so the kept value is a T
                return self._memo[key]  # type: ignore[return-value]
        made = make()
        with self._lock:
            self._memo[key] = made
            while len(self._memo) > MEMO:
                self._memo.popitem(last=False)
        return made
