"""The compiled CSV splitter against a plain Python reading of format v1."""

from __future__ import annotations

import mmap
from pathlib import Path

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from sosdata.delivery import splitter

NAMES = ["a", "b", "c"]
# short and long values (a view holds up to 12 bytes itself), quotes, CR, non-ASCII
_VALUES = st.sampled_from(["", "1", '""', '"x"', '"', "a\rb", "é", "2023-01-31", "x" * 12])
_VALUE = _VALUES | st.text(alphabet='ab"é\r ', max_size=30)


def _reference(data: bytes) -> tuple[list[list[str | None]], int]:
    """Each line's fields as the format defines them, and how many lines are ragged."""
    lines = data.split(b"\n") if data else []  # nothing at all is no line
    if data.endswith(b"\n"):
        lines.pop()
    rows, ragged = [], 0
    for line in lines:
        fields = line.removesuffix(b"\r").split(b";")
        ragged += len(fields) != len(NAMES)
        values = []
        for field in fields[: len(NAMES)]:
            if len(field) >= 2 and field[:1] == field[-1:] == b'"':
                field = field[1:-1]
            values.append(field.decode() or None)
        rows.append(values)
    return rows, ragged


@st.composite
def _files(draw) -> bytes:
    lines = draw(
        st.lists(st.lists(_VALUE, min_size=1, max_size=4).map(";".join), min_size=1, max_size=40)
    )
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    text = ending.join(lines) + draw(st.sampled_from(["", ending]))
    return text.encode()


@settings(max_examples=300, deadline=None)
@given(data=_files(), piece_bytes=st.integers(1, 64))
def test_splitting_agrees_with_a_plain_reading(data, piece_bytes):
    # small pieces: many chunks, short lines after long ones (a piece takes several rounds)
    found = splitter.split(data, 0, len(data), NAMES, piece_bytes=piece_bytes)
    rows, ragged = _reference(data)
    assert found.ragged_lines == ragged
    if not ragged:
        frame = pl.DataFrame(found.columns)
        assert frame.columns == NAMES
        assert frame.rows() == [tuple(r) for r in rows]


def test_only_the_range_is_split():
    data = b"a;b;c\n1;2;3\n4;5;6\n\n\n"
    found = splitter.split(data, 6, 18, NAMES)
    assert pl.DataFrame(found.columns).rows() == [("1", "2", "3"), ("4", "5", "6")]
    assert found.ragged_lines == 0


def test_long_values_point_into_a_memory_map(tmp_path: Path):
    path = tmp_path / "rows.csv"
    rows = [(f"1.2.246.10.{i:012d}", f"{i}", "x" * (i % 20)) for i in range(10_000)]
    path.write_bytes("".join(";".join(r) + "\n" for r in rows).encode())
    with path.open("rb") as handle:
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    found = splitter.split(mapped, 0, len(mapped), NAMES, piece_bytes=4096)
    del mapped  # the columns keep the map alive
    frame = pl.DataFrame(found.columns)
    assert frame.rows() == [(a, b, c or None) for a, b, c in rows]
    assert found.columns[0].n_chunks() > 1


@given(data=st.binary(max_size=100))
def test_is_ascii_agrees_with_bytes(data):
    assert splitter.is_ascii(data) == data.isascii()
