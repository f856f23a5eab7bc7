"""Register commands: submit, deliveries, build, export, users, re-identification, audit log,
and the database part of ``sosdata init``. Each command calls one verb of the register."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import polars as pl
import typer
from rich.table import Table

from sosdata import safe_export
from sosdata.app import Role
from sosdata.cli.common import (
    AS_OPTION,
    LANG_OPTION,
    acting,
    check_lang,
    console,
    core,
    echo,
    new_app,
    progress_bar,
    quarter,
    shown,
)
from sosdata.register.users import os_user

JSON_OPTION = typer.Option(False, "--json", help="Print JSON instead of a table.")


def _print_json(data: Any) -> None:
    console.print_json(json.dumps(data, ensure_ascii=False, default=str))


def _table(frame: pl.DataFrame, title: str) -> None:
    table = Table(title=title, title_justify="left")
    for column in frame.columns:
        table.add_column(shown(column))
    for row in frame.iter_rows():
        table.add_row(*(shown(v) for v in row))
    console.print(table)


def initialise(ctx: typer.Context) -> None:
    """Create or update the data directory, its keys and the database (``sosdata init``)."""
    done = core(ctx).initialise(os_user())
    for label, origin in done.keys.items():
        console.print(f"{label}: {origin}")
    console.print(f"data directory ready: {core(ctx).settings.data_dir}")
    for name in done.applied:
        console.print(f"database: applied {name}")
    if done.first_keeper:
        console.print(f"database: {done.first_keeper} is the first register keeper")
    console.print(f"database ready: {done.path}")


# ----------------------------------------------------------------------------- submit


def submit_command(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="Delivery ZIP, folder or single component CSV."),
    as_user: str | None = AS_OPTION,
    period: str | None = typer.Option(
        None, "--period", help="Follow-up period, e.g. 2023Q1 (default: the manifest's)."
    ),
    organiser: str | None = typer.Option(
        None, "--organiser", help="Organiser OID of a single CSV (keepers only)."
    ),
    group: str | None = typer.Option(None, "--group", help="Municipality group of a single CSV."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Validate a delivery and store it in the register, all or nothing."""
    with progress_bar() as progress:
        outcome = core(ctx).submit(
            acting(ctx, as_user),
            path,
            period=quarter(period) if period else None,
            organiser=organiser,
            municipality_group=group,
            progress=progress,
        )
    if as_json:
        _print_json(outcome.to_dict())
    elif outcome.duplicate:
        console.print(
            f"already received: this file is delivery {outcome.delivery_id} "
            f"({outcome.status}); nothing stored again"
        )
    else:
        late = " [yellow]LATE[/]" if outcome.late else ""
        console.print(
            f"delivery {outcome.delivery_id}: {outcome.status}{late} — {shown(outcome.organiser)}, "
            f"{shown(outcome.municipality_group)}, {outcome.quarter}"
        )
        for name, n in outcome.stored_rows.items():
            replaced = outcome.replaced.get(name)
            note = f" (replaces delivery {replaced})" if replaced else ""
            console.print(f"  {name}: {n} rows stored{note}")
        if outcome.status == "rejected":
            console.print(f"see why: sosdata deliveries report {outcome.delivery_id}")
    if outcome.status == "rejected":
        raise typer.Exit(1)


# ----------------------------------------------------------------------------- deliveries

deliveries_app = new_app("Deliveries received: list them, show one, read its report.")


