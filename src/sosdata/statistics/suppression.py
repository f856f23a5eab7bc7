"""Statistical disclosure control of count tables: primary and secondary cell suppression.

A table is a full cube of cells: one row per combination of its dimensions' codes, totals
included (``value`` = count, ``contributors`` = distinct persons behind it). Every additive
dimension has a hierarchy (child code → parent code, e.g. municipality → county → whole
country), and each parent cell equals the sum of its children with all other codes fixed: such
a set of cells is a *line*, the published margins an attacker can use.

1. **Primary**: a cell with 1 ≤ contributors < threshold is suppressed.
2. **Secondary, with a proof**: every suppressed cell gets a *protective hypercube* of
   suppressed cells (:mod:`sosdata.statistics.hypercube`): a pattern that can move by at least
   ``threshold`` without changing any published cell or line total. Missing corners are
   suppressed, the cheapest hypercubes chosen first. The hypercube is the certificate: every
   suppressed cell's feasible range is at least ``threshold`` wide.
3. **Audit** (opt-in, and the independent check of the tests): the suppressed cells are grouped
   into connected components (cells sharing a line); linear programmes
   (``scipy.optimize.linprog``, HiGHS) bound each suppressed cell given every published cell,
   the line equations and non-negativity. A cell is protected when
   ``upper − lower ≥ threshold``; an unprotected one fails the run (:class:`UnprotectedError`).

Everything that grows with the table is vectorised (Polars, NumPy); Python loops run over
rounds, components and the codes of a dimension only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from sosdata.statistics.hypercube import Cube, protect

#: code of a total in every dimension (as in Statistics Finland's tables)
TOTAL = "SSS"
PRIMARY = "primary"
SECONDARY = "secondary"
#: safety net: linked tables whose patterns still disagree after this many rounds fail loudly
MAX_ROUNDS = 200


@dataclass(frozen=True, slots=True)
class Hierarchy:
    """An additive dimension: ``parents[child] = parent``; the top parent is :data:`TOTAL`."""

    dimension: str
    parents: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class CellRange:
    """Values a suppressed cell can take: the LP optimum, or a witnessed sub-range (the true
    range is at least as wide), enough to prove protection."""

    cell: int
    lower: float
    upper: float


@dataclass
class AuditResult:
    """Feasible range of every suppressed cell given the published cells and the lines."""

    ranges: list[CellRange]
    threshold: int

    @property
    def unprotected(self) -> list[CellRange]:
        return [r for r in self.ranges if r.upper - r.lower < self.threshold - 1e-6]

    @property
    def ok(self) -> bool:
        return not self.unprotected


def lines(
    cells: pl.DataFrame, dims: Sequence[str], hierarchies: Sequence[Hierarchy]
) -> pl.DataFrame:
    """Line membership: ``cell`` (row index), ``line`` (id), ``is_total`` (the line's parent).

    A cell whose code has a parent is a member of the parent's line; a cell whose code is a
    parent is the total of its own line. Cells of codes outside the hierarchy are in no line.
    """
    indexed = cells.select(dims).with_row_index("cell")
    parts = []
    for number, h in enumerate(hierarchies):
        mapping = pl.DataFrame(
            {"child": list(h.parents), "parent": list(h.parents.values())},
            schema={"child": pl.String, "parent": pl.String},
        )
        parent_codes = mapping.select(pl.col("parent").unique())
        others = [pl.col(d) for d in dims if d != h.dimension]

        def key(code: pl.Expr, others: list[pl.Expr] = others, number: int = number) -> pl.Expr:
            return pl.concat_str([pl.lit(str(number)), code, *others], separator="\x1f")

        children = indexed.join(mapping, left_on=h.dimension, right_on="child").select(
            "cell", key(pl.col("parent")).alias("key"), pl.lit(False).alias("is_total")
        )
        totals = indexed.join(parent_codes, left_on=h.dimension, right_on="parent").select(
            "cell", key(pl.col(h.dimension)).alias("key"), pl.lit(True).alias("is_total")
        )
        parts += [children, totals]
    if not parts:
        return pl.DataFrame(schema={"cell": pl.UInt32, "line": pl.UInt32, "is_total": pl.Boolean})
    member = pl.concat(parts)
    # a line needs a total and at least one member to be an equation
    member = member.filter(pl.col("is_total").any().over("key") & (pl.len().over("key") > 1))
    return member.with_columns(pl.col("key").rank("dense").cast(pl.UInt32).alias("line")).select(
        "cell", "line", "is_total"
    )


def _components(suppressed: np.ndarray, member: pl.DataFrame) -> list[np.ndarray]:
    """Connected components of suppressed cells (sorted), linked when they share a line."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    touched = member.filter(pl.col("cell").is_in(pl.Series(suppressed, dtype=pl.UInt32).implode()))
    n = len(suppressed)
    if touched.is_empty():
        return [suppressed[i : i + 1] for i in range(n)]
    rows = np.searchsorted(suppressed, touched["cell"].to_numpy())
    _, line_ids = np.unique(touched["line"].to_numpy(), return_inverse=True)
    m = int(line_ids.max()) + 1
    # bipartite cell–line graph; its components restricted to the cells
    graph = coo_matrix((np.ones(len(rows)), (rows, n + line_ids)), shape=(n + m, n + m))
    _, labels = connected_components(graph, directed=False)
    cell_labels = labels[:n]
    order = np.argsort(cell_labels, kind="stable")
    splits = np.flatnonzero(np.diff(cell_labels[order])) + 1
    return [np.sort(suppressed[group]) for group in np.split(order, splits)]


#: at most this many pairs of random objectives per component before exact bounds
WITNESS_ROUNDS = 8


class Witnesses:
    """Feasible values seen so far for every cell of a table: a sub-range of each range. A
    cell whose witnessed values spread by the threshold is proven protected."""

    def __init__(self, values: np.ndarray):
        self.low = values.astype(float).copy()
        self.high = values.astype(float).copy()
        self.unbounded = np.zeros(len(values), dtype=bool)

    def proven(self, cells: np.ndarray, threshold: int) -> np.ndarray:
        return self.unbounded[cells] | (self.high[cells] - self.low[cells] >= threshold)

    def see(self, cells: np.ndarray, x: np.ndarray | None) -> None:
        if x is not None:
            self.low[cells] = np.minimum(self.low[cells], x)
            self.high[cells] = np.maximum(self.high[cells], x)

    def ranges(self, cells: np.ndarray) -> list[CellRange]:
        return [
            CellRange(
                int(c),
                float(self.low[c]),
                float("inf") if self.unbounded[c] else float(self.high[c]),
            )
            for c in cells.tolist()
        ]


def _prove(a, b: np.ndarray, component: np.ndarray, seen: Witnesses, threshold: int) -> None:
    """Witness feasible points until every cell of ``component`` is proven or bounded exactly.

    Every feasible point is a witness: a cell whose values across witnesses already spread by
    ``threshold`` is proven protected (its exact range is at least as wide). Random objectives
    over the cells still open prove many at once; only the cells they leave open get exact
    minimum and maximum LPs, whose solutions are witnesses for the others too.
    """
    from scipy.optimize import linprog

    n = len(component)

    def solve(c: np.ndarray):
        return linprog(c, A_eq=a, b_eq=b, bounds=(0, None), method="highs")

    def witness(result) -> None:
        seen.see(component, result.x if result.status == 0 else None)

    rng = np.random.default_rng(n)
    for round_ in range(WITNESS_ROUNDS):
        open_cells = np.flatnonzero(~seen.proven(component, threshold))
        if len(open_cells) == 0:
            break
        c = np.zeros(n)
        # first all open cells up and down together, then random mixes of directions
        c[open_cells] = 1.0 if round_ == 0 else rng.choice([-1.0, 1.0], size=len(open_cells))
        witness(solve(c))
        witness(solve(-c))
        if round_ and seen.proven(component[open_cells], threshold).sum() < 0.05 * len(open_cells):
            break
    for i in range(n):
        if seen.proven(component[i : i + 1], threshold)[0]:
            continue
        c = np.zeros(n)
        c[i] = 1.0
        witness(solve(c))
        high = solve(-c)
        if high.status == 3:
            seen.unbounded[component[i]] = True
        witness(high)


def _system(values: np.ndarray, unknowns: np.ndarray, is_supp: np.ndarray, eq: pl.DataFrame):
    """``A x = b`` over the ``unknowns`` (sorted cell ids) from the lines in ``eq``: published
    cells move to the right-hand side, Σ coef·x_unknown = −Σ coef·value_known."""
    from scipy.sparse import csr_matrix

    cells = eq["cell"].to_numpy().astype(np.int64)
    coefs = eq["coef"].to_numpy()
    _, rows = np.unique(eq["line"].to_numpy(), return_inverse=True)
    unknown = is_supp[cells]
    b = np.zeros(int(rows.max()) + 1)
    np.add.at(b, rows[~unknown], -coefs[~unknown] * values[cells[~unknown]])
    cols = np.searchsorted(unknowns, cells[unknown])
    a = csr_matrix((coefs[unknown], (rows[unknown], cols)), shape=(len(b), len(unknowns)))
    return a, b


def _witness_all(
    values: np.ndarray,
    suppressed: np.ndarray,
    is_supp: np.ndarray,
    member: pl.DataFrame,
    threshold: int,
    seen: Witnesses,
) -> None:
    """Witnesses for every component at once: one LP over the whole table proves cells in all
    components together (far fewer solver calls than one per component)."""
    from scipy.optimize import linprog

    eq = member.filter(
        pl.col("line").is_in(
            member.filter(pl.col("cell").is_in(pl.Series(suppressed, dtype=pl.UInt32).implode()))[
                "line"
            ]
            .unique()
            .implode()
        )
    )
    if eq.is_empty():
        return
    a, b = _system(values, suppressed, is_supp, eq)
    # a box keeps every LP bounded; a point inside it is feasible for the real system too
    box = (0, float(values.max()) * 2 + threshold)
    rng = np.random.default_rng(len(suppressed))
    for round_ in range(WITNESS_ROUNDS):
        open_cells = np.flatnonzero(~seen.proven(suppressed, threshold))
        if len(open_cells) == 0:
            return
        c = np.zeros(len(suppressed))
        c[open_cells] = 1.0 if round_ == 0 else rng.choice([-1.0, 1.0], size=len(open_cells))
        for sign in (1.0, -1.0):
            result = linprog(sign * c, A_eq=a, b_eq=b, bounds=box, method="highs")
            if result.status == 0:
                seen.see(suppressed, result.x)


def audit(
    values: np.ndarray,
    suppressed: np.ndarray,
    member: pl.DataFrame,
    threshold: int,
) -> AuditResult:
    """Feasible range of each suppressed cell by linear programming, one component at a time."""
    seen = Witnesses(values)
    suppressed = np.unique(np.asarray(suppressed, dtype=np.int64))
    ranges: list[CellRange] = []
    if len(suppressed) == 0:
        return AuditResult(ranges, threshold)
    is_supp = np.zeros(len(values), dtype=bool)
    is_supp[suppressed] = True
    coefs_all = np.where(member["is_total"].to_numpy(), -1.0, 1.0)
    member = member.with_columns(pl.Series("coef", coefs_all))
    _witness_all(values, suppressed, is_supp, member, threshold, seen)
    components = _components(suppressed, member)
    # every line touching a suppressed cell belongs to exactly one component: split the
    # equations by component once instead of filtering the membership per component
    label = np.full(len(values), -1, dtype=np.int64)
    for k, component in enumerate(components):
        label[component] = k
    cells_all = member["cell"].to_numpy().astype(np.int64)
    line_label = (
        pl.DataFrame({"line": member["line"], "component": label[cells_all]})
        .filter(pl.col("component") >= 0)
        .unique("line")
    )
    parts = member.join(line_label, on="line").partition_by("component", as_dict=True)
    for k, component in enumerate(components):
        if seen.proven(component, threshold).all():
            ranges += seen.ranges(component)
            continue
        eq = parts.get((k,))
        if eq is None or eq.is_empty():
            seen.unbounded[component] = True  # in no line: nothing bounds it
            ranges += seen.ranges(component)
            continue
        a, b = _system(values, component, is_supp, eq)
        _prove(a, b, component, seen, threshold)
        ranges += seen.ranges(component)
    return AuditResult(ranges, threshold)


def exposed_lines(
    cells: pl.DataFrame, dims: Sequence[str], hierarchies: Sequence[Hierarchy]
) -> int:
    """Number of lines with exactly one suppressed cell (0 for a safely suppressed table)."""
    member = lines(cells, dims, hierarchies)
    flags = cells["status"].is_not_null().to_numpy()
    frame = member.with_columns(pl.Series("s", flags[member["cell"].to_numpy()]))
    return frame.group_by("line").agg(pl.col("s").sum()).filter(pl.col("s") == 1).height


def audit_table(
    cells: pl.DataFrame,
    dims: Sequence[str],
    hierarchies: Sequence[Hierarchy],
    threshold: int,
    suppressed: np.ndarray | None = None,
) -> AuditResult:
    """Audit a suppressed table as an attacker would see it: the ``suppressed`` mask, or the
    ``status`` column where it is not given."""
    if suppressed is None:
        suppressed = cells["status"].is_not_null().to_numpy()
    member = lines(cells, dims, hierarchies)
    values = cells["value"].fill_null(0).cast(pl.Float64).to_numpy()
    return audit(values, np.flatnonzero(suppressed), member, threshold)


def _shared_cells(
    a: pl.DataFrame, dims_a: Sequence[str], b: pl.DataFrame, dims_b: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Row pairs (in ``a``, in ``b``) of the same cell in two tables of one count: equal codes
    in the dimensions both have, the total in the dimensions only one has."""
    common = [d for d in dims_a if d in dims_b]
    left = a.with_row_index("a").filter(
        *[pl.col(d) == TOTAL for d in dims_a if d not in dims_b], pl.lit(True)
    )
    right = b.with_row_index("b").filter(
        *[pl.col(d) == TOTAL for d in dims_b if d not in dims_a], pl.lit(True)
    )
    if common:
        pairs = left.select("a", *common).join(right.select("b", *common), on=common)
    else:
        pairs = left.select("a").join(right.select("b"), how="cross")
    return pairs["a"].to_numpy(), pairs["b"].to_numpy()


def _status_column(cells: pl.DataFrame, status: np.ndarray) -> pl.DataFrame:
    code = pl.Series("status", status, dtype=pl.Int8)
    return cells.with_columns(
        pl.when(code == 1)
        .then(pl.lit(PRIMARY))
        .when(code == 2)
        .then(pl.lit(SECONDARY))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias("status")
    )


def _primary(cells: pl.DataFrame, threshold: int) -> np.ndarray:
    """Status codes: 1 where 1 ≤ contributors < threshold (contributors default to the value)."""
    counted = cells["contributors"] if "contributors" in cells.columns else cells["value"]
    people = counted.fill_null(0).to_numpy()
    status = np.zeros(len(cells), dtype=np.int8)
    status[(people >= 1) & (people < threshold)] = 1
    return status


class UnprotectedError(RuntimeError):
    """The LP audit found a suppressed cell whose feasible range is narrower than the
    threshold: the tables must not be published."""


def _check(
    cells: pl.DataFrame,
    dims: Sequence[str],
    hierarchies: Sequence[Hierarchy],
    status: np.ndarray,
    threshold: int,
) -> None:
    result = audit_table(cells, dims, hierarchies, threshold, suppressed=status != 0)
    if not result.ok:
        weak = result.unprotected[0]
        raise UnprotectedError(
            f"{len(result.unprotected)} suppressed cells are not protected, e.g. row "
            f"{weak.cell} in [{weak.lower}, {weak.upper}] (threshold {threshold})"
        )


def suppress(
    cells: pl.DataFrame,
    dims: Sequence[str],
    hierarchies: Sequence[Hierarchy],
    threshold: int,
    *,
    preset: np.ndarray | None = None,
    audit: bool = False,
) -> pl.DataFrame:
    """``cells`` with a ``status`` column: null (published), ``primary`` or ``secondary``.

    ``cells`` needs the ``dims`` columns, ``value`` and optionally ``contributors`` (defaults to
    ``value``). ``preset`` marks cells that must be suppressed whatever their count. Every
    suppressed cell is a corner of a protective hypercube (:mod:`.hypercube`); with ``audit``
    the LP audit checks that independently and raises :class:`UnprotectedError` if not.
    """
    [out] = suppress_linked([(cells, dims, hierarchies)], threshold, audit=audit, presets=[preset])
    return out


def suppress_linked(
    tables: Sequence[tuple[pl.DataFrame, Sequence[str], Sequence[Hierarchy]]],
    threshold: int,
    *,
    audit: bool = False,
    presets: Sequence[np.ndarray | None] | None = None,
) -> list[pl.DataFrame]:
    """Suppress tables that publish some of the same cells (e.g. one count by county and by
    municipality): a cell hidden in one table is hidden in every table that shows it, and gets
    a protective hypercube in each, until the patterns agree. Hidden cells only ever grow, so
    a cell protected in an earlier round stays protected."""
    pairs = {
        (i, j): _shared_cells(tables[i][0], tables[i][1], tables[j][0], tables[j][1])
        for i in range(len(tables))
        for j in range(i + 1, len(tables))
    }
    cubes = [Cube(cells, dims, hierarchies) for cells, dims, hierarchies in tables]
    statuses = [_primary(cells, threshold) for cells, _, _ in tables]
    for status, preset in zip(statuses, presets or [None] * len(tables), strict=True):
        if preset is not None:
            status[preset & (status == 0)] = 2
    proven = [np.zeros(len(status), dtype=bool) for status in statuses]
    stale = set(range(len(tables)))
    for _ in range(MAX_ROUNDS):
        for k in sorted(stale):
            open_cells = np.flatnonzero((statuses[k] != 0) & ~proven[k])
            proven[k] |= protect(cubes[k], statuses[k], open_cells, threshold)
        stale = set()
        for (i, j), (rows_i, rows_j) in pairs.items():
            hidden_i, hidden_j = statuses[i][rows_i] != 0, statuses[j][rows_j] != 0
            for k, rows in ((i, rows_i[hidden_j & ~hidden_i]), (j, rows_j[hidden_i & ~hidden_j])):
                if len(rows):
                    statuses[k][rows] = 2
                    stale.add(k)
        if not stale:
            break
    else:
        raise RuntimeError("linked suppression did not converge")
    if audit:
        for (cells, dims, hierarchies), status in zip(tables, statuses, strict=True):
            _check(cells, dims, hierarchies, status, threshold)
    return [
        _status_column(cells, status)
        for (cells, _, _), status in zip(tables, statuses, strict=True)
    ]
