"""Disclosure control: primary and secondary suppression, checked by an independent LP."""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl
import pytest

from sosdata.statistics.hypercube import Cube, protect
from sosdata.statistics.suppression import (
    PRIMARY,
    SECONDARY,
    TOTAL,
    Hierarchy,
    UnprotectedError,
    _check,
    audit_table,
    exposed_lines,
    suppress,
    suppress_linked,
)

from .lp_check import feasible_ranges, lines_with_one_suppressed


def cube(base: np.ndarray, codes: dict[str, list[str]], parents: dict[str, dict[str, str]]):
    """Full cube with totals: leaf values from ``base``, parents summed up the hierarchies."""
    values: dict[tuple[str, ...], int] = {}
    leaves = {
        d: [c for c in cs if c not in set(parents.get(d, {}).values())] for d, cs in codes.items()
    }
    for idx in itertools.product(*(range(len(leaves[d])) for d in codes)):
        values[tuple(leaves[d][i] for d, i in zip(codes, idx, strict=True))] = int(base[idx])

    def ancestors(dim: str, code: str) -> list[str]:
        out = [code]
        while code in parents.get(dim, {}):
            code = parents[dim][code]
            out.append(code)
        return out

    full: dict[tuple[str, ...], int] = {}
    for leaf, v in values.items():
        for combo in itertools.product(
            *(ancestors(d, c) for d, c in zip(codes, leaf, strict=True))
        ):
            full[combo] = full.get(combo, 0) + v
    dims = list(codes)
    rows = [(*k, v) for k, v in full.items() if v]
    frame = pl.DataFrame(rows, schema=[*dims, "value"], orient="row")
    return frame, full


def check(frame: pl.DataFrame, full, codes, parents, threshold: int) -> None:
    dims = list(codes)
    suppressed = {
        tuple(r[:-1])
        for r in frame.filter(pl.col("status").is_not_null()).select(*dims, "status").iter_rows()
    }
    # primary rule: every count 1..threshold-1 and nothing else is primary
    for row in frame.iter_rows(named=True):
        small = 1 <= row["value"] < threshold
        assert (row["status"] == PRIMARY) == small, row
    assert not lines_with_one_suppressed(suppressed, codes, parents, full)
    ranges = feasible_ranges(full, suppressed, codes, parents, threshold)
    for cell, (low, high) in ranges.items():
        assert high - low >= threshold - 1e-6, (cell, full[cell], low, high)


def flat(names: list[str]) -> dict[str, str]:
    return {n: TOTAL for n in names}


