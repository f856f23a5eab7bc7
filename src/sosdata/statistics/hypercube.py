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
are then all protected by construction: the hypercube is the certificate. A target for which
the beam finds none gets the chains from its largest non-zero leaf cell up to the totals: that
hypercube always exists and has no − corner.

Everything is vectorised over targets and candidates (NumPy); Python loops run over the
dimensions and the moves of a dimension's tree (codes, not data).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

#: candidates kept per target after each dimension of the beam search
BEAM = 6
#: rounds in which hypercubes are chosen, cheapest first, so later ones reuse hidden cells
SHARING_ROUNDS = 4


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
    up: np.ndarray  # up[c]: code c and its ancestors up to the root, padded with −1
    is_leaf: np.ndarray


def _moves(parents: Mapping[int, int], n_codes: int) -> _Moves:
    """Pairs and chains of a tree given as child id → parent id (the root has no parent)."""
    nodes = set(parents) | set(parents.values())
    has_children = set(parents.values())
    leaves = sorted(nodes - has_children)
    path = {}
    for leaf in leaves:
        up, node = [leaf], leaf
        while node in parents:
            node = parents[node]
            up.append(node)
        path[leaf] = up
    siblings = Counter(parents[leaf] for leaf in leaves if leaf in parents)
    entries: list[tuple[int, int]] = []
    #: whether a target at this entry's code may use the move (see below)
    usable: list[bool] = []
    start = [0]
    chain = []
    for i, u in enumerate(leaves):
        entries += [(c, 1) for c in path[u]]
        usable += [True] * len(path[u])
        start.append(len(entries))
        chain.append(True)
        for w in leaves[i + 1 :]:
            common = set(path[u]) & set(path[w])
            # a leaf with siblings pairs with them; a pair across parents, which also moves
            # the parents' cells, serves the parents and leaves that have no sibling
            across = parents.get(u) != parents.get(w)
            for leaf, sign in ((u, 1), (w, -1)):
                moved = [c for c in path[leaf] if c not in common]
                entries += [(c, sign) for c in moved]
                usable += [
                    not (across and c == leaf and siblings[parents.get(leaf, -1)] > 1)
                    for c in moved
                ]
            start.append(len(entries))
            chain.append(False)
    codes = np.array([c for c, _ in entries], dtype=np.int64)
    signs = np.array([s for _, s in entries], dtype=np.int8)
    starts = np.array(start, dtype=np.int64)
    move_of_entry = np.repeat(np.arange(len(starts) - 1), np.diff(starts))
    indexed = np.flatnonzero(np.array(usable, dtype=bool))
    order = indexed[np.argsort(codes[indexed], kind="stable")]
    counts = np.bincount(codes[indexed], minlength=n_codes)
    depth = max((len(p) for p in path.values()), default=1)
    up = np.full((n_codes, depth), -1, dtype=np.int64)
    for node in nodes:
        chain_up, current = [node], node
        while current in parents:
            current = parents[current]
            chain_up.append(current)
        up[node, : len(chain_up)] = chain_up
    is_leaf = np.zeros(n_codes, dtype=bool)
    is_leaf[leaves] = True
    return _Moves(
        codes,
        signs,
        starts,
        np.array(chain, dtype=bool),
        np.concatenate([[0], np.cumsum(counts)]),
        move_of_entry[order],
        signs[order],
        up,
        is_leaf,
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

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """Row of each key, −1 where the table has no such (non-zero) cell."""
        pos = np.searchsorted(self.sorted_key, keys)
        pos = np.minimum(pos, len(self.sorted_key) - 1)
        found = self.sorted_key[pos] == keys
        return np.where(found, self.order[pos], -1)


def _search(cube: Cube, hidden: np.ndarray, targets: np.ndarray, threshold: int, free_only: bool):
    """Beam search: the cheapest protective hypercube found for each target.

    Returns the targets that have one, its cost (the published value it would hide) and its
    corner rows (CSR: ``rows[start[i]:start[i + 1]]``).
    """
    # candidates: target, corner rows (CSR), whether every move so far is a chain
    cand_target = targets.copy()
    cand_chain = np.ones(len(targets), dtype=bool)
    corner_start = np.arange(len(targets) + 1, dtype=np.int64)
    corner_key = cube.key[targets].copy()
    corner_sign = np.ones(len(targets), dtype=np.int8)
    axes = [a for a, m in enumerate(cube.moves) if m is not None]
    # dimensions with many moves first, while candidates have few corners
    axes.sort(key=lambda a: -len(cube.moves[a].chain))  # type: ignore[union-attr]
    for axis in axes:
        moves = cube.moves[axis]
        assert moves is not None
        code = cube.ids[axis][cand_target]
        lo, hi = moves.by_code_start[code], moves.by_code_start[code + 1]
        parent, pos = _expand(hi - lo)
        move = moves.by_code_move[lo[parent] + pos]
        orient = moves.by_code_sign[lo[parent] + pos]
        # corners of a new candidate: old corners × the move's entries
        n_old = np.diff(corner_start)[parent]
        n_move = np.diff(moves.start)[move]
        new_cand, j = _expand(n_old * n_move)
        old_corner = corner_start[parent[new_cand]] + j // n_move[new_cand]
        entry = moves.start[move[new_cand]] + j % n_move[new_cand]
        shift = (moves.codes[entry] - code[parent[new_cand]]) * cube.stride[axis]
        keys = corner_key[old_corner] + shift
        signs = corner_sign[old_corner] * moves.signs[entry] * orient[new_cand]
        rows = cube.lookup(keys)
        n = len(parent)
        missing = np.bincount(new_cand, weights=rows < 0, minlength=n) > 0
        safe = np.maximum(rows, 0)
        value = cube.values[safe]
        cost = np.bincount(new_cand, weights=np.where(hidden[safe], 0, value), minlength=n)
        big = np.iinfo(np.int64).max // 4
        min_plus = np.full(n, big)
        min_minus = np.full(n, big)
        np.minimum.at(min_plus, new_cand[signs > 0], value[signs > 0])
        np.minimum.at(min_minus, new_cand[signs < 0], value[signs < 0])
        protection = np.minimum(min_plus + min_minus, big)
        chain = cand_chain[parent] & moves.chain[move]
        ok = ~missing & (protection >= threshold)
        if free_only:
            ok &= cost == 0
        # the beam: per target the cheapest candidates (more protection breaking ties), and
        # the cheapest all-chain ones, which always lead to a hypercube
        keep = np.zeros(n, dtype=bool)
        for subset in (ok, ok & chain):
            idx = np.flatnonzero(subset)
            order = idx[np.lexsort((-protection[idx], cost[idx], cand_target[parent[idx]]))]
            tgt = cand_target[parent[order]]
            first = np.concatenate([[True], tgt[1:] != tgt[:-1]])
            group_start = np.maximum.accumulate(np.where(first, np.arange(len(tgt)), 0))
            keep[order[np.arange(len(tgt)) - group_start < BEAM]] = True
        kept = np.flatnonzero(keep)
        per_candidate = np.bincount(new_cand, minlength=n)
        offsets = np.concatenate([[0], np.cumsum(per_candidate)])
        counts = per_candidate[kept]
        corner_rows = _ranges(offsets[kept], counts)  # new_cand is sorted: grouped corners
        cand_target = cand_target[parent[kept]]
        cand_chain = chain[kept]
        corner_key = keys[corner_rows]
        corner_sign = signs[corner_rows]
        corner_start = np.concatenate([[0], np.cumsum(counts)])
        cand_cost = cost[kept]
        cand_protection = protection[kept]
    if not axes:
        cand_cost = np.zeros(len(cand_target))
        cand_protection = np.zeros(len(cand_target))
    # the best candidate of each target
    order = np.lexsort((-cand_protection, cand_cost, cand_target))
    tgt = cand_target[order]
    first = order[np.concatenate([[True], tgt[1:] != tgt[:-1]])] if len(tgt) else order
    counts = np.diff(corner_start)[first]
    rows = cube.lookup(corner_key[_ranges(corner_start[first], counts)])
    return cand_target[first], cand_cost[first], np.concatenate([[0], np.cumsum(counts)]), rows


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
        covered[chosen] = True
        covered[found[accept]] = True
        if not build:
            break
        done = np.zeros(len(status), dtype=bool)
        done[found[accept]] = True
        # targets the beam found no hypercube for stay open: chains below take them
        remaining = remaining[~done[remaining] & np.isin(remaining, found)]
    lost = targets[~covered[targets]]
    if len(lost) and build:
        rows = _chains(cube, lost)
        status[rows[status[rows] == 0]] = 2
        covered[rows] = True
    return covered


def _chains(cube: Cube, targets: np.ndarray) -> np.ndarray:
    """Rows of an all-chain hypercube for each target: a non-zero leaf cell below it and every
    ancestor of that leaf cell (each at least as large, so never zero). Its corners all move
    up together: unbounded, hence protective."""
    axes = [a for a, m in enumerate(cube.moves) if m is not None]
    leaf = cube.values > 0
    for axis in axes:
        leaf &= cube.moves[axis].is_leaf[cube.ids[axis]]  # type: ignore[union-attr]
    # every ancestor combination of every non-zero leaf cell: (leaf row, ancestor key)
    owner = np.flatnonzero(leaf)
    keys = cube.key[owner]
    for axis in axes:
        up = cube.moves[axis].up  # type: ignore[union-attr]
        code = cube.ids[axis][owner]
        ancestors = up[code]
        parent, pos = np.nonzero(ancestors >= 0)
        keys = keys[parent] + (ancestors[parent, pos] - code[parent]) * cube.stride[axis]
        owner = owner[parent]
    # the largest leaf cell under each target
    rows = cube.lookup(keys)
    wanted = np.zeros(len(cube.values), dtype=bool)
    wanted[targets] = True
    hit = wanted[rows]
    order = np.lexsort((-cube.values[owner[hit]], rows[hit]))
    target_rows, leaf_rows = rows[hit][order], owner[hit][order]
    first = np.concatenate([[True], target_rows[1:] != target_rows[:-1]])
    chosen = np.zeros(len(cube.values), dtype=bool)
    chosen[leaf_rows[first]] = True
    return np.unique(rows[chosen[owner]])


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(start, start + count)`` for every pair, without a Python loop."""
    owner, pos = _expand(counts)
    return starts[owner] + pos
