"""Apply the rule catalogue to a delivery and decide whether it is accepted.

A delivery is rejected when any file-level error is found, or when more than
``settings.error_threshold`` of a component's rows are in error. Otherwise rows with errors are
rejected and the rest accepted, typed (``Component.schema``) with the defaults of SPEC §4 IV/V
applied. Every check is a Polars expression over whole columns; all of a component's checks run
in one ``select`` so that Polars evaluates them in parallel.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from sosdata import codes, fixedwidth, identity
from sosdata import organisers as organiser_register
from sosdata.components import COMPONENTS, DEFAULT_DECISION_TYPE, Component, Kind, get
from sosdata.config import Settings
from sosdata.delivery import manifest as manifests
from sosdata.delivery import rules
from sosdata.delivery.manifest import Manifest
from sosdata.delivery.reader import (
    MANIFEST_NAME,
    FileIssue,
    FileProblem,
    Package,
    component_of,
    open_package,
    read_csv,
    require_columns,
)
from sosdata.delivery.report import ComponentCheck, ComponentSummary, Report
from sosdata.delivery.rules import Context, Level, Severity
from sosdata.errors import UserError
from sosdata.periods import Quarter

#: the order components are checked in: IV and V take service-task defaults from II
ORDER = ("asiakkuusjaksot", "lastensuojelu", "palvelupaatokset", "palvelutiedot")
_ONLY_TASK = "_only_task"
_REJECTED = "_rejected"
#: whose periods must not overlap: a person's in one service task (II), a person's (III)
_OVERLAP_KEYS = {
    "asiakkuusjaksot": ["henkilotunnus", "palvelutehtava"],
    "lastensuojelu": ["henkilotunnus"],
}
_FAR_FUTURE = dt.date(9999, 12, 31)
_EPOCH = dt.date(1970, 1, 1)


class DeliveryUsageError(UserError):
    """The validator was called wrongly (e.g. a CSV whose component cannot be told)."""


@dataclass
class ValidationResult:
    accepted: bool
    manifest: Manifest | None
    #: accepted rows per component, typed, defaults applied, with ``_line``
    rows: dict[str, pl.DataFrame]
    report: Report
    #: counts of defaults applied per component and column (also in the report)
    defaults_applied: dict[str, dict[str, int]] = field(default_factory=dict)


# --- context ---------------------------------------------------------------------------------


def _context(
    component: Component, period: Quarter, settings: Settings, organiser: str | None
) -> Context:
    codes_dir = settings.codes_dir
    names = {c.codeset for comp in COMPONENTS.values() for c in comp.columns if c.codeset}
    valid = {n: codes.load(n, codes_dir).valid_during(period.start, period.end) for n in names}
    register = organiser_register.load(settings.data_dir)
    return Context(
        component=component,
        period=period,
        codes=valid,
        reported_tasks=[
            t for t in codes.reported_service_tasks(codes_dir) if t in valid["palvelutehtava"]
        ],
        organisers=[o.oid for o in register],
        municipality_organiser={
            m: number for number, o in enumerate(register) for m in o.municipalities
        },
        manifest_organiser=organiser,
    )


# --- preparing a component's rows --------------------------------------------------------------


def _identity_facts(codes: pl.Series) -> pl.DataFrame:
    return identity.facts(codes).rename(
        {
            "reason": rules.HETU_INVALID,
            "birth_date": rules.BIRTH_DATE,
            "sex": rules.HETU_SEX,
            "temporary": rules.HETU_IS_TEMPORARY,
        }
    )


def _range(component: Component) -> list[pl.Expr]:
    start = pl.col(rules.date_column(component.start))
    if component.name == "palvelupaatokset":
        # valid from defaults to the decision date (SPEC §4 IV)
        start = pl.coalesce(start, pl.col(rules.date_column("paatospvm")))
    return [
        start.alias(rules.RANGE_START),
        pl.col(rules.date_column(component.end)).alias(rules.RANGE_END),
    ]


@dataclass(frozen=True)
class _KeyGroups:
    """The rows that share their keys with another row: their indices, grouped, and a dense
    group number for each."""

    rows: pl.Series
    group: pl.Series


def _key_groups(frame: pl.DataFrame, keys: list[str]) -> _KeyGroups:
    """Groups are found by sorting a 64-bit hash of the keys (cheaper than a hash table on
    millions of rows). Two keys sharing a hash could at worst raise a warning needlessly;
    warnings never reject a row."""
    hashes = frame.select(keys).hash_rows()
    order = hashes.arg_sort()
    ordered = hashes.gather(order)
    first_of_group = (ordered != ordered.shift(1)).fill_null(True)
    repeated = ~first_of_group | (ordered == ordered.shift(-1)).fill_null(False)
    return _KeyGroups(
        order.filter(repeated), first_of_group.cum_sum().filter(repeated).cast(pl.Int64)
    )


def _by_start(prepared: pl.DataFrame, groups: _KeyGroups) -> pl.DataFrame:
    """The grouped rows ordered by group and range start. Columns: ``_i`` row index, ``_g``
    group number, ``_s``/``_e`` range start and end in days (null end = open). One integer
    sort: the rows of repeated groups, a minority, by group number × 2^bits + start."""
    days = prepared.select(
        pl.col(rules.RANGE_START).cast(pl.Int32).alias("_s"),
        pl.col(rules.RANGE_END).cast(pl.Int32).alias("_e"),
    )[groups.rows]
    start = days.get_column("_s")
    lowest, highest = start.min() or 0, start.max() or 0
    bits = int(highest - lowest + 2).bit_length()  # one more value: a missing start sorts last
    position = start.fill_null(highest + 1) - lowest
    order = (groups.group * 2**bits + position.cast(pl.Int64)).arg_sort()
    return pl.DataFrame({"_i": groups.rows, "_g": groups.group}).hstack(days)[order]


def _duplicates(frame: pl.DataFrame, grouped: pl.DataFrame, columns: list[str]) -> pl.Series:
    """True on rows that repeat an earlier row exactly. Such rows share every key and start, so
    only rows next to an equal (group, start) in ``grouped`` are compared in full."""
    same_as = [
        (pl.col("_g") == pl.col("_g").shift(n)) & pl.col("_s").eq_missing(pl.col("_s").shift(n))
        for n in (1, -1)
    ]
    candidates = grouped.filter(pl.any_horizontal(same_as).fill_null(False)).get_column("_i")
    mask = np.zeros(frame.height, dtype=bool)
    if candidates.len():
        candidates = candidates.sort()  # file order: the first of equal rows is no duplicate
        repeats = frame.select(columns)[candidates].select(~pl.struct(columns).is_first_distinct())
        mask[candidates.filter(repeats.to_series()).to_numpy()] = True
    return pl.Series(rules.DUPLICATE, mask)


def _overlaps(frame: pl.DataFrame, grouped: pl.DataFrame, keys: list[str]) -> pl.Series:
    """True on rows whose range overlaps another row's with the same keys (null end = open).

    In ``grouped`` order, a row overlaps an earlier one when it starts on or before the latest
    end so far in its group, and a later one when the next row of its group starts on or before
    its end. The group-wise running maximum is a global running maximum of
    ``group * 2**32 + end`` (groups ascend).
    """
    mask = np.zeros(frame.height, dtype=bool)
    complete = pl.all_horizontal(pl.col(k).is_not_null() for k in keys)
    usable = frame.select(complete).to_series().gather(grouped.get_column("_i"))
    work = grouped.filter(usable & grouped.get_column("_s").is_not_null()).with_columns(
        pl.col("_e").fill_null((_FAR_FUTURE - _EPOCH).days)
    )
    if work.height:
        offset = 2**31
        new_group = (pl.col("_g") != pl.col("_g").shift(1)).fill_null(True)
        group = pl.col("_g") * 2**32
        running_end = (group + pl.col("_e") + offset).cum_max().shift(1) - group - offset
        same_as_next = (pl.col("_g") == pl.col("_g").shift(-1)).fill_null(False)
        hits = work.filter(
            (~new_group & (pl.col("_s") <= running_end))
            | (same_as_next & (pl.col("_s").shift(-1) <= pl.col("_e")))
        ).get_column("_i")
        mask[hits.to_numpy()] = True
    return pl.Series(rules.OVERLAPS, mask)


def _prepare(
    frame: pl.DataFrame, component: Component, ctx: Context, tasks_in_ii: pl.DataFrame | None
) -> pl.DataFrame:
    dates = [c.name for c in component.columns if c.kind is Kind.DATE]
    overlap_keys = _OVERLAP_KEYS.get(component.name)
    derived = [
        *_identity_facts(frame.get_column("henkilotunnus")),
        *(fixedwidth.iso_dates(frame.get_column(c)).alias(rules.date_column(c)) for c in dates),
    ]
    prepared = frame.hstack(derived).with_columns(*_range(component), *ctx.derived_columns())
    grouped = _by_start(prepared, _key_groups(frame, overlap_keys or ["henkilotunnus"]))
    prepared = prepared.with_columns(_duplicates(prepared, grouped, component.column_names))
    if overlap_keys:
        prepared = prepared.with_columns(_overlaps(prepared, grouped, overlap_keys))
    if component.name in ("palvelupaatokset", "palvelutiedot"):
        if tasks_in_ii is None:
            tasks_in_ii = pl.DataFrame(
                schema={
                    "henkilotunnus": pl.String,
                    rules.TASKS_IN_II: pl.UInt32,
                    _ONLY_TASK: pl.String,
                }
            )
        prepared = prepared.join(tasks_in_ii, on="henkilotunnus", how="left", maintain_order="left")
    return prepared


def _tasks_per_person(accepted_ii: pl.DataFrame) -> pl.DataFrame:
    task = pl.col("palvelutehtava")
    return accepted_ii.group_by("henkilotunnus").agg(
        task.n_unique().cast(pl.UInt32).alias(rules.TASKS_IN_II), task.first().alias(_ONLY_TASK)
    )


# --- accepted rows and defaults --------------------------------------------------------------


def _typed(component: Component) -> list[pl.Expr]:
    """The accepted row in ``Component.schema`` with SPEC §4 defaults filled in where a value
    stands for one."""
    out: list[pl.Expr] = [pl.col(rules.LINE)]
    for column in component.columns:
        if column.kind is Kind.DATE:
            value = pl.col(rules.date_column(column.name))
        else:
            value = pl.col(column.name)
        if column.name == "palvelutehtava" and not column.required:
            value = pl.coalesce(value, pl.col(_ONLY_TASK))
        elif component.name == "palvelupaatokset" and column.name == "voimassa_alkaen":
            value = pl.coalesce(value, pl.col(rules.date_column("paatospvm")))
        elif column.name == "paatoksen_tyyppi":
            value = value.fill_null(pl.lit(DEFAULT_DECISION_TYPE))
        out.append(value.cast(column.dtype).alias(column.name))
    return out


def _defaults_applied(
    prepared: pl.DataFrame, component: Component, rejected: pl.Series | None
) -> dict[str, int]:
    """How many accepted rows had each column with a SPEC §4 default empty."""
    with_default = [c.name for c in component.columns if c.default is not None]
    if not with_default:
        return {}
    accepted = ~rejected if rejected is not None else pl.lit(True)
    counts = prepared.select((pl.col(c).is_null() & accepted).sum() for c in with_default).row(0)
    return dict(zip(with_default, (int(n) for n in counts), strict=True))


# --- checking one component ------------------------------------------------------------------


def check_component(
    frame: pl.DataFrame,
    component: Component,
    file: str,
    ctx: Context,
    tasks_in_ii: pl.DataFrame | None = None,
) -> tuple[ComponentCheck, pl.DataFrame]:
    """Run every row rule on a component's rows; return the findings and the accepted rows."""
    prepared = _prepare(frame, component, ctx, tasks_in_ii)
    targets = [(r, c) for r in rules.ROW_RULES for c in r.columns(component)]
    keys = [f"{r.id}\t{c}" for r, c in targets]
    flags = prepared.select(
        r.check(ctx, c).fill_null(False).alias(k) for (r, c), k in zip(targets, keys, strict=True)
    )
    error_keys = [
        k for (r, _), k in zip(targets, keys, strict=True) if r.severity is Severity.ERROR
    ]
    counts = dict(zip(keys, (int(n) for n in flags.sum().row(0)), strict=True))
    rejected = flags.select(pl.any_horizontal(error_keys)).to_series() if error_keys else None
    accepted = prepared.lazy()
    if rejected is not None:
        accepted = accepted.with_columns(rejected.alias(_REJECTED)).filter(~pl.col(_REJECTED))
    accepted = accepted.select(_typed(component)).collect()
    defaults = _defaults_applied(prepared, component, rejected)
    n_rejected = prepared.height - accepted.height
    check = ComponentCheck(
        component=component,
        file=file,
        ctx=ctx,
        prepared=prepared,
        flags=flags,
        targets=targets,
        counts=counts,
        summary=ComponentSummary(
            file=file,
            rows=prepared.height,
            accepted_rows=accepted.height,
            rejected_rows=n_rejected,
            defaults_applied=defaults,
        ),
    )
    return check, accepted


