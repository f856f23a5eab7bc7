"""The Kanta extract: document versions whose derivation (SPEC §8) gives back the Kanta share
of the true register — plus everything a real archive also holds that must *not* end up in it:
earlier versions with other dates, cancelled documents, decision documents whose type is not
refined, client-relationship documents of an older structure, notes that name no service, and
history from before the quarter.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sosdata.components import CHILD_WELFARE, CLIENT_PERIODS, DECISIONS, SERVICES
from sosdata.kanta.extract import EXTRACT_SCHEMA
from sosdata.synth.world import Timeline, day_number

#: current client-relationship structures (with section-27 data) and an older one (without)
NEW_STRUCTURES = ("10.1.22", "10.2.0")
OLD_STRUCTURE = "10.1.15"
#: mean number of notes without service metadata per Kanta client period
NOTES_PER_PERIOD = 1.5
_DAY_US = 86_400_000_000
_IDENTIFYING = {
    "jarjestaja": "organiser",
    "henkilotunnus": "identity_code",
    "kotikunta": "home_municipality",
    "sukupuoli": "sex",
}


def _identifying() -> list[pl.Expr]:
    return [pl.col(k).alias(v) for k, v in _IDENTIFYING.items()]


def _days(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.Int32).cast(pl.Int64)


def _time(days: pl.Expr, seconds: np.ndarray) -> pl.Expr:
    """A version time on ``days`` at a random second of office hours."""
    return (days * _DAY_US + pl.lit(seconds) * 1_000_000).cast(pl.Datetime("us", "UTC"))


def _office_seconds(rng: np.random.Generator, n: int) -> np.ndarray:
    return (7 * 3600 + rng.integers(0, 10 * 3600, n)).astype(np.int64)


def _ids(frame: pl.DataFrame, prefix: str) -> pl.DataFrame:
    """``set_id`` numbered in frame order and ``document_id`` = set id + version; ``prefix``
    names the organiser's archive and the document type, so ids are unique in the extract."""
    return frame.with_columns(
        pl.format("{}.{}", pl.lit(prefix), pl.col("_set")).alias("set_id"),
    ).with_columns(pl.format("{}.v{}", pl.col("set_id"), pl.col("version")).alias("document_id"))


