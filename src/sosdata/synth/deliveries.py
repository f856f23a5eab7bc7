"""Separate deliveries (format v1): the rows each municipality group delivers for a quarter,
the fields left empty that the register fills with SPEC §4 defaults, injected error rows, and
the ZIP files themselves — byte for byte the same for the same seed.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from sosdata.components import CLIENT_PERIODS, COMPONENTS, DECISIONS, SERVICES, belongs_to
from sosdata.periods import Quarter
from sosdata.synth.errors import BY_RULE, INJECTIONS, Target
from sosdata.synth.plan import Group

FORMAT_VERSION = "1"
#: a fixed time for every ZIP member, so that output does not depend on the clock
ZIP_TIME = (2020, 1, 1, 0, 0, 0)
#: fast deflate: CSV compresses well even so, and national scale writes hundreds of MB
ZIP_LEVEL = 1
#: injected rows stay below this share of a component's rows (the rejection limit is 5 %)
ERROR_SHARE_CAP = 0.045
#: persons born this many days before the quarter at least are safe bases for date mutations
SAFE_AGE_DAYS = 400
#: shares of delivered rows that leave a field empty for the register's default
OMIT_TASK, OMIT_TYPE, OMIT_VALID_FROM, OMIT_DECISION_DATE = 0.15, 0.2, 0.5, 0.1


@dataclass
class DeliveryPart:
    """One component of one delivery: its true rows (typed) and what is injected into it."""

    quarter: Quarter
    group_index: int
    group: Group
    component: str
    rows: pl.DataFrame
    injected: Counter = field(default_factory=Counter)

    @property
    def capacity(self) -> int:
        return int(self.rows.height * ERROR_SHARE_CAP)


def path_of(quarter: Quarter, group: Group) -> str:
    return f"deliveries/{quarter}/{group.county}-{group.slug}.zip"


def overlaps(component: str, quarter: Quarter) -> pl.Expr:
    """The true rows that are data of ``quarter`` (a decision also when made during it)."""
    return belongs_to(COMPONENTS[component], quarter)


def parts_of(
    facts: dict[str, pl.DataFrame], quarter: Quarter, groups: list[Group], organiser: str
) -> list[DeliveryPart]:
    """The true separate rows of every delivered component of the organiser's groups in the
    quarter (``groups`` is the whole plan: a group's index is its place in it)."""
    parts = []
    for index, group in enumerate(groups):
        if group.organiser != organiser:
            continue
        for component in group.delivered_components():
            rows = facts[component].filter(
                pl.col("in_separate") & (pl.col("group") == index) & overlaps(component, quarter)
            )
            parts.append(DeliveryPart(quarter, index, group, component, rows))
    return parts


def allocate(parts: list[DeliveryPart], rate: float, rng: np.random.Generator) -> None:
    """Decide how many rows of each rule go into each part: ``rate`` of the true rows, within
    the cap, and — when ``rate`` > 0 — every rule at least once somewhere."""
    if rate <= 0:
        return
    for part in parts:
        wanted = min(part.capacity, int(round(part.rows.height * rate)))
        rules = [i.rule for i in INJECTIONS if part.component in i.components]
        for rule in rng.choice(rules, size=wanted) if rules and wanted else []:
            part.injected[str(rule)] += 1
    placed: Counter[str] = Counter()
    for part in parts:
        placed.update(part.injected)
    for injection in INJECTIONS:
        if placed[injection.rule]:
            continue
        room = [
            p
            for p in parts
            if p.component in injection.components and sum(p.injected.values()) < p.capacity
        ]
        if not room:
            continue
        chosen = room[int(rng.integers(0, len(room)))]
        chosen.injected[injection.rule] += 1


def _task_counts(ii_rows: pl.DataFrame | None) -> pl.DataFrame:
    if ii_rows is None:
        return pl.DataFrame(schema={"person": pl.Int64, "_tasks": pl.UInt32, "_only": pl.String})
    return ii_rows.group_by("person").agg(
        pl.col("palvelutehtava").n_unique().alias("_tasks"),
        pl.col("palvelutehtava").first().alias("_only"),
    )


def _text(frame: pl.DataFrame, component: str) -> pl.DataFrame:
    names = COMPONENTS[component].column_names
    return frame.select(pl.col(n).cast(pl.String) for n in names)


@dataclass
class Written:
    """A delivery as written: its path, manifest, and per component the text rows with the
    injected rule (null for true rows) and their line numbers, and the truth-relevant rows."""

    path: str
    manifest: dict
    files: dict[str, pl.DataFrame]
    #: true rows as the register should hold them after defaults (typed, with ``person``)
    accepted: dict[str, pl.DataFrame]

    def head(self, rows: int) -> Written:
        """The same delivery cut to its first rows (a small base for file-level faults)."""
        return Written(
            self.path,
            self.manifest,
            {c: f.head(rows) for c, f in self.files.items()},
            {},
        )


def build(
    quarter: Quarter,
    group: Group,
    parts: list[DeliveryPart],
    other_organiser: str,
    seed: int,
    rng: np.random.Generator,
) -> Written:
    """The files of one delivery: true rows with defaults-to-be left empty, injected rows."""
    by_component = {p.component: p for p in parts}
    ii = by_component.get(CLIENT_PERIODS.name)
    files: dict[str, pl.DataFrame] = {}
    accepted: dict[str, pl.DataFrame] = {}
    safe_birth = quarter.start - dt.timedelta(days=SAFE_AGE_DAYS)
    # II first: its injected rows decide whose service task may be inferred in IV and V
    ordered = sorted(parts, key=lambda p: p.component != CLIENT_PERIODS.name)
    disturbed: set[int] = set()
    counts = _task_counts(ii.rows if ii else None)
    for part in ordered:
        target = Target(part.component, quarter, group.organiser, other_organiser)
        rows = part.rows.join(counts, on="person", how="left", maintain_order="left")
        rows = rows.with_columns(
            pl.col("_tasks").fill_null(0),
            _disturbed=pl.col("person").is_in(list(disturbed)),
        )
        injected = []
        for rule, n in sorted(part.injected.items()):
            injection = BY_RULE[rule]
            base = rows.filter(pl.col("birth") < safe_birth)
            if injection.needs_ambiguous:
                base = base.filter((pl.col("_tasks") >= 2) & ~pl.col("_disturbed"))
            if base.height == 0:
                continue
            picked = base[rng.integers(0, base.height, n)]
            if part.component == CLIENT_PERIODS.name:
                disturbed.update(picked["person"].to_list())
            mutated = injection.mutate(_text(picked, part.component), target, rng)
            injected.append(mutated.with_columns(_rule=pl.lit(rule)))
        rows, true_text = _leave_empty(rows, part.component, quarter, rng)
        accepted[part.component] = rows
        everything = pl.concat(
            [true_text.with_columns(_rule=pl.lit(None, dtype=pl.String)), *injected]
        )
        if everything.height == 0:
            # a header without rows is an empty file (FILE_EMPTY): nothing to deliver
            continue
        order = rng.permutation(everything.height)
        files[part.component] = everything[order].with_columns(
            _line=pl.int_range(2, everything.height + 2, dtype=pl.Int64)
        )
    components = [c for c in COMPONENTS if c in files]
    manifest = {
        "versio": FORMAT_VERSION,
        "jarjestaja": group.organiser,
        "kuntaryhma": group.name,
        "seurantajakso": str(quarter),
        "osat": components,
        "rajaukset": {},
        "kuvaus": (
            "Synteettinen aineisto (sosdata synth, siemen "
            f"{seed}): asiakastietojärjestelmän poiminta, erotettu Kanta-arkiston osuudesta."
        ),
    }
    return Written(path_of(quarter, group), manifest, {c: files[c] for c in components}, accepted)


def _leave_empty(
    rows: pl.DataFrame, component: str, quarter: Quarter, rng: np.random.Generator
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Leave some fields empty where SPEC §4 defaults give them back (and record the truth:
    an omitted decision date stays unknown). Returns (accepted typed rows, delivered text)."""
    text = _text(rows, component)
    if component not in (DECISIONS.name, SERVICES.name):
        return rows, text
    n = rows.height
    inferable = (
        (pl.col("_tasks") == 1)
        & (pl.col("_only") == pl.col("palvelutehtava"))
        & ~pl.col("_disturbed")
    )
    drawn = pl.lit(rng.random(n) < OMIT_TASK)
    omit_task = rows.select(inferable & drawn).to_series()
    if component == SERVICES.name:
        # V's task is optional: left out for a client with several tasks too, it stays unknown
        # in the register (the same draw, so the rest of the data does not move)
        several = (pl.col("_tasks") >= 2) & ~pl.col("_disturbed")
        unknown = rows.select(several & drawn).to_series()
        omit_task = omit_task | unknown
        rows = rows.with_columns(
            palvelutehtava=pl.when(pl.lit(unknown)).then(None).otherwise("palvelutehtava")
        )
    text = text.with_columns(
        palvelutehtava=pl.when(pl.lit(omit_task)).then(None).otherwise(pl.col("palvelutehtava"))
    )
    if component == SERVICES.name:
        return rows, text
    omit_type = (rows["paatoksen_tyyppi"] == "1") & pl.Series(rng.random(n) < OMIT_TYPE)
    omit_from = (rows["voimassa_alkaen"] == rows["paatospvm"]) & pl.Series(
        rng.random(n) < OMIT_VALID_FROM
    )
    # a decision date may be left out only when it is before the quarter (the default), and
    # then the valid-from date must stay
    omit_date = (
        (rows["paatospvm"] < quarter.start)
        & pl.Series(rng.random(n) < OMIT_DECISION_DATE)
        & ~omit_from
    )
    text = text.with_columns(
        paatoksen_tyyppi=pl.when(pl.lit(omit_type)).then(None).otherwise("paatoksen_tyyppi"),
        voimassa_alkaen=pl.when(pl.lit(omit_from)).then(None).otherwise("voimassa_alkaen"),
        paatospvm=pl.when(pl.lit(omit_date)).then(None).otherwise("paatospvm"),
    )
    rows = rows.with_columns(paatospvm=pl.when(pl.lit(omit_date)).then(None).otherwise("paatospvm"))
    return rows, text


# ----------------------------------------------------------------------------- writing


def csv_bytes(frame: pl.DataFrame, component: str) -> bytes:
    buffer = io.BytesIO()
    frame.select(COMPONENTS[component].column_names).write_csv(
        buffer, separator=";", null_value="", line_terminator="\n"
    )
    return buffer.getvalue()


def manifest_bytes(manifest: dict) -> bytes:
    return (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def zip_bytes(members: list[tuple[str, bytes]]) -> bytes:
    """A ZIP whose bytes depend only on the members: fixed times, order and attributes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            archive.writestr(info, data, compresslevel=ZIP_LEVEL)
    return buffer.getvalue()


def members_of(written: Written) -> list[tuple[str, bytes]]:
    return [("manifest.json", manifest_bytes(written.manifest))] + [
        (COMPONENTS[c].filename, csv_bytes(frame, c)) for c, frame in written.files.items()
    ]
