"""HMAC-SHA256 of a whole column of short values in one compiled pass (pseudonyms).

Python's ``hmac`` costs about 2.5 µs a value (an object copy, an update, a hex digest), 3 s for
a national quarter's 1.2 M persons. HMAC-SHA256 of a value of at most 12 bytes under a fixed key
is two SHA-256 compressions from states that depend on the key alone (RFC 2104: the inner and
outer padded keys are one 64-byte block each), so the key's two states are computed once and
each value costs two compressions, read straight from the column's Arrow string views (see
``fixedwidth``) with the hexadecimal digest written into one byte buffer. Values that are not
inline (longer than 12 bytes) or not ASCII are left to the scalar form, which the tests compare
with this one on every kind of value.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import polars as pl
import pyarrow as pa
from numba import njit

from sosdata import fixedwidth

BLOCK = 64
HEX_DIGEST = 64
#: rows in a chunk half from which the two halves are hashed on two threads
_PARALLEL_FROM = 50_000
_IV = np.array(
    [
        0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A,
        0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19,
    ],
    np.uint32,
)  # fmt: skip
_K = np.array(
    [
        0x428A2F98, 0x71374491, 0xB5C0FBCF, 0xE9B5DBA5, 0x3956C25B, 0x59F111F1, 0x923F82A4,
        0xAB1C5ED5, 0xD807AA98, 0x12835B01, 0x243185BE, 0x550C7DC3, 0x72BE5D74, 0x80DEB1FE,
        0x9BDC06A7, 0xC19BF174, 0xE49B69C1, 0xEFBE4786, 0x0FC19DC6, 0x240CA1CC, 0x2DE92C6F,
        0x4A7484AA, 0x5CB0A9DC, 0x76F988DA, 0x983E5152, 0xA831C66D, 0xB00327C8, 0xBF597FC7,
        0xC6E00BF3, 0xD5A79147, 0x06CA6351, 0x14292967, 0x27B70A85, 0x2E1B2138, 0x4D2C6DFC,
        0x53380D13, 0x650A7354, 0x766A0ABB, 0x81C2C92E, 0x92722C85, 0xA2BFE8A1, 0xA81A664B,
        0xC24B8B70, 0xC76C51A3, 0xD192E819, 0xD6990624, 0xF40E3585, 0x106AA070, 0x19A4C116,
        0x1E376C08, 0x2748774C, 0x34B0BCB5, 0x391C0CB3, 0x4ED8AA4A, 0x5B9CCA4F, 0x682E6FF3,
        0x748F82EE, 0x78A5636F, 0x84C87814, 0x8CC70208, 0x90BEFFFA, 0xA4506CEB, 0xBEF9A3F7,
        0xC67178F2,
    ],
    np.uint32,
)  # fmt: skip
_HEX = np.frombuffer(b"0123456789abcdef", np.uint8)


@njit(inline="always", cache=True)
def _rotate(x: np.uint32, n: int) -> np.uint32:
    return np.uint32((x >> np.uint32(n)) | (x << np.uint32(32 - n)))


@njit(inline="always", cache=True)
def _compress(state: np.ndarray, words: np.ndarray, k: np.ndarray, out: np.ndarray) -> None:
    """One SHA-256 compression (FIPS 180-4 §6.2.2) of the 16 big-endian ``words`` of a block
    from ``state`` into ``out`` (``words`` is overwritten by the message schedule)."""
    for t in range(16, 64):
        w15, w2 = words[t - 15], words[t - 2]
        s0 = _rotate(w15, 7) ^ _rotate(w15, 18) ^ (w15 >> np.uint32(3))
        s1 = _rotate(w2, 17) ^ _rotate(w2, 19) ^ (w2 >> np.uint32(10))
        words[t] = np.uint32(words[t - 16] + s0 + words[t - 7] + s1)
    a, b, c, d = state[0], state[1], state[2], state[3]
    e, f, g, h = state[4], state[5], state[6], state[7]
    for t in range(64):
        s1 = _rotate(e, 6) ^ _rotate(e, 11) ^ _rotate(e, 25)
        choice = (e & f) ^ (~e & g)
        t1 = np.uint32(h + s1 + choice + k[t] + words[t])
        s0 = _rotate(a, 2) ^ _rotate(a, 13) ^ _rotate(a, 22)
        majority = (a & b) ^ (a & c) ^ (b & c)
        t2 = np.uint32(s0 + majority)
        h, g, f, e = g, f, e, np.uint32(d + t1)
        d, c, b, a = c, b, a, np.uint32(t1 + t2)
    out[0], out[1], out[2], out[3] = state[0] + a, state[1] + b, state[2] + c, state[3] + d
    out[4], out[5], out[6], out[7] = state[4] + e, state[5] + f, state[6] + g, state[7] + h


def _hmac_loop(helpers: str = fixedwidth.SOURCE_KEY) -> Callable:
    """The compiled pass (closing over ``fixedwidth``'s source key: see
    ``identity._facts_loop``)."""

    @njit(cache=True, nogil=True)
    def hmac_views(views, validity, bit_offset, inner, outer, k, hex_digits, digests, scalar):
        helpers  # noqa: B018 (in the cache key)
        words = np.empty(64, np.uint32)
        state = np.empty(8, np.uint32)
        for row in range(views.shape[0]):
            r = np.uintp(row)
            scalar[r] = False
            if not fixedwidth.present(validity, bit_offset, row):
                continue
            n = fixedwidth.length(views, row)
            if n > fixedwidth.INLINE_BYTES:
                scalar[r] = True
                continue
            # the inner block: the value, 0x80, zeros, then the bit length of key block + value
            words[:16] = 0
            ascii_only: bool | np.bool = True
            for i in range(n):
                value = fixedwidth.byte(views, row, i)
                ascii_only &= value < 0x80
                words[i >> 2] |= np.uint32(value) << np.uint32(24 - 8 * (i & 3))
            if not ascii_only:
                scalar[r] = True  # the scalar form replaces non-ASCII characters
                continue
            words[n >> 2] |= np.uint32(0x80) << np.uint32(24 - 8 * (n & 3))
            words[15] = np.uint32((BLOCK + n) * 8)
            _compress(inner, words, k, state)
            # the outer block: the inner digest, 0x80, zeros, the bit length of 64 + 32 bytes
            words[:8] = state
            words[8] = np.uint32(0x80000000)
            words[9:15] = 0
            words[15] = np.uint32((BLOCK + 32) * 8)
            _compress(outer, words, k, state)
            for i in range(8):
                word = state[i]
                for nibble in range(8):
                    digit = (word >> np.uint32(28 - 4 * nibble)) & np.uint32(15)
                    digests[r, np.uintp(8 * i + nibble)] = hex_digits[digit]

    return hmac_views


_hmac_views = _hmac_loop()


def _key_state(block: bytes) -> np.ndarray:
    """The SHA-256 state after one 64-byte block (a padded key)."""
    words = np.zeros(64, np.uint32)
    words[:16] = np.frombuffer(block, ">u4")
    state = np.empty(8, np.uint32)
    _compress(_IV, words, _K, state)
    return state


class ColumnHmac:
    """HMAC-SHA256 under one key, as lower-case hexadecimal, for a whole column at a time."""

    def __init__(self, key: bytes, scalar: Callable[[str], str]):
        if len(key) > BLOCK:
            key = hashlib.sha256(key).digest()
        key = key.ljust(BLOCK, b"\0")
        self._inner = _key_state(bytes(b ^ 0x36 for b in key))
        self._outer = _key_state(bytes(b ^ 0x5C for b in key))
        self._scalar = scalar

    def series(self, values: pl.Series) -> pl.Series:
        """The digests of a column (null for null)."""
        n = len(values)
        digests = np.zeros((n, HEX_DIGEST), np.uint8)
        scalar = np.zeros(n, np.bool_)
        parts = []
        for chunk in fixedwidth.chunks(values):
            rows = len(chunk.views)
            # large chunks in two halves side by side: the loop lets go of the interpreter
            bounds = [0, rows // 2, rows] if rows >= 2 * _PARALLEL_FROM else [0, rows]
            for start, stop in itertools.pairwise(bounds):
                out = slice(chunk.first_row + start, chunk.first_row + stop)
                parts.append(
                    (chunk.views[start:stop], chunk.validity, chunk.bit_offset + start)
                    + (self._inner, self._outer, _K, _HEX, digests[out], scalar[out])
                )
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda args: _hmac_views(*args), parts))
        for row in np.flatnonzero(scalar):
            digests[row] = np.frombuffer(self._scalar(values[int(row)]).encode(), np.uint8)
        offsets = np.arange(0, (n + 1) * HEX_DIGEST, HEX_DIGEST, dtype=np.int64)
        nulls = values.null_count()
        validity = (
            pa.py_buffer(np.packbits(values.is_not_null().to_numpy(), bitorder="little"))
            if nulls
            else None
        )
        array = pa.LargeStringArray.from_buffers(
            n, pa.py_buffer(offsets), pa.py_buffer(digests), validity, null_count=nulls
        )
        return pl.Series(values.name, array, dtype=pl.String)
