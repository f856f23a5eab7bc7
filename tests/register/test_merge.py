"""The merge of both sources' ranges, against a plain reference on random inputs."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sosdata.register import merge

FIRST = dt.date(2022, 12, 1)
OPEN = dt.date(9999, 12, 31)

part = st.tuples(
    st.sampled_from(["a", "b"]),  # person
    st.integers(0, 40),  # start day
    st.one_of(st.none(), st.integers(0, 15)),  # length in days, None = open
    st.sampled_from([merge.KANTA, merge.SEPARATE]),
    st.sampled_from(["091", "092"]),  # home municipality
)


def _reference(parts) -> set[tuple]:
    """Merged ranges by a per-key loop: a part starting on or before the latest end so far
    joins the current range."""
    out = set()
    for person in {p[0] for p in parts}:
        mine = sorted(
            (FIRST + dt.timedelta(s), OPEN if n is None else FIRST + dt.timedelta(s + n), src)
            for who, s, n, src, _ in parts
            if who == person
        )
        ranges: list[list] = []
        for start, end, source in mine:
            if ranges and start <= ranges[-1][1]:
                ranges[-1][1] = max(ranges[-1][1], end)
                ranges[-1][2].add(source)
            else:
                ranges.append([start, end, {source}])
        for start, end, sources in ranges:
            provenance = merge.BOTH if len(sources) > 1 else next(iter(sources))
            out.add((person, start, None if end == OPEN else end, provenance))
    return out


def _frame(parts) -> pl.DataFrame:
    return pl.DataFrame(
        [
            (
                who,
                FIRST + dt.timedelta(s),
                None if n is None else FIRST + dt.timedelta(s + n),
                src,
                home,
            )
            for who, s, n, src, home in parts
        ],
        schema={
            "person": pl.String,
            "start": pl.Date,
            "end": pl.Date,
            "source": pl.String,
            "home": pl.String,
        },
        orient="row",
    )


@settings(max_examples=150, deadline=None)
@given(st.lists(part, min_size=1, max_size=12))
def test_merge_matches_the_reference(parts):
    got = merge.merge_ranges(_frame(parts), ["person"], "start", "end", ["home"])
    assert {
        (r["person"], r["start"], r["end"], r["source"]) for r in got.iter_rows(named=True)
    } == _reference(parts)
    assert got.height == len(_reference(parts))


@settings(max_examples=60, deadline=None)
@given(st.lists(part, min_size=1, max_size=10), st.randoms())
def test_row_order_does_not_matter(parts, random):
    shuffled = list(parts)
    random.shuffle(shuffled)
    a = merge.merge_ranges(_frame(parts), ["person"], "start", "end", ["home"])
    b = merge.merge_ranges(_frame(shuffled), ["person"], "start", "end", ["home"])
    assert a.equals(b)


def test_details_come_from_the_latest_part_and_separate_wins_a_tie():
    d = dt.date
    frame = pl.DataFrame(
        {
            "person": ["a", "a", "a"],
            "start": [d(2023, 1, 1), d(2023, 1, 5), d(2023, 1, 5)],
            "end": [d(2023, 1, 31), d(2023, 1, 6), d(2023, 1, 6)],
            "source": ["separate", "kanta", "separate"],
            "home": ["091", "092", "093"],
        }
    )
    got = merge.merge_ranges(frame, ["person"], "start", "end", ["home"])
    assert got.rows() == [("a", "093", d(2023, 1, 1), d(2023, 1, 31), "both")]


# ----------------------------------------------------------------------------- the group-by form
# The merge as whole-column group-bys (the form it had before the compiled pass): the same
# records, in the same order, on random inputs with several key columns, details, undated parts,
# nulls in keys and details, and ranges that end before they start.

_DAY_OFFSET, _KEY_SPAN = 719_163, 1 << 22


def _days(column: pl.Expr) -> pl.Expr:
    return column.cast(pl.Int32).cast(pl.Int64) + _DAY_OFFSET


def _group_provenance(source: pl.Expr) -> pl.Expr:
    return (
        pl.when(source.n_unique() > 1)
        .then(pl.lit(merge.BOTH))
        .otherwise(source.first())
        .alias(merge.SOURCE)
    )


def _group_dedupe(frame, key, attributes):
    return (
        frame.sort([*key, pl.col("source") == merge.SEPARATE, *attributes], nulls_last=True)
        .group_by(key, maintain_order=True)
        .agg(*[pl.col(a).last() for a in attributes], _group_provenance(pl.col("source")))
        .select(*key, *attributes, "source")
    )


def _group_merge(frame, key, start, end, attributes):
    columns = [*key, *attributes, start, end]
    dated = frame.filter(pl.col(start).is_not_null())
    undated = frame.filter(pl.col(start).is_null())
    ordered = dated.sort(
        [*key, start, pl.col("source") == merge.SEPARATE, *attributes, end], nulls_last=True
    ).with_columns(_key=pl.struct(key).rle_id().cast(pl.Int64) * _KEY_SPAN)
    reach = (pl.col("_key") + _days(pl.col(end).fill_null(OPEN))).cum_max().shift(1)
    islands = ordered.with_columns(
        _island=((pl.col("_key") + _days(pl.col(start))) > reach.fill_null(-1)).cum_sum()
    )
    merged = (
        islands.group_by("_island")
        .agg(
            *[pl.col(k).first() for k in key],
            *[pl.col(a).last() for a in attributes],
            pl.col(start).min(),
            pl.when(pl.col(end).is_null().any()).then(None).otherwise(pl.col(end).max()).alias(end),
            _group_provenance(pl.col("source")),
        )
        .select(*columns, "source")
    )
    exact = _group_dedupe(undated, [*key, start, end], attributes).select(*columns, "source")
    return pl.concat([merged, exact.cast(merged.schema)], how="vertical").sort(
        [*key, start, end, *attributes], nulls_last=True
    )


wide_part = st.tuples(
    st.sampled_from(["1.2.246.10.1", "1.2.246.10.2", None]),  # organiser
    st.integers(0, 3),  # person
    st.sampled_from(["1", "2", None]),  # service task
    st.one_of(st.none(), st.integers(0, 40)),  # start day, None = undated
    st.one_of(st.none(), st.integers(-5, 15)),  # length, None = open; negative ends early
    st.sampled_from([merge.KANTA, merge.SEPARATE]),
    st.sampled_from(["091", "092", None]),  # home municipality
    st.sampled_from(["1", "2"]),  # sex
)


def _wide(parts) -> pl.DataFrame:
    return pl.DataFrame(
        [
            (
                organiser,
                person,
                task,
                None if s is None else FIRST + dt.timedelta(s),
                None if n is None else FIRST + dt.timedelta((s or 0) + n),
                source,
                home,
                sex,
            )
            for organiser, person, task, s, n, source, home, sex in parts
        ],
        schema={
            "jarjestaja": pl.String,
            "person": pl.UInt32,
            "palvelutehtava": pl.String,
            "start": pl.Date,
            "end": pl.Date,
            "source": pl.String,
            "kotikunta": pl.String,
            "sukupuoli": pl.String,
        },
        orient="row",
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(wide_part, min_size=0, max_size=40))
# two parts equal but for their source, each its own record (it ends before it starts): records
# equal in every sorted column may come in either order
@example([("1.2.246.10.2", 1, "1", 1, -1, source, "091", "1") for source in ("separate", "kanta")])
def test_merge_is_the_group_by_form(parts):
    frame = _wide(parts)
    key = ["jarjestaja", "person", "palvelutehtava"]
    attributes = ["kotikunta", "sukupuoli"]
    got = merge.merge_ranges(frame, key, "start", "end", attributes)
    expected = _group_merge(frame, key, "start", "end", attributes)
    order = [*key, "start", "end", *attributes]
    assert got.equals(got.sort(order, nulls_last=True, maintain_order=True))
    every = [*order, "source"]
    assert got.sort(every, nulls_last=True).equals(expected.sort(every, nulls_last=True))
    deduped = merge.dedupe(frame, [*key, "start", "end"], attributes)
    assert deduped.equals(_group_dedupe(frame, [*key, "start", "end"], attributes))
