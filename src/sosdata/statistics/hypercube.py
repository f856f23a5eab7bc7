"""Secondary suppression with a proof: every suppressed cell is a corner of a *protective
hypercube* of suppressed cells.

A table is a cube whose additive dimensions are trees (child → parent, the root the total);
each parent cell equals the sum of its children with the other codes fixed (a *line*).

A **move** along one dimension is a vector ``v`` over its codes with ``v(parent) = Σ v(children)``
at every parent:

* a *pair* of leaves ``u ≠ w``: ``+1`` on the path from ``u`` up to (not including) their
  lowest common ancestor, ``−1`` on the path from ``w``;
* a *chain* from a leaf ``u``: ``+1`` on the path from ``u`` up to and including the root.

A **hypercube** is the product of one move per additive dimension, ``d = v₁ ⊗ … ⊗ v_k``, with the
non-additive codes fixed. Along any line the other factors are constant, so the line's sum of
``d`` is that constant times ``v_i(parent) − Σ v_i(children) = 0``: adding ``λ·d`` to the table
changes no line equation. When all its corners (the cells where ``d ≠ 0``, each ``±1``) are
suppressed it changes no published cell either, and the table stays non-negative for

    −min{value of a + corner} ≤ λ ≤ min{value of a − corner}.

So every corner can take every value in an interval of width ``min₊ + min₋`` (unbounded when a
sign has no corner), and a hypercube is *protective* when ``min₊ + min₋ ≥ threshold``: each of
its corners is then protected whatever else is published. More suppressed cells only enlarge
the attacker's feasible set, so a protected cell stays protected.

:func:`protect` gives every target cell (a primary cell, or one hidden in a linked table) the
cheapest protective hypercube it can find (the least published value newly hidden) by a beam
search over the dimensions, and suppresses its corners. The corners of the chosen hypercubes
are then all protected by construction: the hypercube is the certificate. The beam keeps
all-chain candidates beside the others, so a non-zero target always has one (the chains from a
non-zero leaf cell below it up to the totals: never zero, no − corner); a target left without
a certificate is an error, never published.

Each step of the search (one dimension, all targets) is a compiled loop (numba,
:func:`_extend`) that builds no candidate array: for each candidate it looks up, once per code
the dimension's moves reach, the candidate's corners moved to that code (in a direct key → row
table), so that a move's cost and bounds are sums and minima over its few codes; only the
survivors' corners are written out. The result is exactly that of evaluating every candidate
corner by corner. Python loops run over the dimensions and the rounds (not the data); building
a tree's moves and choosing among the rounds' results is NumPy over all codes and targets.
Each target's search is its own, so a large round's targets are searched in parts on every
core (the compiled steps release the GIL) and the parts' results joined in target order.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import polars as pl
from numba import njit

#: candidates kept per target after each dimension of the beam search
BEAM = 8
#: rounds in which hypercubes are chosen, cheapest first, so later ones reuse hidden cells
SHARING_ROUNDS = 4
#: largest number of code combinations for which a cube keeps a direct key → row table
DENSE_CELLS = 1 << 24
#: threads a round's search runs on, and the fewest targets worth a part of their own
_WORKERS = os.cpu_count() or 1
_PART_TARGETS = 32


@dataclass(frozen=True)
class _Moves:
    """The moves of one dimension in CSR form, and for each code the moves through it."""

    codes: np.ndarray  # code id of each move entry
    signs: np.ndarray  # ±1 of each move entry
    start: np.ndarray  # move m's entries: codes[start[m]:start[m + 1]]
    chain: np.ndarray  # whether move m is a chain (all +1)
    by_code_start: np.ndarray  # moves through code c: by_code_move[by_code_start[c]:…[c + 1]]
    by_code_move: np.ndarray
    by_code_sign: np.ndarray  # the sign of code c in that move


def _moves(parents: Mapping[int, int], n_codes: int) -> _Moves:
    """Pairs and chains of a tree given as child id → parent id (the root has no parent).

    Moves are numbered leaf by leaf: the leaf's chain, then its pairs with every later leaf
    (this order is the search's tie-break)."""
    nodes = sorted(set(parents) | set(parents.values()))
    paths = {}
    for node in nodes:
        path, current = [node], node
        while current in parents:
            current = parents[current]
            path.append(current)
        paths[node] = path
    depth = max((len(p) for p in paths.values()), default=1)
    up = np.full((n_codes, depth), -1, dtype=np.int64)
    for node, path in paths.items():
        up[node, : len(path)] = path
    is_leaf = np.zeros(n_codes, dtype=bool)
    is_leaf[nodes] = True
    is_leaf[list(set(parents.values()))] = False
    leaves = np.flatnonzero(is_leaf)
    length = (up[leaves] >= 0).sum(axis=1)
    # each leaf's path from the root down, so that common ancestors are a common prefix
    level = length[:, None] - 1 - np.arange(depth)
    from_root = np.where(level >= 0, up[leaves[:, None], np.maximum(level, 0)], -1)
    parent = up[leaves, 1] if depth > 1 else np.full(len(leaves), -1)
    leaf_children = np.bincount(parent[parent >= 0], minlength=n_codes)
    # moves: per leaf u its chain (w = −1), then its pairs (u, w) with every later leaf w
    u, w = np.triu_indices(len(leaves), 1)
    u = np.concatenate([np.arange(len(leaves)), u])
    w = np.concatenate([np.full(len(leaves), -1), w])
    order = np.lexsort((w, u))
    u, w = u[order], w[order]
    chain = w < 0
    w_safe = np.maximum(w, 0)
    common = np.cumprod(from_root[u] == from_root[w_safe], axis=1).sum(axis=1)
    n_u = np.where(chain, length[u], length[u] - common)
    n_w = np.where(chain, 0, length[w_safe] - common)
    move, pos = _expand(n_u + n_w)
    on_u = pos < n_u[move]
    step_u = np.where(on_u, pos, 0)  # position on u's path, or on w's path
    step_w = np.where(on_u, 0, pos - n_u[move])
    codes = np.where(on_u, up[leaves[u[move]], step_u], up[leaves[w_safe[move]], step_w])
    signs = np.where(on_u, 1, -1).astype(np.int8)
    # a leaf with siblings pairs with them; a pair across parents, which also moves the
    # parents' cells, serves the parents and leaves that have no sibling
    across = ~chain & (parent[u] != parent[w_safe])
    at_leaf = (pos == 0) | (pos == n_u[move])
    leaf_parent = np.where(on_u, parent[u[move]], parent[w_safe[move]])
    has_sibling = leaf_children[np.maximum(leaf_parent, 0)] * (leaf_parent >= 0) > 1
    usable = ~(across[move] & at_leaf & has_sibling)
    starts = np.concatenate([[0], np.cumsum(n_u + n_w)])
    indexed = np.flatnonzero(usable)
    by_code = indexed[np.argsort(codes[indexed], kind="stable")]
    counts = np.bincount(codes[indexed], minlength=n_codes)
    return _Moves(
        codes.astype(np.int64),
        signs,
        starts.astype(np.int64),
        chain,
        np.concatenate([[0], np.cumsum(counts)]),
        move[by_code],
        signs[by_code],
    )


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For groups of ``counts`` rows: each new row's group and its position in the group."""
    owner = np.repeat(np.arange(len(counts)), counts)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return owner, np.arange(int(counts.sum())) - first[owner]


class Cube:
    """A table's cells integer-coded for fast lookup of any combination of codes."""

    def __init__(self, cells: pl.DataFrame, dims: Sequence[str], hierarchies: Sequence) -> None:
        by_name = {h.dimension: h for h in hierarchies}
        self.stride = np.ones(len(dims), dtype=np.int64)
        self.ids: list[np.ndarray] = []
        self.moves: list[_Moves | None] = []
        radix = 1
        for axis, name in enumerate(dims):
            h = by_name.get(name)
            known = set(cells[name].unique().to_list())
            if h is not None:
                known |= set(h.parents) | set(h.parents.values())
            vocabulary = sorted(known, key=str)
            index = {code: i for i, code in enumerate(vocabulary)}
            ids = (
                cells[name].replace_strict(index, return_dtype=pl.Int64).to_numpy().astype(np.int64)
            )
            self.ids.append(ids)
            if h is not None:
                tree = {index[c]: index[p] for c, p in h.parents.items()}
                self.moves.append(_moves(tree, len(vocabulary)))
            else:
                self.moves.append(None)
            self.stride[axis] = radix
            radix *= len(vocabulary)
        key = np.zeros(cells.height, dtype=np.int64)
        for axis, ids in enumerate(self.ids):
            key += ids * self.stride[axis]
        self.key = key
        self.order = np.argsort(key)
        self.sorted_key = key[self.order]
        self.values = cells["value"].fill_null(0).to_numpy().astype(np.int64)
        # a direct key → row table when the cube of all code combinations is small enough
        self.dense = np.full(radix if radix <= DENSE_CELLS else 0, -1, dtype=np.int32)
        if len(self.dense):
            self.dense[key] = np.arange(cells.height, dtype=np.int32)

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """Row of each key, −1 where the table has no such (non-zero) cell."""
        return _rows(np.asarray(keys, dtype=np.int64), self.dense, self.sorted_key, self.order)


def _search(cube: Cube, hidden: np.ndarray, targets: np.ndarray, threshold: int, free_only: bool):
    """Beam search: the cheapest protective hypercube found for each target.

    Returns the targets that have one, in the order given, its cost (the published value it
    would hide) and its corner rows (CSR: ``rows[start[i]:start[i + 1]]``).
    """
    n_parts = min(4 * _WORKERS, len(targets) // _PART_TARGETS)
    if _WORKERS == 1 or n_parts < 2:
        return _search_part(cube, hidden, targets, threshold, free_only)
    with ThreadPoolExecutor(_WORKERS) as pool:
        parts = list(
            pool.map(
                lambda part: _search_part(cube, hidden, part, threshold, free_only),
                np.array_split(targets, n_parts),
            )
        )
    found, cost, starts, rows = zip(*parts, strict=True)
    before = np.cumsum([0, *(len(r) for r in rows)])  # each part's rows follow those before it
    start = np.concatenate([[0], *(s[1:] + b for s, b in zip(starts, before, strict=False))])
    return np.concatenate(found), np.concatenate(cost), start, np.concatenate(rows)


def _search_part(
    cube: Cube, hidden: np.ndarray, targets: np.ndarray, threshold: int, free_only: bool
):
    # candidates, grouped by target: corner keys and signs (CSR), whether every move is a chain
    group_start = np.arange(len(targets) + 1, dtype=np.int64)
    corner_start = np.arange(len(targets) + 1, dtype=np.int64)
    corner_key = cube.key[targets].copy()
    corner_sign = np.ones(len(targets), dtype=np.int8)
    chain = np.ones(len(targets), dtype=bool)
    cost = np.zeros(len(targets), dtype=np.int64)
    protection = np.zeros(len(targets), dtype=np.int64)
    moving = [(a, m) for a, m in enumerate(cube.moves) if m is not None]
    # dimensions with few moves first: the one with most (the area, with its pairs of
    # municipalities) decides last, knowing every corner the others bring, which hides fewer
    # cells than deciding it first (and keeps only the best of its candidates)
    axes = [a for a, m in sorted(moving, key=lambda am: len(am[1].chain))]
    for axis in axes:
        moves = cube.moves[axis]
        assert moves is not None
        group_start, cost, protection, chain, corner_start, corner_key, corner_sign = _extend(
            group_start,
            cube.ids[axis][targets],
            corner_start,
            corner_key,
            corner_sign,
            chain,
            moves.by_code_start,
            moves.by_code_move,
            moves.by_code_sign,
            moves.start,
            moves.codes,
            moves.signs,
            moves.chain,
            cube.stride[axis],
            cube.dense,
            cube.sorted_key,
            cube.order,
            cube.values,
            hidden,
            threshold,
            free_only,
            # of the last dimension's candidates only the best is taken
            BEAM if axis != axes[-1] else 1,
        )
    # the best candidate of each target: cheapest, then widest, then first found
    cand_target = np.repeat(targets, np.diff(group_start))
    order = np.lexsort((-protection, cost, cand_target))
    tgt = cand_target[order]
    first = order[np.concatenate([[True], tgt[1:] != tgt[:-1]])] if len(tgt) else order
    counts = np.diff(corner_start)[first]
    rows = cube.lookup(corner_key[_ranges(corner_start[first], counts)])
    return cand_target[first], cost[first], np.concatenate([[0], np.cumsum(counts)]), rows


#: a candidate's protection when it has no corner of some sign (unbounded that way)
_UNBOUNDED = np.iinfo(np.int64).max // 4


@njit(cache=True)
def _row(key, dense, sorted_key, order):
    """Row of a cell key, −1 when the table has no such cell (it is zero)."""
    if dense.size:
        return np.int64(dense[key])
    low, high = 0, sorted_key.size  # binary search
    while low < high:
        middle = (low + high) // 2
        if sorted_key[middle] < key:
            low = middle + 1
        else:
            high = middle
    return order[low] if low < sorted_key.size and sorted_key[low] == key else -1


@njit(cache=True)
def _rows(keys, dense, sorted_key, order):
    rows = np.full(keys.size, -1, np.int64)
    for i in range(keys.size):
        if dense.size == 0 or 0 <= keys[i] < dense.size:  # a key off the table has no cell
            rows[i] = _row(keys[i], dense, sorted_key, order)
    return rows


@njit(cache=True)
def _offer(best, n, beam, seq, cost, protection):
    """Insert a candidate into a ranked list of at most ``beam`` rows (seq, cost, protection):
    cheaper first, then wider, then earlier. Returns the list's new length."""
    i = n
    while i > 0 and (
        cost < best[i - 1, 1]
        or (
            cost == best[i - 1, 1]
            and (
                protection > best[i - 1, 2]
                or (protection == best[i - 1, 2] and seq < best[i - 1, 0])
            )
        )
    ):
        i -= 1
    if i >= beam:
        return n
    for j in range(min(n, beam - 1), i, -1):
        for col in range(3):
            best[j, col] = best[j - 1, col]
    best[i, 0], best[i, 1], best[i, 2] = seq, cost, protection
    return min(n + 1, beam)


@njit(cache=True, nogil=True)
def _extend(
    group_start,
    code,
    corner_start,
    corner_key,
    corner_sign,
    chain,
    by_code_start,
    by_code_move,
    by_code_sign,
    move_start,
    move_codes,
    move_signs,
    move_chain,
    stride,
    dense,
    sorted_key,
    order,
    values,
    hidden,
    threshold,
    free_only,
    beam,
):
    """One step of the beam search: every candidate of target ``g`` (``group_start[g]`` …)
    times every move through the target's ``code[g]`` on this dimension. A new candidate is
    dropped when a corner is a zero cell, when it is narrower than ``threshold`` or, with
    ``free_only``, when it hides a published cell; per target the ``beam`` cheapest survive,
    and the ``beam`` cheapest all-chain ones (which always lead to a hypercube). Survivors
    keep their order of generation (parent, then move), the tie-break of later steps."""
    n_groups = len(group_start) - 1
    cap = n_groups * 2 * beam
    kept_parent = np.empty(cap, np.int64)
    kept_move = np.empty(cap, np.int64)
    kept_orient = np.empty(cap, np.int64)
    kept_cost = np.empty(cap, np.int64)
    kept_protection = np.empty(cap, np.int64)
    kept_chain = np.empty(cap, np.bool_)
    kept_start = np.zeros(n_groups + 1, np.int64)
    best = np.empty((2, beam, 3), np.int64)  # cheapest, cheapest all-chain: seq, cost, protection
    union = np.empty((2 * beam, 3), np.int64)
    # per code of this dimension, over one candidate's corners moved to that code: the cost
    # (−1 when a corner is a zero cell) and the smallest value at its + and − corners
    n_codes = len(by_code_start) - 1
    code_cost = np.empty(n_codes, np.int64)
    code_plus = np.empty(n_codes, np.int64)
    code_minus = np.empty(n_codes, np.int64)
    touched = np.empty(n_codes, np.int64)
    seen = np.full(n_codes, -1, np.int64)
    n_kept = 0
    for g in range(n_groups):
        c = code[g]
        first_move, n_moves = by_code_start[c], by_code_start[c + 1] - by_code_start[c]
        n_touched = 0  # the codes the moves through c reach, each once
        for k in range(first_move, first_move + n_moves):
            m = by_code_move[k]
            for e in range(move_start[m], move_start[m + 1]):
                if seen[move_codes[e]] != g:
                    seen[move_codes[e]] = g
                    touched[n_touched] = move_codes[e]
                    n_touched += 1
        n_best = np.zeros(2, np.int64)
        for p in range(group_start[g], group_start[g + 1]):
            # each cell is looked up once per candidate, not once per move through it
            for t in range(n_touched):
                x = touched[t]
                cost, plus, minus = 0, _UNBOUNDED, _UNBOUNDED
                for a in range(corner_start[p], corner_start[p + 1]):
                    row = _row(corner_key[a] + (x - c) * stride, dense, sorted_key, order)
                    if row < 0:  # a zero cell: published, cannot be a corner
                        cost = -1
                        break
                    if not hidden[row]:
                        cost += values[row]
                    if corner_sign[a] > 0:
                        plus = min(plus, values[row])
                    else:
                        minus = min(minus, values[row])
                code_cost[x], code_plus[x], code_minus[x] = cost, plus, minus
            for k in range(first_move, first_move + n_moves):
                m, orient = by_code_move[k], by_code_sign[k]
                cost, min_plus, min_minus = 0, _UNBOUNDED, _UNBOUNDED
                for e in range(move_start[m], move_start[m + 1]):
                    x = move_codes[e]
                    if code_cost[x] < 0:
                        cost = -1
                        break
                    cost += code_cost[x]
                    if move_signs[e] * orient > 0:  # the candidate's signs kept
                        min_plus = min(min_plus, code_plus[x])
                        min_minus = min(min_minus, code_minus[x])
                    else:  # or flipped
                        min_plus = min(min_plus, code_minus[x])
                        min_minus = min(min_minus, code_plus[x])
                protection = min(min_plus + min_minus, _UNBOUNDED)
                if cost < 0 or protection < threshold or (free_only and cost > 0):
                    continue
                seq = (p - group_start[g]) * n_moves + k - first_move
                n_best[0] = _offer(best[0], n_best[0], beam, seq, cost, protection)
                if chain[p] and move_chain[m]:
                    n_best[1] = _offer(best[1], n_best[1], beam, seq, cost, protection)
        # both lists, each candidate once, in order of generation
        n_union = 0
        for list_ in range(2):
            for i in range(n_best[list_]):
                for col in range(3):
                    union[n_union, col] = best[list_, i, col]
                n_union += 1
        for i in range(1, n_union):  # insertion sort by seq: a few rows
            j = i
            while j > 0 and union[j - 1, 0] > union[j, 0]:
                for col in range(3):
                    union[j - 1, col], union[j, col] = union[j, col], union[j - 1, col]
                j -= 1
        for i in range(n_union):
            seq, cost, protection = union[i, 0], union[i, 1], union[i, 2]
            if i and seq == union[i - 1, 0]:
                continue
            p = group_start[g] + seq // n_moves
            k = first_move + seq % n_moves
            kept_parent[n_kept], kept_move[n_kept] = p, by_code_move[k]
            kept_orient[n_kept] = by_code_sign[k]
            kept_cost[n_kept], kept_protection[n_kept] = cost, protection
            kept_chain[n_kept] = chain[p] and move_chain[by_code_move[k]]
            n_kept += 1
        kept_start[g + 1] = n_kept
    # the survivors' corners: old corners × the move's entries
    new_start = np.zeros(n_kept + 1, np.int64)
    for i in range(n_kept):
        p, m = kept_parent[i], kept_move[i]
        n_corners = (corner_start[p + 1] - corner_start[p]) * (move_start[m + 1] - move_start[m])
        new_start[i + 1] = new_start[i] + n_corners
    new_key = np.empty(new_start[n_kept], np.int64)
    new_sign = np.empty(new_start[n_kept], np.int8)
    for g in range(n_groups):
        c = code[g]
        for i in range(kept_start[g], kept_start[g + 1]):
            p, m, j = kept_parent[i], kept_move[i], new_start[i]
            for a in range(corner_start[p], corner_start[p + 1]):
                for e in range(move_start[m], move_start[m + 1]):
                    new_key[j] = corner_key[a] + (move_codes[e] - c) * stride
                    new_sign[j] = corner_sign[a] * move_signs[e] * kept_orient[i]
                    j += 1
    return (
        kept_start,
        kept_cost[:n_kept].copy(),
        kept_protection[:n_kept].copy(),
        kept_chain[:n_kept].copy(),
        new_start,
        new_key,
        new_sign,
    )


def protect(
    cube: Cube, status: np.ndarray, targets: np.ndarray, threshold: int, *, build: bool = True
) -> np.ndarray:
    """Suppress (``status`` 2) the corners of a protective hypercube for every target.

    Hypercubes are chosen in :data:`SHARING_ROUNDS` rounds, the cheapest first, so that later
    targets can use cells hidden for earlier ones at no cost. With ``build=False`` only
    hypercubes of cells already suppressed count. Returns a mask of the cells proven
    protected: the corners of the chosen hypercubes.
    """
    targets = np.unique(np.asarray(targets, dtype=np.int64))
    covered = np.zeros(len(status), dtype=bool)
    remaining = targets
    for round_ in range(SHARING_ROUNDS):
        if len(remaining) == 0:
            break
        found, cost, start, rows = _search(cube, status != 0, remaining, threshold, not build)
        free = cost == 0
        if build:
            # cheapest first; the last round takes every target left
            paid = np.flatnonzero(~free)
            share = len(paid) if round_ == SHARING_ROUNDS - 1 else -(-len(paid) // 2)
            accept = free.copy()
            accept[paid[np.argsort(cost[paid], kind="stable")[:share]]] = True
        else:
            accept = free
        chosen = rows[_ranges(start[:-1][accept], np.diff(start)[accept])]
        status[chosen[status[chosen] == 0]] = 2
        covered[chosen] = True  # every target is a corner of its own hypercube
        if not build:
            break
        done = np.zeros(len(status), dtype=bool)
        done[found[accept]] = True
        remaining = remaining[~done[remaining] & np.isin(remaining, found)]
    lost = targets[~covered[targets]]
    if len(lost) and build:
        raise RuntimeError(
            f"no protective hypercube found for {len(lost)} suppressed cells (e.g. row "
            f"{lost[0]}, value {cube.values[lost[0]]}): the tables must not be published"
        )
    return covered


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(start, start + count)`` for every pair, without a Python loop."""
    owner, pos = _expand(counts)
    return starts[owner] + pos
