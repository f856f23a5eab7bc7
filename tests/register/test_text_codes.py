"""Text stored as codes: several frames' values looked up together, each given one code."""

from __future__ import annotations

import polars as pl

from sosdata.register import packed_sort, text_codes


def test_the_values_of_several_frames_are_coded_from_one_look_up(db):
    db.execute("INSERT INTO stored_text VALUES (1, 'y')")  # a value the register already has
    first = pl.DataFrame({"a": ["x", "y", "x"], "b": ["z", None, "y"]})
    second = pl.DataFrame({"c": ["y", "w"], "other": ["not", "coded"]})
    frames = [
        (packed_sort.enumerated(first, ["a", "b"]), ["a", "b"]),
        (packed_sort.enumerated(second, ["c"]), ["c"]),
    ]

    found = text_codes.looked_up(db, frames)
    coded = [text_codes.with_codes(frame, names, found) for frame, names in frames]

    stored = dict(db.execute("SELECT value, code FROM stored_text").fetchall())
    # every value once, the known one keeping its code, the new ones numbered on without gaps
    assert stored == {"y": 1, "w": 2, "x": 3, "z": 4}
    assert coded[0].to_dict(as_series=False) == {"a": [3, 1, 3], "b": [4, None, 1]}
    assert coded[1].to_dict(as_series=False) == {"c": [1, 2], "other": ["not", "coded"]}
    # a frame coded alone reads the same codes, and a look-up that may not add leaves null
    alone = text_codes.as_codes(db, pl.DataFrame({"v": ["w", "q", "x"]}), ["v"], add=False)
    assert alone["v"].to_list() == [2, None, 3]
    assert db.execute("SELECT count(*) FROM stored_text").fetchone() == (4,)
