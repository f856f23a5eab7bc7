"""What really happened: every client's service-task periods, section-27 relationships,
decisions and services, on one time line that ends on the horizon day.

Dates are generated as day numbers (days since 1970-01-01) in NumPy arrays and become
``pl.Date`` columns at the end. Nothing here knows about sources: the plan decides later which
part is archived in Kanta and which is delivered as files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import polars as pl

from sosdata.synth.population import TASKS

EPOCH = dt.date(1970, 1, 1)
#: nothing starts earlier than this (very old relationships are given with their real start)
EARLIEST = dt.date(1995, 1, 1)
#: mean length (days) of a service-task period, per task
MEAN_DAYS = {"1": 1100, "2": 300, "3": 250, "4": 500, "5": 1500, "6": 200}
#: mean number of decisions and of services (ranges, events) per period, per task
DECISIONS_PER_PERIOD = {"1": 1.4, "2": 1.1, "3": 0.7, "4": 1.2, "5": 1.6, "6": 0.6}
RANGES_PER_PERIOD = {"1": 0.9, "2": 0.3, "3": 0.4, "4": 0.7, "5": 0.8, "6": 0.3}
EVENTS_PER_PERIOD = {"1": 13.0, "2": 15.0, "3": 11.0, "4": 18.0, "5": 7.0, "6": 13.0}
#: events fall between this many days before the first quarter and the horizon
EVENT_LEAD_DAYS = 30
#: social services per task: those given as a continuing range, and those given as events
RANGE_SERVICES = {
    "1": ("7", "18", "30", "13", "17", "22"),
    "2": ("34", "32", "11", "25"),
    "3": ("8", "21", "20"),
    "4": ("19", "1", "13", "31", "35", "4"),
    "5": ("5", "14", "18", "22", "16"),
    "6": ("13", "34", "32", "25"),
}
EVENT_SERVICES = {
    "1": ("29", "27", "2", "12"),
    "2": ("29", "27", "33", "26", "9", "28"),
    "3": ("6", "29", "27", "10"),
    "4": ("29", "10", "28", "20", "23"),
    "5": ("12", "24", "3", "15", "29"),
    "6": ("29", "27", "28", "33"),
}
DECISION_SERVICES = {t: RANGE_SERVICES[t] + EVENT_SERVICES[t] for t in TASKS}
#: decision types: positive, negative, partially positive
DECISION_TYPES = (("1", 0.80), ("2", 0.12), ("3", 0.08))


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


def to_date(days: np.ndarray | pl.Series, name: str) -> pl.Series:
    return pl.Series(name, np.asarray(days, dtype="int64")).cast(pl.Int32).cast(pl.Date)


@dataclass(frozen=True)
class Timeline:
    first: dt.date  # first day of the first generated quarter
    horizon: dt.date  # the day the sources are extracted: nothing is known after it


def _task_numbers(tasks: pl.Series) -> np.ndarray:
    """Service-task codes "1".."6" as the integers 1..6."""
    return tasks.cast(pl.Int64).to_numpy()


def _per_task(tasks: np.ndarray, table: Mapping[str, float]) -> np.ndarray:
    lookup = np.array([table[t] for t in TASKS], dtype=np.float64)
    return lookup[tasks - 1]


def _pick(rng: np.random.Generator, tasks: np.ndarray, table: dict[str, tuple[str, ...]]):
    """One code per row from its task's list, uniformly, as a string column."""
    width = max(len(v) for v in table.values())
    # a task × slot table of codes (as integers); each row takes a slot within its list
    lookup = np.zeros((len(TASKS) + 1, width), dtype=np.int64)
    sizes = np.ones(len(TASKS) + 1, dtype=np.int64)
    for task in TASKS:
        codes = [int(c) for c in table[task]]
        lookup[int(task), : len(codes)] = codes
        sizes[int(task)] = len(codes)
    slot = np.floor(rng.random(tasks.size) * sizes[tasks]).astype(np.int64)
    return pl.Series(lookup[tasks, slot]).cast(pl.String)


