"""Apply the rule catalogue to a delivery and decide whether it is accepted.

A delivery is rejected when any file-level error is found, or when more than
``settings.error_threshold`` of a component's rows are in error. Otherwise rows with errors are
rejected and the rest accepted, typed (``Component.schema``) with the defaults of SPEC §4 IV/V
applied. Every check is a Polars expression over whole columns, evaluated in parallel in one
``select``; the checks that compare rows sharing keys follow in a second, once the grouping
(which runs beside the first) is done.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import polars as pl

from sosdata import codes, fixedwidth, identity
from sosdata import organisers as organiser_register
from sosdata.components import (
    COMPONENTS,
    DEFAULT_DECISION_TYPE,
    Component,
    Kind,
    get,
    no_end_as_null,
)
from sosdata.config import Settings
from sosdata.delivery import grouping, rules
from sosdata.delivery import manifest as manifests
from sosdata.delivery.manifest import Manifest
from sosdata.delivery.reader import (
    MANIFEST_NAME,
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
from sosdata.findings import Finding
from sosdata.periods import Quarter
from sosdata.progress import Progress, say

#: the order components are checked in: IV and V take service-task defaults from II
ORDER = ("asiakkuusjaksot", "lastensuojelu", "palvelupaatokset", "palvelutiedot")
_ONLY_TASK = "_only_task"
#: the columns that compare rows sharing keys (see ``grouping``)
_SHARED_KEY_COLUMNS = {rules.DUPLICATE, rules.OVERLAPS}
_REJECTED = "_rejected"
#: whose periods must not overlap: a person's in one service task (II), a person's (III)
_OVERLAP_KEYS = {
    "asiakkuusjaksot": ["henkilotunnus", "palvelutehtava"],
    "lastensuojelu": ["henkilotunnus"],
}


class DeliveryUsageError(UserError):
    """The validator was called wrongly (e.g. a CSV whose component cannot be told)."""


@dataclass
class ValidationResult:
    accepted: bool
    manifest: Manifest | None
    report: Report
    #: per component, the query of its accepted rows (see :attr:`rows`)
    accepted_rows: dict[str, pl.LazyFrame]
    #: counts of defaults applied per component and column (also in the report)
    defaults_applied: dict[str, dict[str, int]] = field(default_factory=dict)

    @cached_property
    def rows(self) -> dict[str, pl.DataFrame]:
        """Accepted rows per component, typed, defaults applied, with ``_line``; gathered when
        first asked for (a check that only reports never needs them)."""
        frames = pl.collect_all(self.accepted_rows.values())
        return dict(zip(self.accepted_rows, frames, strict=True))


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


def _duplicates(frame: pl.DataFrame, same_start: np.ndarray, columns: list[str]) -> pl.Series:
    """True on rows that repeat an earlier row exactly. Such rows share every key and start, so
    only rows with ``same_start`` are compared in full."""
    mask = np.zeros(frame.height, dtype=bool)
    candidates = pl.Series(np.flatnonzero(same_start))  # in file order: the first is no duplicate
    if candidates.len():
        repeats = frame.select(columns)[candidates].select(~pl.struct(columns).is_first_distinct())
        mask[candidates.filter(repeats.to_series()).to_numpy()] = True
    return pl.Series(rules.DUPLICATE, mask)


def _prepare(
    frame: pl.DataFrame,
    component: Component,
    ctx: Context,
    tasks_in_ii: pl.DataFrame | None,
    pool: ThreadPoolExecutor,
) -> tuple[pl.DataFrame, Future[list[pl.Series]]]:
    """The rows with the columns the rules read; the columns comparing rows that share keys
    (duplicates, overlaps) come later, from ``pool``.

    The compiled loops (``fixedwidth``, ``identity``, ``grouping``) let go of the interpreter,
    so the grouping, the identity facts and the Polars work run side by side; the grouping,
    the longest, starts first."""
    overlap_keys = _OVERLAP_KEYS.get(component.name)
    groups = pool.submit(grouping.groups, frame, overlap_keys or ["henkilotunnus"])
    facts = pool.submit(_identity_facts, frame.get_column("henkilotunnus"))
    dates = [
        fixedwidth.iso_dates(frame.get_column(c.name)).alias(rules.date_column(c.name))
        for c in component.columns
        if c.kind is Kind.DATE
    ]
    ranges = pl.DataFrame(dates).select(_range(component))
    shared = pool.submit(_shared_key_columns, frame, component, ranges, groups, bool(overlap_keys))
    # while the identity facts are read
    lookups = ctx.organiser_columns(frame) + ctx.code_columns(frame)
    prepared = frame.hstack([*facts.result(), *dates, *ranges, *lookups])
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
    return prepared, shared


def _shared_key_columns(
    frame: pl.DataFrame,
    component: Component,
    ranges: pl.DataFrame,
    groups: Future[grouping.Groups],
    overlaps: bool,
) -> list[pl.Series]:
    shared = grouping.compare(
        groups.result(),
        ranges.get_column(rules.RANGE_START),
        ranges.get_column(rules.RANGE_END),
        overlaps=overlaps,
    )
    columns = [_duplicates(frame, shared.same_start, component.column_names)]
    if overlaps:
        columns.append(pl.Series(rules.OVERLAPS, shared.overlaps))
    return columns


def _tasks_per_person(accepted_ii: pl.LazyFrame) -> pl.LazyFrame:
    task = pl.col("palvelutehtava")
    tasks = task.n_unique().cast(pl.UInt32)
    # the only task, where there is one: a task-less IV/V row of a person with several is kept
    # with its task unknown
    only = pl.when(tasks == 1).then(task.first())
    return accepted_ii.group_by("henkilotunnus").agg(
        tasks.alias(rules.TASKS_IN_II), only.alias(_ONLY_TASK)
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
        elif column.name == component.start:
            value = pl.col(rules.RANGE_START)  # IV: valid from defaults to the decision date
        elif column.name == "paatoksen_tyyppi":
            value = value.fill_null(pl.lit(DEFAULT_DECISION_TYPE))
        elif column.name == component.end:
            value = no_end_as_null(value)  # 9999-12-31: no end, as in the Kanta extract
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
) -> tuple[ComponentCheck, pl.LazyFrame]:
    """Run every row rule on a component's rows; return the findings and the query of the
    accepted rows."""
    targets = [(r, c) for r in rules.ROW_RULES for c in r.columns(component)]
    keys = [f"{r.id}\t{c}" for r, c in targets]
    checks = [
        r.check(ctx, c).fill_null(False).alias(k) for (r, c), k in zip(targets, keys, strict=True)
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        prepared, shared = _prepare(frame, component, ctx, tasks_in_ii, pool)
        # the rules that do not compare rows run while the grouping does
        later = [_SHARED_KEY_COLUMNS & set(c.meta.root_names()) for c in checks]
        flags = prepared.select(c for c, wait in zip(checks, later, strict=True) if not wait)
        prepared = prepared.hstack(shared.result())
    flags = flags.hstack(
        prepared.select(c for c, wait in zip(checks, later, strict=True) if wait)
    ).select(keys)
    error_keys = [
        k for (r, _), k in zip(targets, keys, strict=True) if r.severity is Severity.ERROR
    ]
    counts = dict(zip(keys, (int(n) for n in flags.sum().row(0)), strict=True))
    rejected = flags.select(pl.any_horizontal(error_keys)).to_series() if error_keys else None
    accepted = prepared.lazy()
    if rejected is not None:
        accepted = accepted.with_columns(rejected.alias(_REJECTED)).filter(~pl.col(_REJECTED))
    n_rejected = int(rejected.sum()) if rejected is not None else 0
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
            accepted_rows=prepared.height - n_rejected,
            rejected_rows=n_rejected,
            defaults_applied=_defaults_applied(prepared, component, rejected),
        ),
    )
    return check, accepted.select(_typed(component))


def _too_many_errors(summary: ComponentSummary, component: str, threshold: float) -> Finding | None:
    if summary.rows == 0 or summary.rejected_rows / summary.rows <= threshold:
        return None
    return rules.finding(
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
    file_issues: list[Finding],
    lang: str,
    step: Step,
) -> ValidationResult:
    checks: list[ComponentCheck] = []
    accepted_rows: dict[str, pl.LazyFrame] = {}
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
            tasks_in_ii = _tasks_per_person(accepted).collect()
        issue = _too_many_errors(check.summary, name, settings.error_threshold)
        if issue is not None:
            file_issues.append(issue)
        checks.append(check)
        accepted_rows[name] = accepted
    accepted_delivery = not any(
        i.is_error and rules.get(i.code).level is Level.FILE for i in file_issues
    )
    if not accepted_delivery:
        # a rejected delivery accepts no row, as the report's text says
        for check in checks:
            check.summary.accepted_rows = 0
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
        report=report,
        accepted_rows=accepted_rows,
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
    issues: list[Finding] = []
    text_frames: dict[str, tuple[pl.DataFrame, str]] = {}
    for name, frame in frames.items():
        component = COMPONENTS[name]
        file = f"{source}:{name}"
        try:
            text_frames[name] = (_as_text_frame(frame, component, file), file)
        except FileProblem as problem:
            issues.append(problem.finding)
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
) -> list[Finding]:
    issues = []
    if found.seurantajakso != str(period):
        issues.append(
            rules.finding(
                rules.MANIFEST_PERIOD_MISMATCH,
                MANIFEST_NAME,
                params={"found": found.seurantajakso, "expected": str(period)},
            )
        )
    if organiser is not None and found.jarjestaja != organiser:
        issues.append(
            rules.finding(
                rules.MANIFEST_ORGANISER_MISMATCH,
                MANIFEST_NAME,
                params={"found": found.jarjestaja, "expected": organiser},
            )
        )
    elif found.jarjestaja not in organiser_register.load(settings.data_dir):
        issues.append(
            rules.finding(
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
            rules.finding(
                rules.MANIFEST_GROUP_MISMATCH,
                MANIFEST_NAME,
                params={"found": found.kuntaryhma, "expected": municipality_group},
            )
        )
    return issues


def validate_path(
    path: Path | str,
    period: Quarter,
    *,
    settings: Settings,
    organiser: str | None = None,
    component: str | None = None,
    municipality_group: str | None = None,
    lang: str = "fi",
    progress: Progress | None = None,
) -> ValidationResult:
    """Check a delivery: a ZIP, a folder, or one component CSV.

    For a single CSV the component comes from its file name or ``component``, and the
    manifest's facts from ``period``, ``organiser`` and ``municipality_group``.
    """
    path = Path(path)
    step = say(progress)
    step(f"{path.name}: opening")
    try:
        package = open_package(path, settings)
    except FileProblem as problem:
        return _run(
            {},
            period=period,
            settings=settings,
            organiser=organiser,
            manifest=None,
            file_issues=[problem.finding],
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
    issues: list[Finding] = []
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
                issues.append(problem.finding)
        else:
            issues.append(rules.finding(rules.MANIFEST_MISSING, package.path.name))
        for name in package.members:
            if name == MANIFEST_NAME:
                continue
            found_component = component_of(name)
            if found_component is None or found_component.name in wanted:
                # not a component file, or a second file of one (names differing in case)
                issues.append(rules.finding(rules.FILE_UNKNOWN, package.members[name]))
            elif found is not None and found_component.name not in found.osat:
                issues.append(
                    rules.finding(
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
                        rules.finding(
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
            data = package.contents(member)
            frame = read_csv(data, display, COMPONENTS[name], settings.max_value_length)
            frames[name] = (frame, display)
        except FileProblem as problem:
            issues.append(problem.finding)
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