def _too_many_errors(
    summary: ComponentSummary, component: str, threshold: float
) -> FileIssue | None:
    if summary.rows == 0 or summary.rejected_rows / summary.rows <= threshold:
        return None
    return FileIssue(
        rules.TOO_MANY_ERRORS,
        summary.file,
        component=component,
        params={
            "errors": summary.rejected_rows,
            "rows": summary.rows,
            "share": f"{summary.rejected_rows / summary.rows:.1%}",
            "limit": f"{threshold:.1%}",
        },
    )


def _as_text_frame(frame: pl.DataFrame, component: Component, file: str) -> pl.DataFrame:
    require_columns(frame.columns, file, component)
    line = (
        pl.col(rules.LINE).cast(pl.Int64)
        if rules.LINE in frame.columns
        else pl.int_range(2, pl.len() + 2, dtype=pl.Int64).alias(rules.LINE)
    )
    return frame.select(line, *(pl.col(c).cast(pl.String) for c in component.column_names))


Step = Callable[[str], None]


def _run(
    frames: dict[str, tuple[pl.DataFrame, str]],
    *,
    period: Quarter,
    settings: Settings,
    organiser: str | None,
    manifest: Manifest | None,
    file_issues: list[FileIssue],
    lang: str,
    step: Step,
) -> ValidationResult:
    checks: list[ComponentCheck] = []
    rows: dict[str, pl.DataFrame] = {}
    tasks_in_ii: pl.DataFrame | None = None
    for name in ORDER:
        if name not in frames:
            continue
        component = COMPONENTS[name]
        frame, file = frames[name]
        step(f"{file}: checking {frame.height:,} rows")
        ctx = _context(component, period, settings, organiser)
        check, accepted = check_component(frame, component, file, ctx, tasks_in_ii)
        if name == "asiakkuusjaksot" and {"palvelupaatokset", "palvelutiedot"} & set(frames):
            tasks_in_ii = _tasks_per_person(accepted)
        issue = _too_many_errors(check.summary, name, settings.error_threshold)
        if issue is not None:
            file_issues.append(issue)
        checks.append(check)
        rows[name] = accepted
    accepted_delivery = not any(
        rules.get(i.rule).severity is Severity.ERROR and rules.get(i.rule).level is Level.FILE
        for i in file_issues
    )
    step("report")
    report = Report(
        accepted=accepted_delivery,
        period=str(period),
        organiser=organiser,
        lang=lang,
        file_issues=file_issues,
        checks=checks,
        threshold=settings.error_threshold,
    )
    return ValidationResult(
        accepted=accepted_delivery,
        manifest=manifest,
        rows=rows,
        report=report,
        defaults_applied={c.component.name: c.summary.defaults_applied for c in checks},
    )


