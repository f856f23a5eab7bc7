"""Finnish personal identity codes (henkilötunnus), SPEC §6.

``DDMMYY C NNN Q``. Validity is decided by python-stdnum; this module adds the reason a code
is invalid, the facts a code carries (birth date, sex, temporary number), masking for reports,
a keyed pseudonym, and the same checks over whole columns (:func:`facts`).

Codes are never normalised: ``010594-203F`` and ``010594Y203F`` are two people since 2023, and a
code written in lower case or with spaces is a format error, not something to repair.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import polars as pl
from numba import njit
from stdnum.exceptions import ValidationError
from stdnum.fi import hetu as stdnum_hetu

from sosdata import fixedwidth
from sosdata.column_hmac import ColumnHmac

CHECK_CHARACTERS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
CENTURIES: dict[str, int] = (
    {"+": 1800} | dict.fromkeys("-YXWVU", 1900) | dict.fromkeys("ABCDEF", 2000)
)
TEMPORARY_RANGE = range(900, 1000)
#: the shape only; the date, individual number and check character are checked separately
FORMAT_PATTERN = r"^[0-9]{6}[-+A-FU-Y][0-9]{3}[0-9A-FHJ-NPR-Y]$"
_FORMAT_RE = re.compile(FORMAT_PATTERN)


class Invalid(StrEnum):
    """Why a code is not a valid identity code; values are stable ids used in reports."""

    FORMAT = "format"
    DATE = "date"
    INDIVIDUAL_NUMBER = "individual_number"
    CHECK_CHARACTER = "check_character"


REASON_TEXT: dict[Invalid, dict[str, str]] = {
    Invalid.FORMAT: {
        "fi": "muoto ei ole PPKKVV-NNNT (11 merkkiä, välimerkki + - A–F U–Y)",
        "sv": "formen är inte DDMMÅÅ-NNNK (11 tecken, skiljetecken + - A–F U–Y)",
        "en": "not of the form DDMMYY-NNNC (11 characters, century sign + - A-F U-Y)",
    },
    Invalid.DATE: {
        "fi": "syntymäaika ei ole olemassa oleva päivä",
        "sv": "födelsedatumet är inte ett existerande datum",
        "en": "the birth date is not a real date",
    },
    Invalid.INDIVIDUAL_NUMBER: {
        "fi": "yksilönumero 000–001 ei ole käytössä",
        "sv": "individnumret 000–001 används inte",
        "en": "individual number 000-001 is never issued",
    },
    Invalid.CHECK_CHARACTER: {
        "fi": "tarkistusmerkki ei täsmää",
        "sv": "kontrolltecknet stämmer inte",
        "en": "the check character does not match",
    },
}


@dataclass(frozen=True, slots=True)
class IdentityCode:
    """A valid identity code and the facts it carries."""

    code: str
    birth_date: dt.date
    #: code in "AR/YDIN – Sukupuoli": "1" male (odd number), "2" female (even number)
    sex: str
    individual_number: int

    @property
    def temporary(self) -> bool:
        return self.individual_number in TEMPORARY_RANGE

    def age_on(self, day: dt.date) -> int:
        return age_on(self.birth_date, day)


class InvalidIdentityCode(ValueError):
    def __init__(self, reason: Invalid):
        super().__init__(REASON_TEXT[reason]["en"])
        self.reason = reason


def check_character(date_and_number: str) -> str:
    """The check character of the nine digits DDMMYYNNN."""
    return CHECK_CHARACTERS[int(date_and_number) % 31]


def invalid_reason(code: str) -> Invalid | None:
    """``None`` for a valid code (temporary numbers included), else why it is invalid."""
    if not isinstance(code, str) or not _FORMAT_RE.match(code):
        return Invalid.FORMAT
    try:
        stdnum_hetu.validate(code, allow_temporary=True)
        return None
    except ValidationError:
        pass
    try:
        dt.date(CENTURIES[code[6]] + int(code[4:6]), int(code[2:4]), int(code[0:2]))
    except ValueError:
        return Invalid.DATE
    if int(code[7:10]) < 2:
        return Invalid.INDIVIDUAL_NUMBER
    return Invalid.CHECK_CHARACTER


def is_valid(code: str) -> bool:
    return invalid_reason(code) is None


def parse(code: str) -> IdentityCode:
    """Parse a valid code or raise :class:`InvalidIdentityCode` with the reason."""
    reason = invalid_reason(code)
    if reason is not None:
        raise InvalidIdentityCode(reason)
    number = int(code[7:10])
    birth = dt.date(CENTURIES[code[6]] + int(code[4:6]), int(code[2:4]), int(code[0:2]))
    return IdentityCode(code, birth, "1" if number % 2 else "2", number)


def make(birth_date: dt.date, individual_number: int, *, new_signs: int = 0) -> str:
    """Build the code for a birth date and individual number.

    ``new_signs`` picks the century sign: 0 the classic one (``+``, ``-``, ``A``), 1.. the signs
    introduced in 2023 (``Y``..``U`` for the 1900s, ``B``..``F`` for the 2000s).
    """
    signs = {1800: "+", 1900: "-YXWVU", 2000: "ABCDEF"}[birth_date.year // 100 * 100]
    sign = signs[new_signs % len(signs)]
    digits = f"{birth_date:%d%m}{birth_date.year % 100:02d}{individual_number:03d}"
    return f"{digits[:6]}{sign}{digits[6:]}{check_character(digits)}"


def mask(code: str) -> str:
    """Hide all but the birth-date part, for reports: ``010594-****``."""
    return code[:7] + "****" if isinstance(code, str) and len(code) >= 7 else "****"


#: anything shaped like an identity code inside free text (check character optional): the
#: birth-date part and century sign are kept, the rest hidden as by :func:`mask`. A lower-case
#: a–f sign is taken for one only as a word of its own, so that hexadecimal (pseudonyms, file
#: hashes) is left alone. Python's and Polars' regular expressions both read it.
_ANYWHERE = (
    r"([0-9]{6}[-+A-FU-Yu-y])[0-9]{3}[0-9A-Za-z]?"
    r"|\b([0-9]{6}[a-f])[0-9]{3}[0-9a-z]?\b"
)
_ANYWHERE_RE = re.compile(_ANYWHERE)


def redact(text: str) -> str:
    """``text`` with every identity code in it masked (``010594-****``): the one masking of
    values echoed in messages, reports and logs, whichever column or file they came from."""
    return _ANYWHERE_RE.sub(r"\1\2****", text) if isinstance(text, str) else text


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


# --- keyed pseudonym ---------------------------------------------------------------------


class Pseudonymizer:
    """HMAC-SHA256 of the code under the register's secret key, as 64 hex characters.

    The same person gets the same pseudonym in every delivery and quarter; without the key the
    pseudonym cannot be turned back into a code, nor computed for a guessed code.
    """

    def __init__(self, key: bytes):
        if len(key) < 32:
            raise ValueError("the pseudonym key must be at least 32 bytes")
        self._template = hmac.new(key, digestmod=hashlib.sha256)
        self._column = ColumnHmac(key, self)

    def __call__(self, code: str) -> str:
        mac = self._template.copy()
        mac.update(code.encode("ascii", "replace"))
        return mac.hexdigest()

    def series(self, codes: pl.Series) -> pl.Series:
        """Pseudonyms of a column, null for null, in one compiled pass (``column_hmac``); pass
        distinct codes, each is hashed once."""
        return self._column.series(codes)


# --- the same checks over whole columns ----------------------------------------------------
# A code is 11 ASCII bytes: read as bytes (see ``fixedwidth``), every fact is integer
# arithmetic over a few byte positions, in one compiled pass, with no per-row strings.

#: the Polars type of an invalid reason: the values of :class:`Invalid`
REASON_DTYPE = pl.Enum([r.value for r in Invalid])
_CODE_LENGTH = 11
_FIRST_TEMPORARY = TEMPORARY_RANGE.start
_CENTURY = np.full(256, -1, np.int32)
_CENTURY[[ord(s) for s in CENTURIES]] = list(CENTURIES.values())
_CHECK_VALUE = np.full(256, -1, np.int32)
_CHECK_VALUE[[ord(c) for c in CHECK_CHARACTERS]] = np.arange(len(CHECK_CHARACTERS))
#: the column's values by the kernel's reason numbers: 0 = valid (or missing), then
#: :class:`Invalid` in its order
_REASONS = pl.Series([None, *Invalid], dtype=REASON_DTYPE)
_VALID = 0
_FORMAT, _DATE, _NUMBER, _CHECK = (
    1 + list(Invalid).index(r)
    for r in (Invalid.FORMAT, Invalid.DATE, Invalid.INDIVIDUAL_NUMBER, Invalid.CHECK_CHARACTER)
)
#: sex numbers of the kernel, 0 = unknown; the column's values by number (an enum: one byte a
#: row, where strings take sixteen)
_SEXES = pl.Series([None, "1", "2"], dtype=pl.Enum(["1", "2"]))


def _facts_loop(helpers: str = fixedwidth.SOURCE_KEY):
    """The compiled pass over identity codes. It builds in ``fixedwidth``'s helpers, while
    Numba keys a cached loop on its own file only; closing over the helpers' source key (closure
    values are part of the cache key) makes a change to them compile the loop afresh."""

    @njit(cache=True, nogil=True)
    def facts(views, validity, bit_offset, century_of, check_value_of, outputs):
        helpers  # noqa: B018 (in the cache key: see above)
        reason, days, sex, temporary = outputs
        for row in range(views.shape[0]):
            r = np.uintp(row)
            reason[r], days[r], sex[r], temporary[r] = _VALID, fixedwidth.NOT_A_DATE, 0, False
            if not fixedwidth.present(validity, bit_offset, row):
                continue  # a missing code is another rule's business
            day, month = fixedwidth.digits(views, row, 0, 2), fixedwidth.digits(views, row, 2, 2)
            year, number = fixedwidth.digits(views, row, 4, 2), fixedwidth.digits(views, row, 7, 3)
            century = century_of[fixedwidth.byte(views, row, 6)]
            check_value = check_value_of[fixedwidth.byte(views, row, 10)]
            if (
                fixedwidth.length(views, row) != _CODE_LENGTH
                or min(day, month, year, number, century, check_value) < 0
            ):
                reason[r] = _FORMAT
                continue
            temporary[r] = number >= _FIRST_TEMPORARY
            birth = fixedwidth.civil_days(century + year, month, day)
            if birth == fixedwidth.NOT_A_DATE:
                reason[r] = _DATE
                continue
            days[r], sex[r] = birth, 1 if number % 2 else 2
            if number < 2:
                reason[r] = _NUMBER
            elif ((day * 10_000 + month * 100 + year) * 1000 + number) % 31 != check_value:
                # the check character encodes int("DDMMYYNNN") % 31
                reason[r] = _CHECK

    return facts


_facts = _facts_loop()


def facts(codes: pl.Series) -> pl.DataFrame:
    """Per code, what the scalar functions tell one at a time: ``reason`` (the
    :class:`Invalid` value, null when valid or null), ``birth_date`` and ``sex`` ("1"/"2";
    both null unless the form and date are valid) and ``temporary``."""
    n = len(codes)
    reason, sex = np.empty(n, np.uint32), np.empty(n, np.uint32)
    days, temporary = np.empty(n, np.int32), np.empty(n, np.bool_)
    for chunk in fixedwidth.chunks(codes):
        outputs = (reason[chunk.rows], days[chunk.rows], sex[chunk.rows], temporary[chunk.rows])
        _facts(chunk.views, chunk.validity, chunk.bit_offset, _CENTURY, _CHECK_VALUE, outputs)
    return pl.DataFrame(
        [
            _REASONS.gather(reason).alias("reason"),
            fixedwidth.dates(days, "birth_date"),
            _SEXES.gather(sex).alias("sex"),
            pl.Series("temporary", temporary),
        ]
    )


def mask_expr(code: pl.Expr) -> pl.Expr:
    return (
        pl.when(code.is_null())
        .then(None)
        .when(code.str.len_chars() >= 7)
        .then(code.str.slice(0, 7) + "****")
        .otherwise(pl.lit("****"))
    )


def redact_expr(text: pl.Expr) -> pl.Expr:
    """:func:`redact` over a column of text."""
    return text.str.replace_all(_ANYWHERE, "${1}${2}****")


def age_expr(birth_date: pl.Expr, day: dt.date) -> pl.Expr:
    """Whole years of age on ``day``, for a column of birth dates."""
    before_birthday = (pl.lit(day.month) < birth_date.dt.month()) | (
        (pl.lit(day.month) == birth_date.dt.month()) & (pl.lit(day.day) < birth_date.dt.day())
    )
    return pl.lit(day.year) - birth_date.dt.year() - before_birthday.cast(pl.Int32)
