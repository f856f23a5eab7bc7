"""A publication keeps every table exactly as it was published, and two publications of a
quarter are compared cell by cell."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from sosdata.register import store
from sosdata.statistics import publications

from . import fake_register
from .test_series_store import EARLIER, _publish, register  # noqa: F401 (the fixture)


def test_a_publication_reads_back_as_published(register, tmp_path: Path) -> None:  # noqa: F811
    result = _publish(register, EARLIER, tmp_path / "out")
    assert result.publication_id is not None
    with store.opened(register, read_only=True) as conn:
        stored = publications.tables(conn, result.publication_id)
        assert publications.latest(conn, str(EARLIER)) == result.publication_id
    assert [t.id for t in stored] == [t.id for t in result.tables]
    for kept, made in zip(stored, result.tables, strict=True):
        assert kept.dimensions == made.dimensions and dict(kept.title) == dict(made.title)
        assert kept.full().equals(made.full()), kept.id
        assert kept.full()["shown"].to_list().count("..") == made.full()["shown"].to_list().count(
            ".."
        )


def test_a_second_publication_after_a_change_lists_the_cells_that_changed(
    register,  # noqa: F811
    tmp_path: Path,
) -> None:
    first = _publish(register, EARLIER, tmp_path / "first").publication_id
    with store.opened(register) as conn:
        fake_register.rebuild(conn, EARLIER, drop={"asiakkuusjaksot": "palvelutehtava = '1'"})
    second = _publish(register, EARLIER, tmp_path / "second").publication_id
    with store.opened(register, read_only=True) as conn:
        changed = publications.changes(conn, first, second)
        unchanged = publications.changes(conn, first, first)
        listed = publications.listing(conn)
    assert unchanged.is_empty()
    assert changed.height > 0 and (changed["before"] != changed["after"]).all()
    # fewer persons in the quarter: the person counts changed (which cells show it, and as a
    # number or as "..", is the revision protection's choice: statistics/revisions.py)
    assert changed.filter(pl.col("table_id").str.starts_with("persons_")).height > 0
    assert listed["publication_id"].to_list() == [second, first]
    assert set(listed["quarter"]) == {str(EARLIER)}