def validate_frames(
    frames: dict[str, pl.DataFrame],
    *,
    period: Quarter,
    settings: Settings,
    organiser: str | None,
    source: str,
    lang: str = "fi",
) -> ValidationResult:
    """Check rows already in memory, keyed by component name (every column a string, plus
    ``_line``), exactly as a delivered file's rows would be checked. ``source`` names them in
    the report (e.g. the Kanta extract's file)."""
    issues: list[FileIssue] = []
    text_frames: dict[str, tuple[pl.DataFrame, str]] = {}
    for name, frame in frames.items():
        component = COMPONENTS[name]
        file = f"{source}:{name}"
        try:
            text_frames[name] = (_as_text_frame(frame, component, file), file)
        except FileProblem as problem:
            issues.append(problem.issue)
    return _run(
        text_frames,
        period=period,
        settings=settings,
        organiser=organiser,
        manifest=None,
        file_issues=issues,
        lang=lang,
        step=lambda _: None,
    )


# --- a package on disk -----------------------------------------------------------------------


def _manifest_issues(
    found: Manifest,
    period: Quarter,
    organiser: str | None,
    municipality_group: str | None,
    settings: Settings,
) -> list[FileIssue]:
    issues = []
    if found.seurantajakso != str(period):
        issues.append(
            FileIssue(
                rules.MANIFEST_PERIOD_MISMATCH,
                MANIFEST_NAME,
                params={"found": found.seurantajakso, "expected": str(period)},
            )
        )
    if organiser is not None and found.jarjestaja != organiser:
        issues.append(
            FileIssue(
                rules.MANIFEST_ORGANISER_MISMATCH,
                MANIFEST_NAME,
                params={"found": found.jarjestaja, "expected": organiser},
            )
        )
    elif found.jarjestaja not in organiser_register.load(settings.data_dir):
        issues.append(
            FileIssue(
                rules.MANIFEST_INVALID,
                MANIFEST_NAME,
                params={
                    "where": " (jarjestaja)",
                    "reason": f"{found.jarjestaja} is not in the organiser register",
                },
            )
        )
    if municipality_group is not None and found.kuntaryhma != municipality_group:
        issues.append(
            FileIssue(
                rules.MANIFEST_GROUP_MISMATCH,
                MANIFEST_NAME,
                params={"found": found.kuntaryhma, "expected": municipality_group},
            )
        )
    return issues