def _versions(frame: pl.DataFrame, rng, p2: float, p3: float) -> pl.DataFrame:
    """Repeat each set 1–3 times; ``version`` 1..n, ``latest`` marks the final one."""
    u = rng.random(frame.height)
    counts = 1 + (u < p2) + (u < p3)
    index = np.repeat(np.arange(frame.height), counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    version = np.arange(index.size) - starts + 1
    return frame[index].with_columns(
        version=pl.lit(version, dtype=pl.Int64),
        latest=pl.lit(version == np.repeat(counts, counts)),
        behind=pl.lit(np.repeat(counts, counts) - version, dtype=pl.Int64),
    )


def _stamp(frame: pl.DataFrame, final_day: pl.Expr, timeline: Timeline, rng) -> pl.DataFrame:
    """Version times: the final version on ``final_day`` (capped at the horizon), each earlier
    one 1–20 days before the next."""
    horizon = day_number(timeline.horizon)
    step = pl.lit(rng.integers(1, 21, frame.height), dtype=pl.Int64)
    day = pl.min_horizontal(final_day, pl.lit(horizon)) - pl.col("behind") * step
    return frame.with_columns(_time(day, _office_seconds(rng, frame.height)).alias("version_time"))


# ----------------------------------------------------------------------------- cases


def cases(
    periods: pl.DataFrame, archive: str, timeline: Timeline, rng: np.random.Generator
) -> pl.DataFrame:
    """Case documents of Kanta client periods: each period cut into 1–4 cases that touch or
    overlap, some with earlier versions, plus cancelled cases that must not count."""
    horizon = day_number(timeline.horizon)
    n = periods.height
    k = 1 + np.minimum(rng.poisson(0.6, n), 3)
    index = np.repeat(np.arange(n), k)
    piece = np.arange(index.size) - np.repeat(np.cumsum(k) - k, k)
    pieces = np.repeat(k, k)
    start = periods["alkupvm"].cast(pl.Int32).to_numpy().astype(np.int64)[index]
    end_true = periods["loppupvm"].cast(pl.Int32).to_numpy()
    is_open = periods["loppupvm"].is_null().to_numpy()[index]
    end = np.where(is_open, horizon, np.nan_to_num(end_true, nan=horizon)[index]).astype(np.int64)
    length = end - start
    # boundaries near i/k of the period, jittered but still increasing; case i opens on
    # boundary i and closes on boundary i + 1, the day the next case opens (touching)
    jitter = np.where(piece == 0, 0.0, (rng.random(index.size) - 0.5) * 0.8)
    opened = (start + np.floor(length * (piece + jitter) / pieces)).astype(np.int64)
    last = piece == pieces - 1
    closed = np.where(last, end, np.roll(opened, -1)).astype(np.int64)
    # some later cases opened a few days before the previous one closed: overlap, same period
    back = np.where(
        (piece > 0) & (rng.random(index.size) < 0.3),
        np.floor(rng.random(index.size) * 10).astype(np.int64),
        0,
    )
    opened = np.maximum(opened - back, start)
    still_open = last & is_open
    frame = (
        periods[index]
        .select(*_identifying(), "palvelutehtava")
        .with_columns(
            case_opened=pl.lit(opened).cast(pl.Int32).cast(pl.Date),
            case_closed=pl.when(pl.lit(~still_open)).then(
                pl.lit(closed).cast(pl.Int32).cast(pl.Date)
            ),
            cancelled=pl.lit(False),
            _set=pl.int_range(pl.len(), dtype=pl.Int64),
        )
    )
    frame = pl.concat([frame, _cancelled_cases(frame, horizon, rng)])
    versions = _versions(frame, rng, 0.2, 0.04)
    # an earlier version: still open then, or closed later than finally recorded
    m = versions.height
    moved = pl.lit(rng.integers(5, 61, m), dtype=pl.Int64)
    reopen = pl.lit(rng.random(m) < 0.5)
    earlier_closed = (
        pl.when(pl.col("case_closed").is_null())
        .then((_days("case_opened") + moved).clip(upper_bound=horizon))
        .when(reopen)
        .then(None)
        .otherwise((_days("case_closed") + moved).clip(upper_bound=horizon))
        .cast(pl.Int32)
        .cast(pl.Date)
    )
    versions = versions.with_columns(
        case_closed=pl.when(pl.col("latest")).then(pl.col("case_closed")).otherwise(earlier_closed)
    )
    final_day = pl.max_horizontal(_days("case_opened"), _days("case_closed").fill_null(0)) + pl.lit(
        rng.integers(0, 4, m), dtype=pl.Int64
    )
    versions = _stamp(versions, final_day, timeline, rng)
    return _ids(versions, f"{archive}.case").with_columns(
        document_type=pl.lit("case"),
        status=pl.when(pl.col("cancelled") & pl.col("latest"))
        .then(pl.lit("cancelled"))
        .otherwise(pl.lit("active")),
        case_id=pl.format("{}.C{}", pl.lit(archive), pl.col("_set")),
        service_tasks=pl.concat_list("palvelutehtava"),
    )


def _cancelled_cases(frame: pl.DataFrame, horizon: int, rng: np.random.Generator) -> pl.DataFrame:
    """Cases archived by mistake and cancelled: random tasks and dates near real ones."""
    n = max(1, frame.height // 30)
    pick = rng.integers(0, frame.height, n)
    shift = rng.integers(-200, 200, n)
    length = rng.integers(0, 90, n)
    task = np.array(["1", "2", "3", "4", "5", "6"])[rng.integers(0, 6, n)]
    base = frame[pick]
    return base.with_columns(
        palvelutehtava=pl.lit(task),
        case_opened=(_days("case_opened") + pl.lit(shift))
        .clip(upper_bound=horizon)
        .cast(pl.Int32)
        .cast(pl.Date),
    ).with_columns(
        case_closed=(_days("case_opened") + pl.lit(length)).cast(pl.Int32).cast(pl.Date),
        cancelled=pl.lit(True),
        _set=pl.int_range(pl.len(), dtype=pl.Int64) + frame.height,
    )


# ----------------------------------------------------------------------------- relationships


def relationships(
    people: pl.DataFrame,
    section_27: pl.DataFrame,
    ranges: pl.DataFrame,
    archive: str,
    timeline: Timeline,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """Client-relationship documents: one current set per person with its section-27 dates and
    service-unit relationships, and for some persons an older-structure set whose section-27
    dates must be ignored."""
    units = (
        ranges.select(
            "person",
            pl.struct(
                pl.col("sosiaalipalvelu").alias("social_service"),
                pl.col("alkupvm").alias("start"),
                pl.col("loppupvm").alias("end"),
            ).alias("unit"),
        )
        .group_by("person", maintain_order=True)
        .agg(pl.col("unit").alias("service_unit_relationships"))
    )
    cw = section_27.select(
        "person", pl.col("alkupvm").alias("cw27_start"), pl.col("loppupvm").alias("cw27_end")
    )
    persons = (
        pl.concat([cw.select("person"), units.select("person")])
        .unique(maintain_order=True)
        .sort("person")
        .join(
            people.select("person", *_IDENTIFYING, "main_task"), on="person", maintain_order="left"
        )
        .rename(_IDENTIFYING)
        .join(cw, on="person", how="left", maintain_order="left")
        .join(units, on="person", how="left", maintain_order="left")
    )
    n = persons.height
    persons = persons.with_columns(
        structure_version=pl.lit(np.array(NEW_STRUCTURES)[rng.integers(0, 2, n)]),
        _set=pl.int_range(pl.len(), dtype=pl.Int64),
        cancelled=pl.lit(False),
    )
    versions = _versions(persons, rng, 0.3, 0.0)
    m = versions.height
    # an earlier version did not yet know the end of the relationship
    versions = versions.with_columns(
        cw27_end=pl.when(pl.col("latest")).then(pl.col("cw27_end")),
        structure_version=pl.when(pl.col("latest") | pl.lit(rng.random(m) < 0.5))
        .then(pl.col("structure_version"))
        .otherwise(pl.lit(OLD_STRUCTURE)),
    )
    unit_days = (
        pl.col("service_unit_relationships")
        .list.eval(
            pl.max_horizontal(
                pl.element().struct.field("start").cast(pl.Int32),
                pl.element().struct.field("end").cast(pl.Int32).fill_null(0),
            )
        )
        .list.max()
    )
    final_day = pl.max_horizontal(
        _days("cw27_start").fill_null(0),
        _days("cw27_end").fill_null(0),
        unit_days.cast(pl.Int64).fill_null(0),
    ) + pl.lit(rng.integers(0, 4, m), dtype=pl.Int64)
    versions = _stamp(versions, final_day, timeline, rng)
    current = _ids(versions, f"{archive}.rel")
    # older-structure documents, archived before the current ones, with section-27 dates that
    # the derivation must not use
    old = persons.filter(pl.lit(rng.random(n) < 0.1))
    k = old.height
    latest_time = current.filter(pl.col("latest")).select("person", "version_time")
    old = old.join(latest_time, on="person", maintain_order="left").with_columns(
        version_time=pl.col("version_time")
        - pl.duration(days=pl.lit(rng.integers(30, 400, k), dtype=pl.Int64)),
        structure_version=pl.lit(OLD_STRUCTURE),
        cw27_start=(pl.col("version_time").dt.date() - pl.duration(days=365)),
        cw27_end=pl.lit(None, dtype=pl.Date),
        service_unit_relationships=pl.lit(None),
        version=pl.lit(1, dtype=pl.Int64),
        _set=pl.int_range(pl.len(), dtype=pl.Int64) + n,
    )
    old = _ids(old, f"{archive}.rel")
    return pl.concat([current, old], how="diagonal_relaxed").with_columns(
        document_type=pl.lit("client_relationship"),
        status=pl.lit("active"),
        service_tasks=pl.concat_list("main_task"),
    )


# ----------------------------------------------------------------------------- decisions


def decisions(
    facts: pl.DataFrame, archive: str, timeline: Timeline, rng: np.random.Generator
) -> pl.DataFrame:
    """Decision documents; those not refined cannot be derived. Some corrected, some
    cancelled."""
    frame = facts.select(
        *_identifying(),
        "palvelutehtava",
        pl.col("sosiaalipalvelu").alias("social_service"),
        pl.col("paatospvm").alias("decision_date"),
        pl.col("voimassa_alkaen").alias("valid_from"),
        pl.col("voimassa_asti").alias("valid_to"),
        pl.col("paatoksen_tyyppi").alias("decision_type"),
        pl.col("refined").alias("refined_type"),
    ).with_columns(_set=pl.int_range(pl.len(), dtype=pl.Int64), cancelled=pl.lit(False))
    bogus = frame[rng.integers(0, frame.height, max(1, frame.height // 50))]
    bogus = bogus.with_columns(
        cancelled=pl.lit(True), _set=pl.int_range(pl.len(), dtype=pl.Int64) + frame.height
    )
    versions = _versions(pl.concat([frame, bogus]), rng, 0.15, 0.0)
    m = versions.height
    # the first version had another end of validity, later corrected
    versions = versions.with_columns(
        valid_to=pl.when(pl.col("latest"))
        .then(pl.col("valid_to"))
        .otherwise(pl.col("valid_from") + pl.duration(days=pl.lit(rng.integers(20, 200, m))))
    )
    final_day = _days("decision_date") + pl.lit(rng.integers(0, 3, m), dtype=pl.Int64)
    versions = _stamp(versions, final_day, timeline, rng)
    return _ids(versions, f"{archive}.dec").with_columns(
        document_type=pl.lit("decision"),
        status=pl.when(pl.col("cancelled") & pl.col("latest"))
        .then(pl.lit("cancelled"))
        .otherwise(pl.lit("active")),
        service_tasks=pl.concat_list("palvelutehtava"),
    )


# ----------------------------------------------------------------------------- implementation


def implementations(
    events: pl.DataFrame,
    periods: pl.DataFrame,
    archive: str,
    timeline: Timeline,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """Implementation-phase documents: one per service event, and notes naming no service."""
    named = events.select(
        *_identifying(),
        "palvelutehtava",
        pl.col("alkupvm").alias("event_date"),
        pl.concat_list("sosiaalipalvelu").alias("social_services"),
    )
    horizon = day_number(timeline.horizon)
    first = day_number(timeline.first)
    reach = periods.filter(pl.col("loppupvm").is_null() | (pl.col("loppupvm") >= timeline.first))
    counts = rng.poisson(NOTES_PER_PERIOD, reach.height)
    index = np.repeat(np.arange(reach.height), counts)
    notes = reach[index]
    start = np.maximum(notes["alkupvm"].cast(pl.Int32).to_numpy().astype(np.int64), first - 90)
    end = notes["loppupvm"].cast(pl.Int32).fill_null(horizon).to_numpy().astype(np.int64)
    start = np.minimum(start, end)
    day = start + np.floor(rng.random(notes.height) * (end - start + 1)).astype(np.int64)
    notes = notes.select(*_identifying(), "palvelutehtava").with_columns(
        event_date=pl.lit(day).cast(pl.Int32).cast(pl.Date),
        social_services=pl.lit(None, dtype=pl.List(pl.String)),
    )
    frame = pl.concat([named, notes]).with_columns(
        _set=pl.int_range(pl.len(), dtype=pl.Int64),
        version=pl.lit(1, dtype=pl.Int64),
        behind=pl.lit(0, dtype=pl.Int64),
    )
    frame = _stamp(
        frame,
        _days("event_date") + pl.lit(rng.integers(0, 3, frame.height), dtype=pl.Int64),
        timeline,
        rng,
    )
    return _ids(frame, f"{archive}.imp").with_columns(
        document_type=pl.lit("implementation"),
        status=pl.lit("active"),
        service_tasks=pl.concat_list("palvelutehtava"),
    )


# ----------------------------------------------------------------------------- all


def documents(
    people: pl.DataFrame,
    facts: dict[str, pl.DataFrame],
    archive: str,
    timeline: Timeline,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """Every document version of one organiser's archive (``archive`` prefixes the ids)."""
    ii = facts[CLIENT_PERIODS.name].filter("in_kanta")
    services = facts[SERVICES.name].filter("in_kanta")
    section_27 = facts[CHILD_WELFARE.name].filter("in_kanta")
    ranges = services.filter(pl.col("kind") == "range")
    events = services.filter(pl.col("kind") == "event")
    decided = facts[DECISIONS.name].filter("in_kanta")
    parts = []
    # an organiser that archives nothing of a kind has no documents of it
    if ii.height:
        parts.append(cases(ii, archive, timeline, rng))
    if section_27.height or ranges.height:
        parts.append(relationships(people, section_27, ranges, archive, timeline, rng))
    if decided.height:
        parts.append(decisions(decided, archive, timeline, rng))
    if events.height or ii.height:
        parts.append(implementations(events, ii, archive, timeline, rng))
    if not parts:
        return pl.DataFrame(schema=EXTRACT_SCHEMA)
    return pl.concat(parts, how="diagonal_relaxed")
