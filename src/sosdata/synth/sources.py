"""Split what happened between the sources: which facts are archived in Kanta, which are
delivered as files, and which both — following the plan of each municipality group.

Every component gets a *facts* frame: the component's columns (typed), the person, the
municipality group, ``in_kanta`` (a Kanta document exists and yields the row) and
``in_separate`` (the row is delivered as a file). Decisions also carry ``refined``: a decision
document whose type is not refined cannot be derived (SPEC §8), so in a Kanta-only group such
a decision is lost to the register, and in a supplemented group it is delivered as a file.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sosdata.components import CHILD_WELFARE, CLIENT_PERIODS, DECISIONS, SERVICES
from sosdata.synth.plan import KANTA, SEPARATE, SUPPLEMENTED

#: in a supplemented part, the share of facts in Kanta only, and in the files only
KANTA_ONLY_SHARE, SEPARATE_ONLY_SHARE = 0.6, 0.25
#: share of decision documents whose type is refined (derivable)
REFINED_SHARE = 0.9
IDENTIFYING = ["jarjestaja", "henkilotunnus", "kotikunta", "sukupuoli"]


def _split(source: pl.Series, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    s = source.to_numpy().astype(str)
    u = rng.random(s.size)
    supplemented = s == SUPPLEMENTED
    in_kanta = (s == KANTA) | (
        supplemented & ((u < KANTA_ONLY_SHARE) | (u >= KANTA_ONLY_SHARE + SEPARATE_ONLY_SHARE))
    )
    in_separate = (s == SEPARATE) | (supplemented & (u >= KANTA_ONLY_SHARE))
    return in_kanta, in_separate


def _with_person(frame: pl.DataFrame, people: pl.DataFrame, sources: pl.DataFrame):
    return frame.join(
        people.select("person", *IDENTIFYING, "birth"), on="person", maintain_order="left"
    ).join(sources, on="kotikunta", maintain_order="left")


def _slim(frame: pl.DataFrame, sources: pl.DataFrame) -> pl.DataFrame:
    """Drop the plan's per-municipality columns once the row's own source is known."""
    return frame.drop(c for c in sources.columns if c not in ("kotikunta", "group"))


def _source_of_task(task: pl.Expr) -> pl.Expr:
    return pl.coalesce(
        pl.when(task == t).then(pl.col(f"ii_{t}")) for t in ("1", "2", "3", "4", "5", "6")
    )


def facts(
    people: pl.DataFrame,
    world: dict[str, pl.DataFrame],
    sources: pl.DataFrame,
    rng: np.random.Generator,
) -> dict[str, pl.DataFrame]:
    """Facts frames of the four components (see the module text)."""
    out: dict[str, pl.DataFrame] = {}

    ii = _with_person(world[CLIENT_PERIODS.name], people, sources)
    ii = ii.with_columns(_source_of_task(pl.col("palvelutehtava")).alias("source"))
    k, s = _split(ii["source"], rng)
    out[CLIENT_PERIODS.name] = _slim(ii.with_columns(in_kanta=k, in_separate=s), sources)

    iii = _with_person(world[CHILD_WELFARE.name], people, sources).with_columns(
        pl.col("iii").alias("source")
    )
    k, s = _split(iii["source"], rng)
    out[CHILD_WELFARE.name] = _slim(iii.with_columns(in_kanta=k, in_separate=s), sources)

    iv = _with_person(world[DECISIONS.name], people, sources).with_columns(
        pl.col("iv_v").alias("source")
    )
    source = iv["source"].to_numpy().astype(str)
    refined = rng.random(iv.height) < REFINED_SHARE
    out[DECISIONS.name] = _slim(
        iv.with_columns(
            refined=refined,
            in_kanta=source != SEPARATE,
            in_separate=(source == SEPARATE) | ((source == SUPPLEMENTED) & ~refined),
        ),
        sources,
    )

    v = _with_person(world[SERVICES.name], people, sources).with_columns(
        pl.col("iv_v").alias("source")
    )
    k, s = _split(v["source"], rng)
    out[SERVICES.name] = _slim(v.with_columns(in_kanta=k, in_separate=s), sources)
    return out


def derivable(component: str) -> pl.Expr:
    """Rows the Kanta derivation yields (a document exists and can be derived)."""
    if component == DECISIONS.name:
        return pl.col("in_kanta") & pl.col("refined")
    return pl.col("in_kanta")
