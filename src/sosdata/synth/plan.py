"""Which source each organiser, municipality group, component and service task uses.

A county files one notification per municipality group (SPEC §9); the plan is what those
notifications say. Four patterns cover the combinations that occur: everything archived in
Kanta, everything delivered as files, a county split into two groups with different systems,
and a county that supplements Kanta with files.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from sosdata.components import CHILD_WELFARE, CLIENT_PERIODS, DECISIONS, SERVICES
from sosdata.organisers import Organiser
from sosdata.synth.population import TASKS
from sosdata.synth.scales import Scale

KANTA, SUPPLEMENTED, SEPARATE = "kanta", "kanta_supplemented", "separate"
SOURCES = (KANTA, SUPPLEMENTED, SEPARATE)


@dataclass(frozen=True, slots=True)
class GroupSources:
    """Sources of one municipality group, as the notification gives them: II per service task
    (question 17), III (question 20; Kanta or separate), and IV and V together (question 23)."""

    client_periods: dict[str, str]
    child_welfare: str
    social_services: str


def _all(source: str) -> GroupSources:
    return GroupSources(dict.fromkeys(TASKS, source), source, source)


PATTERNS: dict[str, tuple[GroupSources, ...]] = {
    KANTA: (_all(KANTA),),
    SEPARATE: (_all(SEPARATE),),
    "mixed": (
        GroupSources(
            {"1": KANTA, "2": KANTA, "3": SUPPLEMENTED, "4": SEPARATE, "5": KANTA, "6": SEPARATE},
            KANTA,
            SUPPLEMENTED,
        ),
        _all(SEPARATE),
    ),
    "supplemented": (
        GroupSources(
            {"1": SUPPLEMENTED, "2": SUPPLEMENTED, "3": SUPPLEMENTED, "4": KANTA,
             "5": SEPARATE, "6": SEPARATE},
            KANTA,
            KANTA,
        ),
    ),
}  # fmt: skip
#: the order the seed rotates patterns over organisers at national scale
ROTATION = (KANTA, "supplemented", "mixed", SEPARATE)


@dataclass(frozen=True, slots=True)
class Group:
    organiser: str
    county: str
    #: the municipality group's name, unique within the organiser (the manifest's kuntaryhma)
    name: str
    municipalities: tuple[str, ...]
    sources: GroupSources
    pattern: str

    @property
    def slug(self) -> str:
        """The name in file names: ASCII, no spaces."""
        return self.name.replace("ä", "a").replace("ö", "o").replace(" ", "-")

    def delivered_components(self) -> list[str]:
        """Components with a separate part, in component order."""
        s = self.sources
        out = []
        if any(v != KANTA for v in s.client_periods.values()):
            out.append(CLIENT_PERIODS.name)
        for component, source in (
            (CHILD_WELFARE.name, s.child_welfare),
            (DECISIONS.name, s.social_services),
            (SERVICES.name, s.social_services),
        ):
            if source != KANTA:
                out.append(component)
        return out


def _group_names(count: int) -> list[str]:
    return ["koko alue"] if count == 1 else [f"kuntaryhmä {i + 1}" for i in range(count)]


def make_plan(scale: Scale, organisers: list[Organiser], seed: int) -> list[Group]:
    """Municipality groups of every organiser covered, with their sources."""
    fixed = dict(scale.patterns)
    groups: list[Group] = []
    for index, organiser in enumerate(sorted(organisers, key=lambda o: o.county)):
        pattern = fixed.get(organiser.county) or ROTATION[(index + seed) % len(ROTATION)]
        municipalities = tuple(sorted(organiser.municipalities))
        if len(PATTERNS[pattern]) > len(municipalities):
            pattern = "supplemented"
        layout = PATTERNS[pattern]
        # the first group takes the first half of the municipalities (by code), and so on
        size = -(-len(municipalities) // len(layout))
        for i, (name, sources) in enumerate(zip(_group_names(len(layout)), layout, strict=True)):
            groups.append(
                Group(
                    organiser.oid,
                    organiser.county,
                    name,
                    municipalities[i * size : (i + 1) * size],
                    sources,
                    pattern,
                )
            )
    return groups


def municipality_sources(groups: list[Group]) -> pl.DataFrame:
    """Per municipality: its group, and the source of each component (II per task).

    Columns: ``kotikunta``, ``group``, ``ii_1``..``ii_6``, ``iii``, ``iv_v``.
    """
    rows = []
    for index, g in enumerate(groups):
        s = g.sources
        for m in g.municipalities:
            rows.append(
                {
                    "kotikunta": m,
                    "group": index,
                    **{f"ii_{t}": s.client_periods[t] for t in TASKS},
                    "iii": s.child_welfare,
                    "iv_v": s.social_services,
                }
            )
    return pl.DataFrame(rows).with_columns(pl.col("group").cast(pl.Int32))


def expected_sources(groups: list[Group]) -> pl.DataFrame:
    """The plan in the form the register expects from notifications: ``organiser``, ``county``,
    ``municipality_group``, ``municipality``, ``service_task`` (II only), ``component``,
    ``source``."""
    rows = []
    for g in groups:
        s = g.sources
        per_component = [(CLIENT_PERIODS.name, t, s.client_periods[t]) for t in TASKS] + [
            (CHILD_WELFARE.name, None, s.child_welfare),
            (DECISIONS.name, None, s.social_services),
            (SERVICES.name, None, s.social_services),
        ]
        for m in g.municipalities:
            for component, task, source in per_component:
                rows.append((g.organiser, g.county, g.name, m, task, component, source))
    return pl.DataFrame(
        rows,
        schema=[
            "organiser",
            "county",
            "municipality_group",
            "municipality",
            "service_task",
            "component",
            "source",
        ],
        orient="row",
    )