@contextmanager
def _progress(enabled: bool) -> Iterator[Step]:
    if not enabled:
        yield lambda _: None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("", total=None)
        yield lambda text: bar.update(task, description=text)


def validate_path(
    path: Path | str,
    period: Quarter,
    *,
    settings: Settings,
    organiser: str | None = None,
    component: str | None = None,
    municipality_group: str | None = None,
    lang: str = "fi",
    progress: bool = False,
) -> ValidationResult:
    """Check a delivery: a ZIP, a folder, or one component CSV.

    For a single CSV the component comes from its file name or ``component``, and the
    manifest's facts from ``period``, ``organiser`` and ``municipality_group``.
    """
    path = Path(path)
    with _progress(progress) as step:
        step(f"{path.name}: opening")
        try:
            package = open_package(path)
        except FileProblem as problem:
            return _run(
                {},
                period=period,
                settings=settings,
                organiser=organiser,
                manifest=None,
                file_issues=[problem.issue],
                lang=lang,
                step=step,
            )
        try:
            return _validate_package(
                package, period, settings, organiser, component, municipality_group, lang, step
            )
        finally:
            package.close()


def _validate_package(
    package: Package,
    period: Quarter,
    settings: Settings,
    organiser: str | None,
    component: str | None,
    municipality_group: str | None,
    lang: str,
    step: Step,
) -> ValidationResult:
    issues: list[FileIssue] = []
    found: Manifest | None = None
    wanted: dict[str, str] = {}  # component → member name
    if package.kind == "csv":
        (name,) = package.members
        chosen = _single_component(name, component)
        found = manifests.from_options(str(period), chosen.name, organiser, municipality_group)
        wanted[chosen.name] = name
    else:
        if component is not None:
            raise DeliveryUsageError(
                "--component applies to a single CSV file; a ZIP or folder names its "
                "components in manifest.json"
            )
        if MANIFEST_NAME in package.members:
            try:
                found = manifests.parse(package.read(MANIFEST_NAME))
            except FileProblem as problem:
                issues.append(problem.issue)
        else:
            issues.append(FileIssue(rules.MANIFEST_MISSING, package.path.name))
        for name in package.members:
            if name == MANIFEST_NAME:
                continue
            found_component = component_of(name)
            if found_component is None or found_component.name in wanted:
                # not a component file, or a second file of one (names differing in case)
                issues.append(FileIssue(rules.FILE_UNKNOWN, package.members[name]))
            elif found is not None and found_component.name not in found.osat:
                issues.append(
                    FileIssue(
                        rules.COMPONENT_NOT_DECLARED,
                        package.members[name],
                        component=found_component.name,
                        params={"component": found_component.name},
                    )
                )
            else:
                wanted[found_component.name] = name
        if found is not None:
            for declared in found.osat:
                if declared not in wanted:
                    issues.append(
                        FileIssue(
                            rules.COMPONENT_DECLARED_MISSING,
                            COMPONENTS[declared].filename,
                            component=declared,
                            params={"component": declared},
                        )
                    )
            issues += _manifest_issues(found, period, organiser, municipality_group, settings)
    frames: dict[str, tuple[pl.DataFrame, str]] = {}
    for name in ORDER:
        if name not in wanted:
            continue
        member = wanted[name]
        display = package.members[member]
        step(f"{display}: reading")
        try:
            frames[name] = (read_csv(package.read(member), display, COMPONENTS[name]), display)
        except FileProblem as problem:
            issues.append(problem.issue)
    the_organiser = found.jarjestaja if found is not None and found.jarjestaja else organiser
    return _run(
        frames,
        period=period,
        settings=settings,
        organiser=the_organiser,
        manifest=found,
        file_issues=issues,
        lang=lang,
        step=step,
    )


def _single_component(name: str, component: str | None) -> Component:
    if component is not None:
        try:
            return get(component)
        except KeyError:
            raise DeliveryUsageError(
                f"--component {component!r}: choose one of {', '.join(COMPONENTS)}"
            ) from None
    # a lone file may carry more in its name (2023Q1_asiakkuusjaksot.csv) if it names one
    named = [c for c in COMPONENTS.values() if c.name in Path(name).name.lower()]
    found = component_of(name) or (named[0] if len(named) == 1 else None)
    if found is None:
        raise DeliveryUsageError(
            f"{name}: cannot tell the component from the file name; name the file after its "
            f"component ({', '.join(c.filename for c in COMPONENTS.values())}) or give "
            "--component"
        )
    return found
