"""Follow-up periods (calendar quarters), overlap with date ranges, and deadlines."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import total_ordering
from typing import TYPE_CHECKING

import polars as pl

from sosdata.errors import UserError

if TYPE_CHECKING:
    from sosdata.config import Settings

_QUARTER_RE = re.compile(r"^\s*(\d{4})\s*[Qq]\s*([1-4])\s*$")


class PeriodError(UserError, ValueError):
    """A text that is not a quarter such as ``2023Q1``."""


@total_ordering
@dataclass(frozen=True, slots=True)
class Quarter:
    """A follow-up period. ``Quarter.parse("2023Q1")``; ``str(q) == "2023Q1"``."""

    year: int
    quarter: int

    def __post_init__(self) -> None:
        if not 1 <= self.quarter <= 4:
            raise PeriodError(f"quarter must be 1-4, got {self.quarter}")
        if not 1 <= self.year <= 9999:
            raise PeriodError(f"year out of range: {self.year}")

    @classmethod
    def parse(cls, text: str) -> Quarter:
        match = _QUARTER_RE.match(str(text))
        if not match:
            raise PeriodError(f"not a quarter: {text!r} (expected e.g. 2023Q1)")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def containing(cls, day: dt.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.quarter}"

    def __lt__(self, other: Quarter) -> bool:
        return (self.year, self.quarter) < (other.year, other.quarter)

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * self.quarter - 2, 1)

    @property
    def end(self) -> dt.date:
        return self.next().start - dt.timedelta(days=1)

    def next(self, steps: int = 1) -> Quarter:
        index = self.year * 4 + self.quarter - 1 + steps
        return Quarter(index // 4, index % 4 + 1)

    def previous(self, steps: int = 1) -> Quarter:
        return self.next(-steps)

    def overlaps(self, start: dt.date | None, end: dt.date | None) -> bool:
        """SPEC §3: start ≤ period end and (no end or end ≥ period start).

        A missing start means the range is not known to start after the period.
        """
        return (start is None or start <= self.end) and (end is None or end >= self.start)

    def overlaps_expr(self, start: pl.Expr, end: pl.Expr) -> pl.Expr:
        """The same rule as :meth:`overlaps`, over whole columns."""
        return (start.is_null() | (start <= self.end)) & (end.is_null() | (end >= self.start))

    def default_deadline(self) -> dt.date:
        """First day of the second month after the quarter ends (Q1 → 1.5.)."""
        return self.next().start.replace(month=self.next().start.month + 1)

    def deadline(self, settings: Settings | None = None) -> dt.date:
        if settings is not None and str(self) in settings.deadlines:
            return settings.deadlines[str(self)]
        return self.default_deadline()

    def is_late(self, received: dt.date | dt.datetime, settings: Settings | None = None) -> bool:
        """Received after the deadline day (a delivery on the deadline day is on time)."""
        day = received.date() if isinstance(received, dt.datetime) else received
        return day > self.deadline(settings)


def quarters_between(first: Quarter, last: Quarter) -> list[Quarter]:
    """Every quarter from ``first`` to ``last`` inclusive."""
    out = []
    current = first
    while current <= last:
        out.append(current)
        current = current.next()
    return out