def client_periods(
    pairs: pl.DataFrame, timeline: Timeline, rng: np.random.Generator
) -> pl.DataFrame:
    """Periods of each (person, task) pair: ``person``, ``palvelutehtava``, ``alkupvm``,
    ``loppupvm`` (null = continues on the horizon).

    Most pairs began before the first quarter and are still open or end during it; some began
    during or after it; some ended long before and were reopened; some reopen once or twice.
    """
    n = pairs.height
    first, horizon = day_number(timeline.first), day_number(timeline.horizon)
    birth = pairs["birth"].cast(pl.Int32).to_numpy().astype(np.int64)
    tasks = _task_numbers(pairs["palvelutehtava"])
    mean = _per_task(tasks, MEAN_DAYS)
    kind = rng.random(n)
    before, history = kind < 0.58, (kind >= 0.58) & (kind < 0.68)
    start = np.where(
        before,
        first - 1 - np.floor(rng.exponential(700, n)),
        np.where(
            history,
            first - 400 - np.floor(rng.exponential(500, n)),
            first + np.floor(rng.random(n) * (horizon - first + 1)),
        ),
    ).astype(np.int64)
    end = np.where(
        before,
        first + np.floor(rng.exponential(mean)),
        np.where(
            history,
            first - 2 - np.floor(rng.random(n) * 300),
            start + 1 + np.floor(rng.exponential(mean)),
        ),
    ).astype(np.int64)
    start = np.maximum(start, np.maximum(birth, day_number(EARLIEST)))
    end = np.maximum(end, start)
    starts, ends, owners = [start], [end], [np.arange(n)]
    reopen = np.where(history, 0.5, 0.15)
    alive = end < horizon
    for _ in range(2):
        again = alive & (rng.random(n) < reopen)
        # a gap of at least two days: a new period, not a continuation (SPEC §8)
        start = end + 2 + np.floor(rng.exponential(60, n)).astype(np.int64)
        end = start + 1 + np.floor(rng.exponential(mean)).astype(np.int64)
        rows = np.flatnonzero(again & (start <= horizon))
        starts.append(start[rows])
        ends.append(end[rows])
        owners.append(rows)
        alive = np.zeros(n, dtype=bool)
        alive[rows] = end[rows] < horizon
        reopen = np.full(n, 0.3)
    owner = np.concatenate(owners)
    start, end = np.concatenate(starts), np.concatenate(ends)
    keep = start <= horizon
    owner, start, end = owner[keep], start[keep], end[keep]
    frame = pairs.select("person", "palvelutehtava")[owner].with_columns(
        to_date(start, "alkupvm"), to_date(end, "loppupvm")
    )
    return frame.with_columns(
        pl.when(pl.col("loppupvm") <= timeline.horizon).then(pl.col("loppupvm"))
    ).sort("person", "palvelutehtava", "alkupvm")


def child_welfare(
    people: pl.DataFrame, periods: pl.DataFrame, timeline: Timeline, rng: np.random.Generator
) -> pl.DataFrame:
    """Section-27 relationships: most children with child-welfare periods have one, starting a
    few days into their latest period and ending with it or a little before."""
    latest = (
        periods.filter(pl.col("palvelutehtava") == "4")
        .join(people.select("person", "band"), on="person")
        .filter(pl.col("band") <= 1)
        .group_by("person", maintain_order=True)
        .agg(pl.col("alkupvm", "loppupvm").last())
        .sort("person")
    )
    n = latest.height
    chosen = rng.random(n) < 0.6
    delay = np.floor(rng.random(n) * 30).astype(np.int64)
    early = np.floor(rng.random(n) * 20).astype(np.int64) * (rng.random(n) < 0.3)
    start = latest["alkupvm"].cast(pl.Int32).to_numpy().astype(np.int64) + delay
    end_in = latest["loppupvm"].cast(pl.Int32).fill_null(np.iinfo(np.int32).max).to_numpy()
    end = np.maximum(end_in.astype(np.int64) - early, start)
    open_end = latest["loppupvm"].is_null().to_numpy()
    horizon = day_number(timeline.horizon)
    keep = chosen & (start <= horizon)
    return pl.DataFrame(
        {
            "person": latest["person"].filter(keep),
            "alkupvm": to_date(start[keep], "alkupvm"),
            "loppupvm": to_date(end[keep], "loppupvm"),
            "_open": open_end[keep],
        }
    ).select(
        "person",
        "alkupvm",
        pl.when(~pl.col("_open") & (pl.col("loppupvm") <= timeline.horizon))
        .then(pl.col("loppupvm"))
        .alias("loppupvm"),
    )


def _relevant(periods: pl.DataFrame, timeline: Timeline) -> pl.DataFrame:
    """Periods reaching the generated quarters: only these get decisions and services."""
    return periods.filter(
        pl.col("loppupvm").is_null() | (pl.col("loppupvm") >= timeline.first)
    ).with_row_index("_period")


def _explode_counts(frame: pl.DataFrame, counts: np.ndarray) -> tuple[pl.DataFrame, np.ndarray]:
    index = np.repeat(np.arange(frame.height), counts)
    return frame[index], index


def _days_within(frame: pl.DataFrame, timeline: Timeline, rng, *, not_before: int | None):
    """A random day in each row's period (up to the horizon), optionally not before a day."""
    start = frame["alkupvm"].cast(pl.Int32).to_numpy().astype(np.int64)
    horizon = day_number(timeline.horizon)
    end = frame["loppupvm"].cast(pl.Int32).fill_null(horizon).to_numpy().astype(np.int64)
    if not_before is not None:
        start = np.minimum(np.maximum(start, not_before), end)
    return start + np.floor(rng.random(frame.height) * (end - start + 1)).astype(np.int64)


