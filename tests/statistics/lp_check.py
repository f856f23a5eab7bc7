"""An attacker's view of a published table, written independently of the library.

From the published cells and the table's additive structure (every parent = sum of its
children, one equation per combination of the other dimensions' codes) it computes, by linear
programming over ALL suppressed cells at once, the smallest and largest value each suppressed
cell can take.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np
from scipy.optimize import linprog


def equations(
    codes: Mapping[str, Sequence[str]], parents: Mapping[str, Mapping[str, str]]
) -> list[tuple[tuple[str, ...], list[tuple[str, ...]]]]:
    """(total cell, member cells) for every line of the cube."""
    dims = list(codes)
    out = []
    for axis, dim in enumerate(dims):
        if dim not in parents:
            continue
        children: dict[str, list[str]] = {}
        for child, parent in parents[dim].items():
            children.setdefault(parent, []).append(child)
        others = [codes[d] for d in dims if d != dim]
        for rest in itertools.product(*others):
            for parent, kids in children.items():

                def cell(code: str, rest: tuple[str, ...] = rest, axis: int = axis) -> tuple:
                    return (*rest[:axis], code, *rest[axis:])

                out.append((cell(parent), [cell(k) for k in kids]))
    return out


def feasible_ranges(
    values: Mapping[tuple[str, ...], int],
    suppressed: set[tuple[str, ...]],
    codes: Mapping[str, Sequence[str]],
    parents: Mapping[str, Mapping[str, str]],
    threshold: int,
) -> dict[tuple[str, ...], tuple[float, float]]:
    """values: every cell of the full cube (zeros included).

    Returns for each suppressed cell a range [low, high] of values it can take: exact LP bounds
    for any cell whose range is narrower than ``threshold``; for the others, the spread seen
    across feasible solutions (each verified against the equations), which proves the width.
    """
    from scipy.sparse import csr_matrix

    unknown = sorted(suppressed)
    index = {c: i for i, c in enumerate(unknown)}
    data, rows, cols, rhs = [], [], [], []
    for total, members in equations(codes, parents):
        b = 0.0
        entries = []
        for cell, sign in [(total, -1.0), *((m, 1.0) for m in members)]:
            if cell in index:
                entries.append((index[cell], sign))
            else:
                b -= sign * values.get(cell, 0)
        if entries:
            for col, sign in entries:
                rows.append(len(rhs))
                cols.append(col)
                data.append(sign)
            rhs.append(b)
    n = len(unknown)
    a = csr_matrix((data, (rows, cols)), shape=(len(rhs), n)) if rhs else None
    b = np.array(rhs) if rhs else None
    truth = np.array([values[c] for c in unknown], dtype=float)
    low, high = truth.copy(), truth.copy()

    def solve(c: np.ndarray):
        result = linprog(c, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
        if result.status == 0:
            assert a is None or np.allclose(a @ result.x, b, atol=1e-6)
            np.minimum(low, result.x, out=low)
            np.maximum(high, result.x, out=high)
        return result

    rng = np.random.default_rng(0)
    for k in range(6):
        c = np.ones(n) if k == 0 else rng.choice([-1.0, 1.0], n)
        solve(c)
        solve(-c)
    for i in range(n):
        if high[i] - low[i] >= threshold:
            continue
        c = np.zeros(n)
        c[i] = 1.0
        assert solve(c).status == 0
        if solve(-c).status == 3:
            high[i] = float("inf")
    return {cell: (low[i], high[i]) for cell, i in index.items()}


def lines_with_one_suppressed(
    suppressed: set[tuple[str, ...]],
    codes: Mapping[str, Sequence[str]],
    parents: Mapping[str, Mapping[str, str]],
    values: Mapping[tuple[str, ...], int],
) -> list[tuple[str, ...]]:
    """Totals of lines (with any non-zero cell) that have exactly one suppressed cell."""
    bad = []
    for total, members in equations(codes, parents):
        cells = [total, *members]
        if sum(c in suppressed for c in cells) == 1:
            bad.append(total)
    return bad
