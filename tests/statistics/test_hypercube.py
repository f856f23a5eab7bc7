"""The compiled hypercube search against a plain restatement of its definition.

The references below are written from the definitions in ``sosdata.statistics.hypercube``
(moves of a tree; the beam search over dimensions) with dictionaries and lists, one target at
a time, on small random cubes; the library must find exactly the same hypercubes.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter

import numpy as np
import polars as pl
import pytest

from sosdata.statistics import hypercube
from sosdata.statistics.hypercube import Cube, protect
from sosdata.statistics.suppression import TOTAL, Hierarchy


def reference_moves(parents: dict[int, int]) -> list[tuple[list[tuple[int, int]], bool, set]]:
    """Every move of a tree: (entries (code, sign), is a chain, codes whose targets may use it).

    Per leaf u (ascending): its chain, then its pair with every later leaf."""
    nodes = set(parents) | set(parents.values())
    leaves = sorted(nodes - set(parents.values()))

    def path(node: int) -> list[int]:
        out = [node]
        while out[-1] in parents:
            out.append(parents[out[-1]])
        return out

    siblings = Counter(parents[leaf] for leaf in leaves if leaf in parents)
    moves = []
    for i, u in enumerate(leaves):
        moves.append(([(c, 1) for c in path(u)], True, set(path(u))))
        for w in leaves[i + 1 :]:
            common = set(path(u)) & set(path(w))
            across = parents.get(u) != parents.get(w)
            entries, usable = [], set()
            for leaf, sign in ((u, 1), (w, -1)):
                for c in path(leaf):
                    if c in common:
                        continue
                    entries.append((c, sign))
                    # a leaf with siblings pairs only with them
                    if not (across and c == leaf and siblings[parents.get(leaf, -1)] > 1):
                        usable.add(c)
            moves.append((entries, False, usable))
    return moves


def random_tree(rng: np.random.Generator) -> dict[int, int]:
    n = int(rng.integers(1, 12))
    tree = {c: int(rng.integers(0, c)) for c in range(1, n + 1)}
    if rng.random() < 0.2:  # a forest: some subtrees without the common root
        tree = {c: p for c, p in tree.items() if p != 0 or rng.random() < 0.5}
    return tree


@pytest.mark.parametrize("seed", range(5))
def test_moves_of_random_trees_follow_the_definition(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(40):
        tree = random_tree(rng)
        n_codes = max(tree, default=0) + 3  # codes outside the tree take no part
        got = hypercube._moves(tree, n_codes)
        expected = reference_moves(tree)
        assert len(got.chain) == len(expected)
        for m, (entries, chain, usable) in enumerate(expected):
            span = slice(got.start[m], got.start[m + 1])
            assert list(zip(got.codes[span].tolist(), got.signs[span].tolist(), strict=True)) == [
                (c, s) for c, s in entries
            ]
            assert bool(got.chain[m]) == chain
            for code in range(n_codes):
                through = got.by_code_move[got.by_code_start[code] : got.by_code_start[code + 1]]
                assert (m in through.tolist()) == (code in usable), (tree, m, code)
        # moves through a code keep the moves' order: the search's tie-break
        for code in range(n_codes):
            through = got.by_code_move[got.by_code_start[code] : got.by_code_start[code + 1]]
            assert (np.diff(through) > 0).all()


def reference_search(cube: Cube, hidden: np.ndarray, targets, threshold: int, free_only: bool):
    """{target: (cost, corner rows)} of the best hypercube the beam finds, one target at a time."""
    row_of = {int(k): i for i, k in enumerate(cube.key)}
    axes = [a for a, m in enumerate(cube.moves) if m is not None]
    axes.sort(key=lambda a: len(cube.moves[a].chain))  # fewest moves first
    found = {}
    for target in targets.tolist():
        # a candidate: corners [(key, sign)], all chains so far, cost, protection
        candidates = [([(int(cube.key[target]), 1)], True, 0, 0.0)]
        for axis in axes:
            moves, stride = cube.moves[axis], int(cube.stride[axis])
            code = int(cube.ids[axis][target])
            grown = []
            for corners, chain, _, _ in candidates:
                for k in range(moves.by_code_start[code], moves.by_code_start[code + 1]):
                    m, orient = int(moves.by_code_move[k]), int(moves.by_code_sign[k])
                    entries = range(moves.start[m], moves.start[m + 1])
                    new = [
                        (key + (int(moves.codes[e]) - code) * stride, s * moves.signs[e] * orient)
                        for key, s in corners
                        for e in entries
                    ]
                    rows = [row_of.get(key) for key, _ in new]
                    if None in rows:
                        continue
                    values = [int(cube.values[r]) for r in rows]
                    cost = sum(v for v, r in zip(values, rows, strict=True) if not hidden[r])
                    signs = [s for _, s in new]
                    plus = min(
                        (v for v, s in zip(values, signs, strict=True) if s > 0), default=math.inf
                    )
                    minus = min(
                        (v for v, s in zip(values, signs, strict=True) if s < 0), default=math.inf
                    )
                    if plus + minus < threshold or (free_only and cost):
                        continue
                    grown.append((new, chain and bool(moves.chain[m]), cost, plus + minus))
            ranked = sorted(range(len(grown)), key=lambda i: (grown[i][2], -grown[i][3]))
            chains = [i for i in ranked if grown[i][1]]
            keep = set(ranked[: hypercube.BEAM]) | set(chains[: hypercube.BEAM])
            candidates = [grown[i] for i in sorted(keep)]
        if candidates:
            best = min(candidates, key=lambda c: (c[2], -c[3]))
            found[target] = (best[2], [row_of[key] for key, _ in best[0]])
    return found


def random_cube(rng: np.random.Generator) -> tuple[pl.DataFrame, list[str], list[Hierarchy]]:
    """Area (total → counties → municipalities) by one or two flat dimensions, zeros left out."""
    area: dict[str, str] = {}
    for county in range(int(rng.integers(2, 4))):
        area[f"A{county}"] = TOTAL
        for m in range(int(rng.integers(1, 4))):
            area[f"m{county}{m}"] = f"A{county}"
    flat = {d: [f"{d}{i}" for i in range(int(rng.integers(2, 4)))] for d in ("x", "y")}
    dims = ["area", *list(flat)[: int(rng.integers(1, 3))]]
    parents = {"area": area, **{d: dict.fromkeys(flat[d], TOTAL) for d in dims[1:]}}
    leaves = {d: [c for c in parents[d] if c not in set(parents[d].values())] for d in dims}

    def up(d: str, code: str) -> list[str]:
        out = [code]
        while out[-1] in parents[d]:
            out.append(parents[d][out[-1]])
        return out

    full: Counter = Counter()
    for leaf in itertools.product(*(leaves[d] for d in dims)):
        value = int(rng.poisson(3)) if rng.random() > 0.2 else 0
        for cell in itertools.product(*(up(d, c) for d, c in zip(dims, leaf, strict=True))):
            full[cell] += value
    rows = [(*cell, v) for cell, v in sorted(full.items()) if v]
    frame = pl.DataFrame(rows, schema=[*dims, "value"], orient="row")
    return frame, dims, [Hierarchy(d, parents[d]) for d in dims]


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("free_only", [False, True])
@pytest.mark.parametrize("in_parts", [False, True])
def test_the_search_equals_the_plain_beam_search(
    seed: int, free_only: bool, in_parts: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whole, or split into parts of a target or two searched on two threads (as large rounds
    are): the same hypercubes, in target order."""
    if in_parts:
        monkeypatch.setattr(hypercube, "_WORKERS", 2)
        monkeypatch.setattr(hypercube, "_PART_TARGETS", 1)
    rng = np.random.default_rng(300 + seed)
    for _ in range(4):
        frame, dims, hierarchies = random_cube(rng)
        cube = Cube(frame, dims, hierarchies)
        hidden = rng.random(frame.height) < 0.3
        targets = np.flatnonzero(hidden | (rng.random(frame.height) < 0.2))
        found, cost, start, rows = hypercube._search(cube, hidden, targets, 5, free_only)
        expected = reference_search(cube, hidden, targets, 5, free_only)
        assert found.tolist() == sorted(expected)
        for i, target in enumerate(found.tolist()):
            assert (cost[i], rows[start[i] : start[i + 1]].tolist()) == expected[target]
        if not free_only:
            assert len(found)  # the chains always lead somewhere on these cubes


@pytest.mark.parametrize("seed", range(4))
def test_lookup_without_a_dense_table_gives_the_same_pattern(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cubes with too many code combinations look cells up by binary search instead."""
    rng = np.random.default_rng(400 + seed)
    frame, dims, hierarchies = random_cube(rng)
    primary = ((frame["value"] > 0) & (frame["value"] < 5)).to_numpy().astype(np.int8)
    dense = Cube(frame, dims, hierarchies)
    monkeypatch.setattr(hypercube, "DENSE_CELLS", 0)
    searched = Cube(frame, dims, hierarchies)
    assert len(dense.dense) and not len(searched.dense)
    keys = np.concatenate([dense.key, dense.key + 1, [0]])
    assert (dense.lookup(keys) == searched.lookup(keys)).all()
    statuses = []
    for cube in (dense, searched):
        status = primary.copy()
        protect(cube, status, np.flatnonzero(status), 5)
        statuses.append(status)
    assert (statuses[0] == statuses[1]).all()
    assert (statuses[0] != 0).sum() > (primary != 0).sum() or not primary.any()
