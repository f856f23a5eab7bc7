"""Counts of the published tables computed independently, in Polars, from register rows.

The rules restated from the documentation (docs/statistics.md), not from the SQL: a person's
home municipality comes from their latest record of the quarter, sex is male/female when any
record says so, age is whole years at the quarter's last day; a person is counted once per
service task with the organiser of their latest period in it.
"""

from __future__ import annotations

import polars as pl

from sosdata.identity import age_expr
from sosdata.periods import Quarter
from sosdata.statistics.tables import NO_COUNTY, age_group_of

START = {"asiakkuusjaksot": "alkupvm", "lastensuojelu": "alkupvm", "palvelutiedot": "alkupvm"}


def persons(frames: dict[str, pl.DataFrame], quarter: Quarter) -> pl.DataFrame:
    rows = []
    for name, frame in frames.items():
        start = START.get(name) or "voimassa_alkaen"
        start_expr = pl.col(start)
        if name == "palvelupaatokset":
            start_expr = pl.coalesce(pl.col("voimassa_alkaen"), pl.col("paatospvm"))
        rows.append(
            frame.filter(pl.col("quarter") == str(quarter)).select(
                "pseudonym",
                "syntymapaiva",
                "sukupuoli",
                "kotikunta",
                pl.col("hyvinvointialue").fill_null(NO_COUNTY),
                start_expr.fill_null(pl.date(1, 1, 1)).alias("d"),
            )
        )
    everything = pl.concat(rows)
    latest = everything.sort("d", "kotikunta", "hyvinvointialue").group_by("pseudonym").last()
    sex = everything.group_by("pseudonym").agg(
        pl.coalesce(
            pl.col("sukupuoli").filter(pl.col("sukupuoli").is_in(["1", "2"])).min(),
            pl.col("sukupuoli").min(),
        ).alias("sukupuoli_p")
    )
    return latest.join(sex, on="pseudonym").select(
        "pseudonym",
        pl.col("sukupuoli_p").alias("sex"),
        pl.col("kotikunta").alias("municipality"),
        pl.col("hyvinvointialue").alias("county"),
        age_expr(pl.col("syntymapaiva"), quarter.end)
        .map_elements(age_group_of, return_dtype=pl.String)
        .alias("age"),
    )


def overlapping(frame: pl.DataFrame, quarter: Quarter, start: str, end: str) -> pl.DataFrame:
    return frame.filter(
        (pl.col("quarter") == str(quarter)) & quarter.overlaps_expr(pl.col(start), pl.col(end))
    )


def clients(frames, quarter) -> pl.DataFrame:
    """(pseudonym, task, organiser) once per person and task."""
    periods = overlapping(frames["asiakkuusjaksot"], quarter, "alkupvm", "loppupvm")
    return (
        periods.with_columns(pl.col("alkupvm").fill_null(pl.date(1, 1, 1)))
        .sort("alkupvm", "jarjestaja")
        .group_by("pseudonym", "palvelutehtava")
        .agg(pl.col("jarjestaja").last())
    )


def in_quarter(column: str, quarter: Quarter) -> pl.Expr:
    return pl.col(column).is_between(quarter.start, quarter.end)