@pytest.mark.parametrize("seed", range(6))
def test_random_two_way_tables_are_protected(seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows, cols = [f"r{i}" for i in range(rng.integers(3, 9))], [f"c{j}" for j in range(5)]
    codes = {"r": [TOTAL, *rows], "c": [TOTAL, *cols]}
    parents = {"r": flat(rows), "c": flat(cols)}
    frame, full = cube(rng.poisson(rng.uniform(1, 8), (len(rows), len(cols))), codes, parents)
    out = suppress(frame, ["r", "c"], [Hierarchy(d, p) for d, p in parents.items()], 5)
    assert out["status"].is_not_null().any()
    check(out, full, codes, parents, 5)


@pytest.mark.parametrize("seed", range(3))
def test_random_hierarchical_three_way_tables_are_protected(seed: int) -> None:
    """Area total → county → municipality, by sex and age: the shape of the published tables."""
    rng = np.random.default_rng(100 + seed)
    area_parents = {"A": TOTAL, "B": TOTAL, "a1": "A", "a2": "A", "a3": "A", "b1": "B", "b2": "B"}
    sexes, ages = ["1", "2"], ["0-17", "18-64", "65-"]
    codes = {
        "alue": [TOTAL, "A", "a1", "a2", "a3", "B", "b1", "b2"],
        "sex": [TOTAL, *sexes],
        "age": [TOTAL, *ages],
    }
    parents = {"alue": area_parents, "sex": flat(sexes), "age": flat(ages)}
    frame, full = cube(rng.poisson(4, (5, 2, 3)), codes, parents)
    out = suppress(frame, list(codes), [Hierarchy(d, p) for d, p in parents.items()], 5)
    check(out, full, codes, parents, 5)
    assert exposed_lines(out, list(codes), [Hierarchy(d, p) for d, p in parents.items()]) == 0


def test_threshold_is_configurable() -> None:
    codes = {"r": [TOTAL, "x", "y", "z"]}
    parents = {"r": flat(["x", "y", "z"])}
    frame, full = cube(np.array([3, 4, 30]), codes, parents)
    h = [Hierarchy("r", parents["r"])]
    assert suppress(frame, ["r"], h, 3)["status"].null_count() == frame.height
    out = suppress(frame, ["r"], h, 5)
    status = dict(zip(out["r"], out["status"], strict=True))
    assert status["x"] == PRIMARY and status["y"] == PRIMARY and status[TOTAL] is None


def test_a_single_small_cell_gets_a_complement() -> None:
    codes = {"r": [TOTAL, "x", "y", "z"]}
    parents = {"r": flat(["x", "y", "z"])}
    frame, full = cube(np.array([2, 50, 40]), codes, parents)
    out = suppress(frame, ["r"], [Hierarchy("r", parents["r"])], 5)
    status = dict(zip(out["r"], out["status"], strict=True))
    # the smallest other member hides it, not the larger one nor the total
    assert status == {"x": PRIMARY, "z": SECONDARY, "y": None, TOTAL: None}
    check(out, full, codes, parents, 5)


def test_narrow_pairs_get_widened() -> None:
    """1 and 1 hidden under a published total of 2+big: each is still pinned to [0, 2]."""
    codes = {"r": [TOTAL, "x", "y", "z"]}
    parents = {"r": flat(["x", "y", "z"])}
    frame, full = cube(np.array([1, 1, 90]), codes, parents)
    out = suppress(frame, ["r"], [Hierarchy("r", parents["r"])], 5)
    check(out, full, codes, parents, 5)


def test_audit_finds_a_recoverable_cell() -> None:
    codes = {"r": [TOTAL, "x", "y"], "c": [TOTAL, "u", "v"]}
    parents = {"r": flat(["x", "y"]), "c": flat(["u", "v"])}
    frame, full = cube(np.array([[2, 10], [10, 10]]), codes, parents)
    naive = frame.with_columns(
        pl.when((pl.col("r") == "x") & (pl.col("c") == "u"))
        .then(pl.lit(PRIMARY))
        .otherwise(pl.lit(None))
        .alias("status")
    )
    h = [Hierarchy(d, p) for d, p in parents.items()]
    result = audit_table(naive, list(codes), h, 5)
    assert not result.ok
    [weak] = result.unprotected
    assert weak.lower == weak.upper == 2
    assert exposed_lines(naive, list(codes), h) == 2


def test_linked_tables_hide_shared_cells_alike() -> None:
    """The same count by county and by municipality: county cells are in both tables."""
    county = pl.DataFrame({"alue": [TOTAL, "A", "B"], "value": [23, 3, 20]})
    municipality = pl.DataFrame(
        {"alue": [TOTAL, "A", "a1", "B", "b1", "b2"], "value": [23, 3, 3, 20, 12, 8]}
    )
    out_county, out_municipality = suppress_linked(
        [
            (county, ["alue"], [Hierarchy("alue", {"A": TOTAL, "B": TOTAL})]),
            (
                municipality,
                ["alue"],
                [Hierarchy("alue", {"A": TOTAL, "B": TOTAL, "a1": "A", "b1": "B", "b2": "B"})],
            ),
        ],
        5,
    )
    c = dict(zip(out_county["alue"], out_county["status"].is_not_null(), strict=True))
    m = dict(zip(out_municipality["alue"], out_municipality["status"].is_not_null(), strict=True))
    for code in (TOTAL, "A", "B"):
        assert c[code] == m[code], code
    assert c["A"] and c["B"]  # A's complement in the county table is B, so B hides in both


def _two_way(values: list[list[int]]) -> tuple[pl.DataFrame, list[Hierarchy]]:
    rows, cols = [f"r{i}" for i in range(len(values))], [f"c{j}" for j in range(len(values[0]))]
    codes = {"r": [TOTAL, *rows], "c": [TOTAL, *cols]}
    parents = {"r": flat(rows), "c": flat(cols)}
    frame, _ = cube(np.array(values), codes, parents)
    return frame, [Hierarchy(d, p) for d, p in parents.items()]


def test_hypercube_of_hidden_cells_is_a_certificate() -> None:
    """Four hidden inner cells of a 2×2 block form a cycle: each moves by ±min of the others."""
    frame, h = _two_way([[2, 9, 30], [8, 7, 30], [30, 30, 30]])
    data = Cube(frame, ["r", "c"], h)
    corner = {(r, c): i for i, (r, c) in enumerate(zip(frame["r"], frame["c"], strict=True))}
    block = [corner[("r0", "c0")], corner[("r0", "c1")], corner[("r1", "c0")], corner[("r1", "c1")]]
    status = np.zeros(frame.height, dtype=np.int8)
    status[block] = 1
    proven = protect(data, status.copy(), np.array(block), 5, build=False)
    # min(+) + min(−) = min(2, 7) + min(9, 8) = 10 ≥ 5: every corner proven, nothing added
    assert proven[block].all()
    three = status.copy()
    three[block[3]] = 0
    assert not protect(data, three, np.array(block[:3]), 5, build=False)[block[:3]].any()


def test_a_narrow_hypercube_is_not_a_certificate() -> None:
    """1, 1 against 1, 1: the cycle moves each cell by at most 1 either way (width 2 < 5)."""
    frame, h = _two_way([[1, 1, 30], [1, 1, 30], [30, 30, 30]])
    data = Cube(frame, ["r", "c"], h)
    status = (frame["value"] == 1).to_numpy().astype(np.int8)
    small = np.flatnonzero(status)
    assert not protect(data, status.copy(), small, 5, build=False)[small].any()
    out = suppress(frame, ["r", "c"], h, 5)
    assert out.filter(pl.col("value") == 30)["status"].is_not_null().any()


@pytest.mark.parametrize("seed", range(3))
def test_the_lp_audit_agrees_with_the_certificates(seed: int) -> None:
    rng = np.random.default_rng(200 + seed)
    frame, h = _two_way(rng.poisson(3, (6, 5)).tolist())
    out = suppress(frame, ["r", "c"], h, 5, audit=True)  # raises UnprotectedError if not
    assert audit_table(out, ["r", "c"], h, 5).ok


def test_the_audit_rejects_an_exposed_pattern() -> None:
    frame, h = _two_way([[2, 10], [10, 10]])
    naive = np.zeros(frame.height, dtype=np.int8)
    naive[np.flatnonzero((frame["value"] == 2).to_numpy())] = 1
    with pytest.raises(UnprotectedError):
        _check(frame, ["r", "c"], h, naive, 5)


def test_the_independent_check_catches_a_narrow_pattern() -> None:
    """lp_check itself can fail: a 2×2 cycle of 1s under published totals spans only 0…2."""
    codes = {"r": [TOTAL, "x", "y", "z"], "c": [TOTAL, "u", "v", "w"]}
    parents = {"r": flat(["x", "y", "z"]), "c": flat(["u", "v", "w"])}
    _, full = cube(np.array([[1, 1, 20], [1, 1, 20], [20, 20, 20]]), codes, parents)
    hidden = {("x", "u"), ("x", "v"), ("y", "u"), ("y", "v")}
    assert not lines_with_one_suppressed(hidden, codes, parents, full)
    ranges = feasible_ranges(full, hidden, codes, parents, 5)
    assert all(high - low == pytest.approx(2) for low, high in ranges.values())


def test_a_cell_without_a_certificate_stops_publication() -> None:
    """A hidden cell whose every hypercube has a zero corner (here: every other cell of the
    table is zero) cannot be proven protected: the search refuses rather than publish it."""
    frame, h = _two_way([[1, 1, 2], [1, 1, 2], [2, 2, 4]])
    frame = frame.head(1)
    data = Cube(frame, ["r", "c"], h)
    status = np.zeros(frame.height, dtype=np.int8)
    status[0] = 2
    with pytest.raises(RuntimeError, match="no protective hypercube"):
        protect(data, status, np.array([0]), 5)
