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

    def solve(c: np.ndarray, bounds=(0, None)):
        result = linprog(c, A_eq=a, b_eq=b, bounds=bounds, method="highs")
        if result.status == 0:
            assert a is None or np.allclose(a @ result.x, b, atol=1e-6)
            np.minimum(low, result.x, out=low)
            np.maximum(high, result.x, out=high)
        return result

    rng = np.random.default_rng(0)
    # witnesses within a box (bounded even when everything is hidden); each is feasible
    box = (0, max(values.values(), default=0) * 2 + threshold)
    for k in range(12):
        # all cells first, then the cells not yet spread by the threshold
        target = np.ones(n, dtype=bool) if k < 6 else high - low < threshold
        if not target.any():
            break
        c = np.where(target, 1.0 if k in (0, 6) else rng.choice([-1.0, 1.0], n), 0.0)
        solve(c, box)
        solve(-c, box)
    for _ in range(2):
        _raise_open_cells(a, b, low, high, threshold)
    for i in range(n):
        if high[i] - low[i] >= threshold:
            continue
        c = np.zeros(n)
        c[i] = 1.0
        assert solve(c).status == 0
        if solve(-c).status == 3:
            high[i] = float("inf")
    return {cell: (low[i], high[i]) for cell, i in index.items()}


def _raise_open_cells(a, b, low, high, threshold: int) -> None:
    """One LP that lifts as many open cells as it can to ``low + threshold``: maximise Σ y
    with ``y_j ≤ x_j − low_j`` and ``0 ≤ y_j ≤ threshold``. Its ``x`` is a feasible point (checked)
    that widens every cell it lifts, where vertices of plain objectives lift only a few."""
    from scipy.sparse import csr_matrix, hstack, identity

    open_ = np.flatnonzero(high - low < threshold)
    if a is None or len(open_) == 0:
        return
    n, m = a.shape[1], len(open_)
    pick = csr_matrix((np.ones(m), (np.arange(m), open_)), shape=(m, n))
    a_eq = hstack([a, csr_matrix((a.shape[0], m))]).tocsr()
    a_ub = hstack([-pick, identity(m)]).tocsr()  # y − x ≤ −low
    bounds = [(0, None)] * n + [(0, threshold)] * m  # bounded: Σ y ≤ m · threshold
    c = np.concatenate([np.zeros(n), -np.ones(m)])
    result = linprog(
        c, A_ub=a_ub, b_ub=-low[open_], A_eq=a_eq, b_eq=b, bounds=bounds, method="highs"
    )
    if result.status == 0:
        x = result.x[:n]
        assert np.allclose(a @ x, b, atol=1e-6) and (x >= -1e-9).all()
        np.minimum(low, x, out=low)
        np.maximum(high, x, out=high)


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
