"""A delivery's issues in the form the register keeps them (migration 0076): each distinct kind
of issue once, and each issue as its kind's number, its line and what its message shows.

A kind — rule, severity, component, file and column — is shared by thousands of issues (a
warning can be on every row). The report knows each row issue's kind as it lists it, so it gives
the issues in this form directly (:meth:`~sosdata.delivery.report.Report.stored_issues`);
:meth:`StoredIssues.of` finds the kinds of any flat list of issues.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

#: what the issues of a kind share, stored once per delivery (``delivery_issue_kinds``)
KIND = ("rule", "severity", "component", "file", "column")
#: what each issue keeps besides its kind's number (``delivery_issue_lines``)
LINE = ("line", "message", "value", "other", "params")
KIND_SCHEMA = pl.Schema({"kind": pl.Int32} | {name: pl.String for name in KIND})


@dataclass(frozen=True)
class StoredIssues:
    #: ``kind`` (numbered from 0) and :data:`KIND`
    kinds: pl.DataFrame
    #: ``kind`` and those of :data:`LINE` the issues have
    lines: pl.DataFrame

    @property
    def height(self) -> int:
        return self.lines.height

    @classmethod
    def empty(cls) -> StoredIssues:
        return cls(pl.DataFrame(schema=KIND_SCHEMA), pl.DataFrame(schema={"kind": pl.Int32}))

    @classmethod
    def of(cls, issues: pl.DataFrame) -> StoredIssues:
        """Issues as one row each (findings, whose ``code`` is the ``rule``, or a report's
        listing), their kinds numbered in order of first appearance."""
        if "code" in issues.columns:
            issues = issues.rename({"code": "rule"})
        shared = issues.select(
            (pl.col(c).cast(pl.String) if c in issues.columns else pl.lit(None, pl.String)).alias(c)
            for c in KIND
        )
        kinds = (
            shared.with_row_index("row")
            .group_by(KIND, maintain_order=True)
            .agg("row")
            .with_row_index("kind")
            .with_columns(pl.col("kind").cast(pl.Int32))
        )
        # each issue's kind, by its row (half the time of joining the issues to their kinds)
        kind = kinds.select("kind", "row").explode("row").sort("row")["kind"]
        lines = issues.select(
            pl.col(c).cast(pl.Int64 if c == "line" else pl.String)
            for c in LINE
            if c in issues.columns
        ).with_columns(kind=kind)
        return cls(kinds.drop("row"), lines)

    @classmethod
    def concat(cls, parts: Iterable[StoredIssues]) -> StoredIssues:
        """The parts' issues in order, each part's kinds numbered after the previous parts'."""
        kinds, lines, first = [], [], 0
        for part in parts:
            kinds.append(part.kinds.with_columns(pl.col("kind") + first))
            lines.append(part.lines.with_columns(pl.col("kind") + first))
            first += part.kinds.height
        if not kinds:
            return cls.empty()
        return cls(pl.concat(kinds), pl.concat(lines, how="diagonal_relaxed"))