def decisions(periods: pl.DataFrame, timeline: Timeline, rng: np.random.Generator) -> pl.DataFrame:
    """Decisions made in each period: service, decision date, validity and type."""
    relevant = _relevant(periods, timeline)
    tasks = _task_numbers(relevant["palvelutehtava"])
    counts = rng.poisson(_per_task(tasks, DECISIONS_PER_PERIOD))
    rows, _ = _explode_counts(relevant, counts)
    n = rows.height
    # most decisions in force now were made in the last two years
    decided = _days_within(rows, timeline, rng, not_before=day_number(timeline.first) - 730)
    kinds = np.array([k for k, _ in DECISION_TYPES])
    kind = kinds[rng.choice(len(kinds), size=n, p=[p for _, p in DECISION_TYPES])]
    horizon = day_number(timeline.horizon)
    valid_from = np.minimum(decided + np.floor(rng.random(n) * 15).astype(np.int64), horizon)
    until_further = rng.random(n) < 0.5
    valid_to = valid_from + 30 + np.floor(rng.random(n) * 400).astype(np.int64)
    negative = kind == "2"
    valid_from = np.where(negative, decided, valid_from)
    valid_to = np.where(negative, decided, valid_to)
    return (
        pl.DataFrame(
            {
                "person": rows["person"],
                "palvelutehtava": rows["palvelutehtava"],
                "sosiaalipalvelu": _pick(
                    rng, _task_numbers(rows["palvelutehtava"]), DECISION_SERVICES
                ),
                "paatospvm": to_date(decided, "paatospvm"),
                "voimassa_alkaen": to_date(valid_from, "voimassa_alkaen"),
                "voimassa_asti": to_date(valid_to, "voimassa_asti"),
                "paatoksen_tyyppi": kind,
                "_open": until_further & ~negative,
            }
        )
        .with_columns(
            pl.when(~pl.col("_open")).then(pl.col("voimassa_asti")).alias("voimassa_asti")
        )
        .drop("_open")
    )


def services(
    periods: pl.DataFrame,
    main_task: pl.DataFrame,
    timeline: Timeline,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """Services received: continuing ranges (housing, home care, family care…) in the person's
    main task, and single-day events (meetings, counselling, crisis work) in any task.

    ``kind`` is "range" or "event"; an event starts and ends on its day.
    """
    relevant = _relevant(periods, timeline)
    tasks = _task_numbers(relevant["palvelutehtava"])
    is_main = (
        _task_numbers(
            relevant.join(main_task, on="person", how="left", maintain_order="left")["main_task"]
        )
        == tasks
    )
    horizon = day_number(timeline.horizon)
    first = day_number(timeline.first)
    frames = []
    range_counts = rng.poisson(_per_task(tasks, RANGES_PER_PERIOD)) * is_main
    rows, _ = _explode_counts(relevant, range_counts)
    if rows.height:
        start = _days_within(rows, timeline, rng, not_before=first - 365)
        length = np.floor(rng.lognormal(np.log(90), 1.0, rows.height)).astype(np.int64)
        end = start + length
        frames.append(
            pl.DataFrame(
                {
                    "person": rows["person"],
                    "palvelutehtava": rows["palvelutehtava"],
                    "sosiaalipalvelu": _pick(
                        rng, _task_numbers(rows["palvelutehtava"]), RANGE_SERVICES
                    ),
                    "alkupvm": to_date(start, "alkupvm"),
                    "loppupvm": to_date(np.where(end <= horizon, end, 0), "loppupvm"),
                    "_open": end > horizon,
                    "kind": "range",
                }
            )
        )
    event_counts = rng.poisson(_per_task(tasks, EVENTS_PER_PERIOD))
    rows, _ = _explode_counts(relevant, event_counts)
    if rows.height:
        day = _days_within(rows, timeline, rng, not_before=first - EVENT_LEAD_DAYS)
        frames.append(
            pl.DataFrame(
                {
                    "person": rows["person"],
                    "palvelutehtava": rows["palvelutehtava"],
                    "sosiaalipalvelu": _pick(
                        rng, _task_numbers(rows["palvelutehtava"]), EVENT_SERVICES
                    ),
                    "alkupvm": to_date(day, "alkupvm"),
                    "loppupvm": to_date(day, "loppupvm"),
                    "_open": np.zeros(rows.height, dtype=bool),
                    "kind": "event",
                }
            )
        )
    out = (
        pl.concat(frames)
        .with_columns(pl.when(~pl.col("_open")).then(pl.col("loppupvm")).alias("loppupvm"))
        .drop("_open")
    )
    # the same service on the same day twice is one fact
    return out.unique(maintain_order=True)