@deliveries_app.command("list")
def deliveries_list(
    ctx: typer.Context,
    as_user: str | None = AS_OPTION,
    period: str | None = typer.Option(None, "--period", help="Only this quarter."),
    organiser: str | None = typer.Option(None, "--organiser", help="Only this organiser."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Every delivery you may see, replaced ones included; in_force = components in force."""
    frame = core(ctx).deliveries(
        acting(ctx, as_user), period=quarter(period) if period else None, organiser=organiser
    )
    if as_json:
        _print_json(frame.to_dicts())
    else:
        _table(frame, f"{frame.height} deliveries")


@deliveries_app.command("show")
def deliveries_show(
    ctx: typer.Context,
    delivery_id: int = typer.Argument(..., help="Delivery id (see 'deliveries list')."),
    as_user: str | None = AS_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """A delivery's facts, manifest and components (which are in force, which replaced)."""
    facts = core(ctx).delivery(acting(ctx, as_user), delivery_id)
    if as_json:
        _print_json(facts)
        return
    for key, value in facts.items():
        if key not in ("manifest", "components"):
            console.print(f"{key}: {shown(value)}", highlight=False)
    if facts["manifest"]:
        description = shown(facts["manifest"].get("kuvaus", ""))
        console.print(f"description: {description}", highlight=False)
    _table(
        pl.DataFrame(
            [
                {
                    "component": p["component"],
                    "rows": p["rows"],
                    "accepted": p["accepted_rows"],
                    "rejected": p["rejected_rows"],
                    "in force": p["current"],
                    "replaced by": p["replaced_by"],
                }
                for p in facts["components"]
            ]
        ),
        "components",
    )


@deliveries_app.command("report")
def deliveries_report(
    ctx: typer.Context,
    delivery_id: int = typer.Argument(..., help="Delivery id (see 'deliveries list')."),
    as_user: str | None = AS_OPTION,
    fmt: str = typer.Option("text", "--format", help="text, json or csv."),
    reason: str = typer.Option("delivery report", "--reason", help="Why (audit log)."),
    lang: str = LANG_OPTION,
) -> None:
    """The delivery's validation report, every issue included (identity codes masked)."""
    found = core(ctx).delivery_report(
        acting(ctx, as_user), delivery_id, reason=reason, lang=check_lang(lang)
    )
    issues = pl.DataFrame(found["issues"]) if found["issues"] else pl.DataFrame()
    if fmt == "json":
        _print_json(found)
    elif fmt == "csv":
        echo(safe_export.csv_text(issues), end="")
    elif fmt == "text":
        verdict = "accepted" if found["accepted"] else "REJECTED"
        console.print(f"delivery {delivery_id}: {verdict}", highlight=False)
        for name, c in (found.get("components") or {}).items():
            console.print(
                f"  {shown(name)}: {c.get('rows')} rows, {c.get('accepted_rows')} accepted, "
                f"{c.get('rejected_rows')} rejected",
                highlight=False,
            )
        for rule, n in (found.get("counts") or {}).items():
            console.print(f"  {shown(rule)}: {n}", highlight=False)
        for issue in issues.head(200).iter_rows(named=True):
            where = ", ".join(
                str(x)
                for x in (issue["file"], issue["line"] and f"line {issue['line']}", issue["column"])
                if x
            )
            console.print(
                shown(f"{issue['severity']} {issue['rule']} {where}: {issue['message']}"),
                highlight=False,
                soft_wrap=True,
            )
        if issues.height > 200:
            console.print(f"… {issues.height - 200} more (use --format csv for all)")
    else:
        raise typer.BadParameter(f"{fmt!r}: choose text, json or csv", param_hint="--format")


# ----------------------------------------------------------------------------- build, export


def build_command(
    ctx: typer.Context,
    period: str = typer.Option(..., "--period", help="Quarter to build, e.g. 2023Q1."),
    as_user: str | None = AS_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Build the quarter's register from the deliveries and Kanta batches in force."""
    with progress_bar() as progress:
        summary = core(ctx).build(acting(ctx, as_user), quarter(period), progress=progress)
    if as_json:
        _print_json(summary.to_dict())
        return
    console.print(f"build {summary.build_id} of {summary.quarter} is now current")
    for name, facts in summary.components.items():
        sources = ", ".join(f"{k} {v}" for k, v in facts["by_source"].items()) or "none"
        console.print(f"  {name}: {facts['rows']} records ({shown(sources)})", highlight=False)
    for note in summary.notes:
        console.print(f"[yellow]note:[/] {shown(note)}", highlight=False)


def export_command(
    ctx: typer.Context,
    period: str = typer.Option(..., "--period", help="Quarter to export, e.g. 2023Q1."),
    out: Path = typer.Option(..., "--out", help="Folder of the Parquet datasets."),
    as_user: str | None = AS_OPTION,
    reason: str = typer.Option(
        "export of the quarter's register", "--reason", help="Why (audit log)."
    ),
) -> None:
    """Write the quarter's register as Parquet partitioned by quarter and county."""
    result = core(ctx).export(acting(ctx, as_user), quarter(period), out, reason=reason)
    console.print(f"exported build {result.build_id} of {result.quarter} to {result.out}")
    for name, n in result.rows.items():
        console.print(f"  {name}: {n} rows")


# ----------------------------------------------------------------------------- the quarter

quarter_app = new_app(
    "The quarter's life: open → built → approved (locked to its build) → published; reopening "
    "lifts the lock."
)


def _state(state: Any) -> None:
    locked = f", locked to build {state.locked_build}" if state.locked_build is not None else ""
    current = state.current_build if state.current_build is not None else "none"
    console.print(f"{state.quarter}: {state.state}{locked} (current build: {current})")


@quarter_app.command("show")
def quarter_show(
    ctx: typer.Context,
    period: str = typer.Option(..., "--period", help="Quarter, e.g. 2023Q1."),
    as_user: str | None = AS_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """The quarter's state and every change of it: who, when, why."""
    actor, chosen = acting(ctx, as_user), quarter(period)
    state = core(ctx).quarter_state(actor, chosen)
    history = core(ctx).quarter_history(actor, chosen)
    if as_json:
        _print_json({**dataclasses.asdict(state), "history": history.to_dicts()})
        return
    _state(state)
    if history.height:
        _table(history, "history")


@quarter_app.command("approve")
def quarter_approve(
    ctx: typer.Context,
    period: str = typer.Option(..., "--period", help="Quarter to approve, e.g. 2023Q1."),
    as_user: str | None = AS_OPTION,
) -> None:
    """Approve the quarter's current build: later submissions are stored but not used until
    the quarter is reopened."""
    _state(core(ctx).approve(acting(ctx, as_user), quarter(period)))


@quarter_app.command("reopen")
def quarter_reopen(
    ctx: typer.Context,
    period: str = typer.Option(..., "--period", help="Quarter to reopen, e.g. 2023Q1."),
    reason: str = typer.Option(..., "--reason", help="Why (kept in the quarter's history)."),
    as_user: str | None = AS_OPTION,
) -> None:
    """Lift an approved or published quarter's lock, with the reason."""
    _state(core(ctx).reopen(acting(ctx, as_user), quarter(period), reason=reason))


# ----------------------------------------------------------------------------- users, privacy

users_app = new_app(
    "Register users: organisers' users see their own data; keepers all; admins manage users."
)


@users_app.command("add")
def users_add(
    ctx: typer.Context,
    user_id: str = typer.Argument(..., help="User id."),
    organiser: str | None = typer.Option(
        None, "--organiser", help="The organiser OID the user acts for."
    ),
    keeper: bool = typer.Option(False, "--keeper", help="A register keeper (sees everything)."),
    admin: bool = typer.Option(False, "--admin", help="An administrator (manages users only)."),
    as_user: str | None = AS_OPTION,
) -> None:
    """Add or change a user (keepers and administrators)."""
    if [keeper, admin, organiser is not None].count(True) != 1:
        raise typer.BadParameter("give one of --organiser OID, --keeper or --admin")
    role = Role.KEEPER if keeper else Role.ADMIN if admin else Role.ORGANISER
    added = core(ctx).add_user(acting(ctx, as_user), user_id, role=role, organiser=organiser)
    console.print(f"user {added.user_id}: {added.role} {added.organiser or ''}".rstrip())


@users_app.command("list")
def users_list(ctx: typer.Context, as_user: str | None = AS_OPTION) -> None:
    """Every user and what they may see (keepers and administrators)."""
    found = core(ctx).users(acting(ctx, as_user))
    _table(
        pl.DataFrame(
            [{"user": u.user_id, "role": u.role, "organiser": u.organiser} for u in found],
            schema={"user": pl.String, "role": pl.String, "organiser": pl.String},
        ),
        f"{len(found)} users",
    )


def reidentify_command(
    ctx: typer.Context,
    pseudonyms: list[str] = typer.Argument(..., help="Pseudonyms to turn into identity codes."),
    reason: str = typer.Option(..., "--reason", help="Why re-identification is needed."),
    as_user: str | None = AS_OPTION,
) -> None:
    """Decrypt the identity codes of persons (keepers only; written to the audit log)."""
    found = core(ctx).reidentify(acting(ctx, as_user), pseudonyms, reason=reason)
    _table(found, f"{found.height} of {len(pseudonyms)} persons found")


def audit_command(
    ctx: typer.Context,
    user: str | None = typer.Option(None, "--user", help="Only this user's entries."),
    as_user: str | None = AS_OPTION,
) -> None:
    """The audit log of person-level reads (keepers only)."""
    entries = core(ctx).audit_log(acting(ctx, as_user), user_id=user)
    _table(entries, f"{entries.height} audit entries")


# ----------------------------------------------------------------------------- Kanta


def kanta_load(
    ctx: typer.Context,
    extract: Path = typer.Argument(..., help="Kanta extract (.jsonl or .parquet)."),
    period: str = typer.Option(..., "--period", help="Quarter to derive, e.g. 2023Q1."),
    as_user: str | None = AS_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Derive the quarter's components from a Kanta extract and store them as a batch."""
    with progress_bar() as progress:
        outcome = core(ctx).load_kanta(
            acting(ctx, as_user), extract, quarter(period), progress=progress
        )
    if as_json:
        _print_json(outcome.to_dict())
    elif outcome.duplicate:
        console.print(f"already loaded: this extract is Kanta batch {outcome.batch_id}")
    else:
        console.print(f"Kanta batch {outcome.batch_id} of {outcome.quarter} stored")
        for name, n in outcome.stored_rows.items():
            console.print(f"  {name}: {n} rows")


def backup_command(
    ctx: typer.Context,
    folder: Path = typer.Argument(..., help="A new (or empty) folder for the backup."),
    as_user: str | None = AS_OPTION,
) -> None:
    """Copy the register database into FOLDER as one consistent snapshot (keys not included:
    back them up separately)."""
    info = core(ctx).backup(acting(ctx, as_user), folder)
    rows = sum(info.tables.values())
    console.print(f"backed up {len(info.tables)} tables ({rows:,} rows) to {shown(folder)}")
    console.print("the keys are not in the backup: keep a copy of them apart from it")


def restore_command(
    ctx: typer.Context,
    folder: Path = typer.Argument(..., help="A folder made by 'sosdata backup'."),
    as_user: str | None = AS_OPTION,
) -> None:
    """Put a backup in place of the register database (the current one is kept beside it)."""
    info = core(ctx).restore(acting(ctx, as_user), folder)
    console.print(f"restored the backup of {shown(info.created_at)} from {shown(folder)}")


def register(app: typer.Typer) -> None:
    """Add the register's commands to ``app``."""
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)
    app.command("submit")(submit_command)
    app.add_typer(deliveries_app, name="deliveries")
    app.command("build")(build_command)
    app.add_typer(quarter_app, name="quarter")
    app.command("export")(export_command)
    app.add_typer(users_app, name="users")
    app.command("reidentify")(reidentify_command)
    app.command("audit")(audit_command)
