"""Unique temporary identity codes for a whole synthetic population, built column-wise.

The rule is :func:`sosdata.identity.make` applied to columns: ``DDMMYY``, the century sign, the
individual number and the check character of ``DDMMYYNNN`` mod 31. Only temporary numbers
(900–999) are used, so no generated code can ever belong to a real person.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sosdata.identity import CHECK_CHARACTERS, TEMPORARY_RANGE

#: century signs in :func:`sosdata.identity.make` order: the classic one first, then the 2023 ones
SIGNS: dict[int, str] = {1800: "+", 1900: "-YXWVU", 2000: "ABCDEF"}
#: temporary numbers of one sex on one birth date under one century sign
NUMBERS_PER_SEX = len(TEMPORARY_RANGE) // 2
_SIGN_OF = {
    century * 10 + index: sign
    for century, signs in SIGNS.items()
    for index, sign in enumerate(signs)
}
_CHECK_OF = dict(enumerate(CHECK_CHARACTERS))


def code_expr(birth: pl.Expr, number: pl.Expr, sign_index: pl.Expr) -> pl.Expr:
    """The identity code of each row, as :func:`sosdata.identity.make` would build it."""
    year = birth.dt.year()
    yy = year % 100
    nine_digits = (
        (birth.dt.day().cast(pl.Int64) * 100 + birth.dt.month()) * 100 + yy
    ) * 1000 + number.cast(pl.Int64)
    sign = ((year // 100 * 100) * 10 + sign_index).replace_strict(
        _SIGN_OF, default=None, return_dtype=pl.String
    )
    two = lambda e: e.cast(pl.String).str.zfill(2)  # noqa: E731
    return pl.concat_str(
        [
            two(birth.dt.day()),
            two(birth.dt.month()),
            two(yy),
            sign,
            number.cast(pl.String).str.zfill(3),
            (nine_digits % 31).replace_strict(_CHECK_OF, return_dtype=pl.String),
        ]
    )


def assign_numbers(people: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Give every person (``birth`` Date, ``sex`` "1"/"2") a unique temporary code.

    Numbers are handed out per birth date and sex: the first 50 people of a date and sex get the
    classic century sign, the next 50 the first 2023 sign and so on (the sign is part of the
    identity, so these are different codes). The rare date with more people than codes moves
    its surplus to the next day. Adds ``henkilotunnus``; row order is kept.
    """
    capacity = NUMBERS_PER_SEX * min(len(s) for s in SIGNS.values() if len(s) > 1)
    frame = people.with_row_index("_row")
    while True:
        ordered = frame.sort("birth", "sex", "_row")
        birth = ordered["birth"].cast(pl.Int32).to_numpy()
        male = (ordered["sex"] == "1").to_numpy()
        # rank within each (birth date, sex) run of the sorted rows
        new_run = np.ones(ordered.height, dtype=bool)
        new_run[1:] = (birth[1:] != birth[:-1]) | (male[1:] != male[:-1])
        run = np.cumsum(new_run) - 1
        rank = np.arange(ordered.height) - np.flatnonzero(new_run)[run]
        surplus = rank >= capacity
        if not surplus.any():
            break
        moved = ordered["_row"].filter(pl.Series(surplus))
        frame = frame.with_columns(
            pl.when(pl.col("_row").is_in(moved.implode()))
            .then(pl.col("birth") + pl.duration(days=1))
            .otherwise(pl.col("birth"))
        )
    # a random starting number per date and sex, so that codes do not all begin at 900/901
    offset = rng.integers(0, NUMBERS_PER_SEX, size=int(run[-1]) + 1 if run.size else 0)[run]
    k = (rank + offset) % NUMBERS_PER_SEX
    number = TEMPORARY_RANGE.start + 2 * k + male
    return (
        ordered.with_columns(
            henkilotunnus=code_expr(
                pl.col("birth"), pl.lit(number), pl.lit(rank // NUMBERS_PER_SEX)
            )
        )
        .sort("_row")
        .drop("_row")
    )
