"""Generated identity codes: the rule of identity.make over columns, unique, temporary only."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl

from sosdata import identity
from sosdata.kanta.extract import read_extract
from sosdata.synth.identity_codes import NUMBERS_PER_SEX, assign_numbers, code_expr


def test_code_expr_is_identity_make_over_columns() -> None:
    rows = [
        (dt.date(1900, 1, 1), 900, 0),
        (dt.date(1999, 12, 31), 999, 5),
        (dt.date(2000, 2, 29), 901, 0),
        (dt.date(2023, 6, 30), 998, 3),
        (dt.date(1945, 5, 8), 955, 2),
    ]
    frame = pl.DataFrame(rows, schema=["birth", "number", "sign"], orient="row")
    got = frame.select(code_expr(pl.col("birth"), pl.col("number"), pl.col("sign")))
    want = [identity.make(b, n, new_signs=s) for b, n, s in rows]
    assert got.to_series().to_list() == want


def test_crowded_birth_dates_still_get_unique_valid_codes() -> None:
    # 700 people of one sex born on one day: more than the 300 codes of that date and sex
    people = pl.DataFrame(
        {"birth": [dt.date(1950, 3, 1)] * 700 + [dt.date(2010, 7, 7)] * 60, "sex": ["2"] * 760}
    )
    coded = assign_numbers(people, np.random.default_rng(1))
    codes = coded["henkilotunnus"]
    assert codes.n_unique() == coded.height
    facts = identity.facts(codes).with_columns(coded["birth"])
    checks = facts.select(
        pl.col("reason").is_null().all().alias("valid"),
        pl.col("temporary").all().alias("temporary"),
        (pl.col("sex") == "2").all().alias("female"),
        (pl.col("birth_date") == pl.col("birth")).all().alias("born"),
    ).row(0, named=True)
    assert checks == {"valid": True, "temporary": True, "female": True, "born": True}
    # the surplus over six century signs moves on day by day: 300 + 300 + 100
    per_day = coded.group_by("birth").len().sort("birth")["len"].to_list()
    assert per_day == [6 * NUMBERS_PER_SEX, 6 * NUMBERS_PER_SEX, 100, 60]


def test_population_codes_are_valid_temporary_and_match_birth_and_sex(tiny: Path) -> None:
    people = pl.read_parquet(tiny / "truth" / "people.parquet")
    code = people["henkilotunnus"]
    facts = (
        identity.facts(code)
        .hstack([people["sukupuoli"], people["syntymapaiva"], code])
        .select(
            pl.col("reason").is_null().all().alias("valid"),
            pl.col("temporary").all().alias("temporary"),
            (pl.col("sex") == pl.col("sukupuoli")).all().alias("sex"),
            (pl.col("birth_date") == pl.col("syntymapaiva")).all().alias("birth"),
            pl.col("henkilotunnus").is_unique().all().alias("unique"),
        )
        .row(0, named=True)
    )
    assert facts == dict.fromkeys(facts, True)
    # the scalar rule agrees on a sample
    for value in people["henkilotunnus"].head(50).to_list():
        assert identity.parse(value).temporary


def test_extract_carries_only_population_codes(tiny: Path) -> None:
    extract = read_extract(tiny / "kanta" / "extract.parquet")
    assert extract.malformed.height == 0
    people = pl.read_parquet(tiny / "truth" / "people.parquet")
    codes = extract.frame["identity_code"].unique()
    assert codes.is_in(people["henkilotunnus"].implode()).all()
