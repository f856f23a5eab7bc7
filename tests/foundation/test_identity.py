"""Identity codes: validity with reasons, century signs, facts, pseudonyms, column form."""

from __future__ import annotations

import datetime as dt
import random

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.fi import hetu as stdnum_hetu

from sosdata import identity
from sosdata.identity import Invalid


def test_known_valid_code_and_its_facts():
    parsed = identity.parse("131052-308T")
    assert parsed.birth_date == dt.date(1952, 10, 13)
    assert parsed.sex == "2"  # 308 is even
    assert not parsed.temporary


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("131052-308U", Invalid.CHECK_CHARACTER),
        ("310252-308Y", Invalid.DATE),  # 31 February
        ("131052_308T", Invalid.FORMAT),  # not a century sign
        ("131052-308t", Invalid.FORMAT),  # lower case is not repaired
        (" 131052-308T", Invalid.FORMAT),  # nor surrounding space
        ("131052-308", Invalid.FORMAT),
        ("010101-0019", Invalid.INDIVIDUAL_NUMBER),
    ],
)
def test_invalid_codes_say_why(code, reason):
    assert identity.invalid_reason(code) is reason
    with pytest.raises(identity.InvalidIdentityCode) as caught:
        identity.parse(code)
    assert caught.value.reason is reason
    assert identity.REASON_TEXT[reason]["sv"]  # every reason is explained in every language


def test_all_2023_century_signs_are_accepted_and_never_merged():
    born_1994 = dt.date(1994, 5, 1)
    codes_1900s = [identity.make(born_1994, 203, new_signs=i) for i in range(6)]
    assert [c[6] for c in codes_1900s] == list("-YXWVU")
    assert all(identity.is_valid(c) for c in codes_1900s)
    codes_2000s = [identity.make(dt.date(2004, 5, 1), 203, new_signs=i) for i in range(6)]
    assert [c[6] for c in codes_2000s] == list("ABCDEF")
    assert all(identity.is_valid(c) for c in codes_2000s)
    # the spec's example: the same digits with two signs are two people
    assert identity.is_valid("010594-203F") and identity.is_valid("010594Y203F")
    assert "010594-203F" != "010594Y203F"
    pseudonym = identity.Pseudonymizer(b"k" * 32)
    assert pseudonym("010594-203F") != pseudonym("010594Y203F")
    assert identity.parse("010594Y203F").birth_date == identity.parse("010594-203F").birth_date


def test_temporary_numbers_are_valid_and_flagged():
    code = identity.make(dt.date(1980, 1, 1), 905)
    assert identity.is_valid(code)
    assert identity.parse(code).temporary
    assert not stdnum_hetu.is_valid(code)  # stdnum alone would reject it
    assert stdnum_hetu.is_valid(code, allow_temporary=True)


def test_mask_keeps_only_the_birth_date_part():
    assert identity.mask("131052-308T") == "131052-****"
    assert "308" not in identity.mask("131052-308T")


def test_pseudonym_is_keyed_and_stable():
    a, b = identity.Pseudonymizer(b"a" * 32), identity.Pseudonymizer(b"b" * 32)
    assert a("131052-308T") == a("131052-308T")
    assert a("131052-308T") != b("131052-308T")
    assert len(a("131052-308T")) == 64
    column = pl.Series(["131052-308T", None, "131052-308T"])
    assert a.series(column).to_list() == [a("131052-308T"), None, a("131052-308T")]
    with pytest.raises(ValueError):
        identity.Pseudonymizer(b"short")


dates = st.dates(min_value=dt.date(1850, 1, 1), max_value=dt.date(2099, 12, 31))


@given(day=dates, number=st.integers(2, 999), sign=st.integers(0, 5))
def test_made_codes_round_trip(day, number, sign):
    code = identity.make(day, number, new_signs=sign)
    parsed = identity.parse(code)
    assert (parsed.birth_date, parsed.individual_number) == (day, number)
    assert parsed.sex == ("1" if number % 2 else "2")
    assert stdnum_hetu.is_valid(code, allow_temporary=True)


@given(day=dates, number=st.integers(2, 999), position=st.integers(0, 10), data=st.data())
def test_changing_one_character_is_detected(day, number, position, data):
    code = identity.make(day, number)
    replacement = data.draw(st.sampled_from("0123456789-+ABCDEFHJKLMNPRSTUVWXYZ"))
    changed = code[:position] + replacement + code[position + 1 :]
    if changed == code or position == 6:
        return  # position 6 is the century sign: another sign is another, valid person
    assert identity.invalid_reason(changed) is not None


def _random_code(rng: random.Random) -> str | None:
    """Mostly plausible codes with every kind of fault, as files contain them."""
    roll = rng.random()
    if roll < 0.01:
        return None
    if roll < 0.05:
        # any length: codes longer than 12 bytes are stored out of line in a string view
        return "".join(rng.choice("0123456789-+AYXzä ") for _ in range(rng.randint(0, 30)))
    day = f"{rng.randint(0, 32):02d}{rng.randint(0, 13):02d}{rng.randint(0, 99):02d}"
    sign = rng.choice("-+ABCDEFYXWVU")
    number = f"{rng.randint(0, 999):03d}"
    check = rng.choice(identity.CHECK_CHARACTERS)
    if roll < 0.6:  # make the check character right, so date and number faults show
        check = identity.check_character(day + number)
    return day + sign + number + check


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_column_form_agrees_with_scalar_form(seed):
    rng = random.Random(seed)
    codes = [_random_code(rng) for _ in range(20_000)]
    # several chunks and a slice: the column form reads the strings' memory directly
    column = pl.concat([pl.Series("code", codes[:7_000]), pl.Series("code", codes[7_000:])])
    column = column.slice(1)
    frame = pl.DataFrame([column]).hstack(identity.facts(column))
    for code, reason, birth, sex, temporary in frame.iter_rows():
        if code is None:
            assert (reason, birth, sex, temporary) == (None, None, None, False)
            continue
        scalar = identity.invalid_reason(code)
        assert reason == (scalar.value if scalar else None), code
        if scalar in (None, Invalid.INDIVIDUAL_NUMBER, Invalid.CHECK_CHARACTER):
            # the date part is real even when the number or check character is wrong
            century = identity.CENTURIES[code[6]]
            assert birth == dt.date(century + int(code[4:6]), int(code[2:4]), int(code[:2]))
        else:
            assert birth is None
        if scalar is None:
            parsed = identity.parse(code)
            assert (birth, sex, temporary) == (parsed.birth_date, parsed.sex, parsed.temporary)
    # the sample really exercises every outcome
    assert set(frame["reason"].drop_nulls()) == {r.value for r in Invalid}
    assert frame["reason"].null_count() > 1000


def test_age_expression_matches_scalar():
    births = [dt.date(2000, 2, 29), dt.date(1950, 12, 31), dt.date(2023, 3, 31)]
    on = dt.date(2023, 3, 31)
    ages = pl.DataFrame({"b": births}).select(identity.age_expr(pl.col("b"), on))["literal"]
    assert ages.to_list() == [identity.age_on(b, on) for b in births] == [23, 72, 0]
