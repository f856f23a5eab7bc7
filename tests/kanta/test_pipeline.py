"""The pipeline's check for document ids carried by more than one record."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from sosdata.kanta import pipeline


def _reference(records: pl.DataFrame) -> pl.DataFrame:
    """The check by its definition: every record's id counted in one hash table."""
    return (
        records.filter(pl.col("document_id").is_duplicated())
        .group_by("document_id")
        .agg(pl.col("_line").sort().head(2).alias("lines"), pl.len().alias("records"))
        .sort(pl.col("lines").list.first())
        .select(pl.col("lines").list.first().alias("line"), "lines", "records")
    )


def _records(ids: list[str | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {"_line": range(1, len(ids) + 1), "document_id": ids},
        schema={"_line": pl.UInt32, "document_id": pl.String},
    )


ids = st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "c.v1", "c.v2", "d"])), max_size=40)


@settings(max_examples=200, deadline=None)
@given(ids=ids)
def test_repeated_ids_are_found_as_counting_every_id_finds_them(ids: list[str | None]) -> None:
    records = _records(ids)
    assert_frame_equal(pipeline.duplicate_documents(records.lazy()), _reference(records))


@pytest.mark.parametrize("ids", [["a", "b", "a", "c", "a", "b"], ["x", "y", "z"], []])
def test_ids_that_share_a_hash_are_told_apart_by_the_ids_themselves(
    ids: list[str | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every id hashed alike: all are candidates, and only ids really repeated are reported."""
    monkeypatch.setattr(pipeline, "_id_hash", lambda s: pl.Series(s.name, [0] * len(s)))
    records = _records(ids)
    found = pipeline.duplicate_documents(records.lazy())
    assert_frame_equal(found, _reference(records))
    assert found["records"].sum() == sum(ids.count(i) for i in set(ids) if ids.count(i) > 1)
