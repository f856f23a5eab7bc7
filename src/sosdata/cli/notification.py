"""``sosdata notification``: notifications of delivery method (SPEC §9)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.table import Table

from sosdata.cli.common import (
    AS_OPTION,
    LANG_OPTION,
    acting,
    check_lang,
    console,
    core,
    echo,
    err_console,
    new_app,
    shown,
)
from sosdata.notification import checks, interactive, schema, summary, xlsform
from sosdata.notification.document import NotificationError
from sosdata.notification.form import DEFAULT_ROUND, QUESTIONS, FormContext, text
from sosdata.periods import Quarter
from sosdata.register.notifications import store, submission

app = new_app("Notifications of delivery method: how each municipality group's data will arrive.")

ID_ARGUMENT = typer.Argument(..., help="Notification id (see: sosdata notification list).")
ROUND_OPTION = typer.Option(DEFAULT_ROUND, "--round", help="Notification round (first quarter).")


def _context(ctx: typer.Context) -> FormContext:
    return core(ctx).form


@app.command("form")
def show_form(
    ctx: typer.Context,
    lang: str = LANG_OPTION,
    fmt: str = typer.Option("text", "--format", help="text, or xlsform (a workbook, --out)."),
    out: Path | None = typer.Option(None, "--out", help="The XLSForm workbook to write (.xlsx)."),
) -> None:
    """List the 33 questions (number, id, kind, mandatory, condition, label), or write the form
    as an XLSForm workbook for survey tools."""
    if fmt == "xlsform":
        target = out or Path("sosdata-notification.xlsx")
        xlsform.write(target, _context(ctx))
        console.print(f"wrote {target}")
        return
    if fmt != "text":
        raise typer.BadParameter("choose text or xlsform", param_hint="--format")
    lang = check_lang(lang)
    typer.echo(text("title", lang))
    for q in QUESTIONS.values():
        flags = [str(q.kind)] + ([text("mandatory", lang)] if q.mandatory else [])
        typer.echo(f"\n{q.number:>2}  {q.id}  ({', '.join(flags)})")
        typer.echo(f"    {q.label(lang)}")
        if q.condition:
            typer.echo(f"    [{q.condition.describe(lang)}]")


@app.command("schema")
def write_schema(
    out: Path | None = typer.Option(None, "--out", help="Write to FILE instead of stdout."),
) -> None:
    """Print (or write) the JSON Schema of a notification document."""
    text_ = schema.dumps(FormContext.package())
    if out is None:
        typer.echo(text_, nl=False)
    else:
        out.write_text(text_, encoding="utf-8")
        console.print(f"wrote {out}")


@app.command("new")
def new(
    ctx: typer.Context,
    lang: str = LANG_OPTION,
    round_: str = ROUND_OPTION,
    by: str | None = AS_OPTION,
) -> None:
    """Answer the form interactively in the terminal; answers are checked as they are typed."""
    lang = check_lang(lang)
    round_ = str(Quarter.parse(round_))
    form_ctx = _context(ctx)
    try:
        notification = interactive.interview(form_ctx, lang, round_, input, typer.echo)
        typer.echo("")
        typer.echo(summary.render_text(notification, form_ctx, lang))
        for issue in checks.check_notification(notification, form_ctx):
            typer.echo(f"{issue.severity}: {issue.message(lang)}")
        asker = interactive.Interview(form_ctx, lang, input, typer.echo)
        if not asker.yes("save"):
            typer.echo(text("cancelled", lang))
            raise typer.Exit(1)
        actor = acting(ctx, by)
        saved = core(ctx).save_notification(actor, notification)
        typer.echo(_saved_line(saved))
        if asker.yes("send_now"):
            sent = core(ctx).send_notification(actor, saved.notification_id)
            typer.echo(_sent_line(sent))
    except (EOFError, KeyboardInterrupt):
        typer.echo("")
        typer.echo(text("cancelled", lang))
        raise typer.Exit(1) from None


def _saved_line(saved: store.Saved) -> str:
    if not saved.created:
        return f"notification {saved.notification_id}: unchanged, still version {saved.version}"
    return f"notification {saved.notification_id}: stored version {saved.version}"


def _sent_line(sent: submission.Sent) -> str:
    return (
        f"notification {sent.notification_id} version {sent.version}: summary and confirmation "
        f"code sent to {sent.sent_to}; confirm with: sosdata notification confirm "
        f"{sent.notification_id} CODE (valid until {sent.expires_at:%Y-%m-%d %H:%M} UTC)"
    )


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="A notification as JSON or YAML."),
    notification_id: int | None = typer.Option(
        None, "--id", help="Store as a new version of this notification (e.g. after a rename)."
    ),
    submitted_at: dt.datetime | None = typer.Option(
        None,
        "--submitted-at",
        help="Answers already submitted elsewhere: mark this version submitted at that time "
        "(Finnish time unless an offset is given).",
    ),
    by: str | None = AS_OPTION,
) -> None:
    """Check and store a notification; changed answers become a new version."""
    try:
        saved = core(ctx).import_notification(
            acting(ctx, by), file, notification_id=notification_id, submitted_at=submitted_at
        )
    except NotificationError as exc:
        if "UNKNOWN_QUESTION" not in exc.codes:
            raise
        hint = "see the question ids: sosdata notification form"
        raise NotificationError(f"{exc}; {hint}", exc.codes) from None
    for issue in saved.warnings:
        err_console.print(f"warning: {shown(issue.located('en'))}", highlight=False, soft_wrap=True)
    console.print(_saved_line(saved), highlight=False, soft_wrap=True)


@app.command("export")
def export(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="File to write."),
    fmt: str = typer.Option(None, "--format", help="csv or xlsx (default: from --out)."),
    all_versions: bool = typer.Option(
        False, "--all-versions", help="Every version, not the latest."
    ),
    labels: bool = typer.Option(False, "--labels", help="Option labels instead of codes."),
    lang: str = LANG_OPTION,
    as_user: str | None = AS_OPTION,
) -> None:
    """Write every notification as CSV or XLSX, one row each, one column per answer."""
    lang = check_lang(lang)
    rows = core(ctx).export_notifications(
        acting(ctx, as_user),
        out,
        fmt=fmt,
        all_versions=all_versions,
        lang=lang if labels else None,
    )
    console.print(f"wrote {rows} notification(s) to {out}")


@app.command("list")
def list_(ctx: typer.Context, as_user: str | None = AS_OPTION) -> None:
    """Every notification's latest version and status, and each county's coverage."""
    register, actor = core(ctx), acting(ctx, as_user)
    frame = register.notifications(actor)
    pairs = frame.select("round", "county").unique().sort("round", "county").iter_rows()
    coverage = [(round_, register.coverage(actor, county, round_)) for round_, county in pairs]
    table = Table(title=f"{frame.height} notification(s)", title_justify="left")
    for column in (
        "id",
        "round",
        "county",
        "group",
        "municipalities",
        "version",
        "status",
        "submitted",
        "deadline",
    ):
        table.add_column(column)
    for row in frame.iter_rows(named=True):
        submitted = ""
        if row["submitted_at"] is not None:
            submitted = f"v{row['submitted_version']} {row['submitted_at']:%Y-%m-%d %H:%M}"
            submitted += " [red]late[/]" if row["late"] else ""
        table.add_row(
            str(row["id"]),
            row["round"],
            row["county"],
            shown(row["group_name"]),
            str(row["municipalities"]),
            str(row["version"]),
            row["status"],
            submitted,
            str(row["deadline"]),
        )
    console.print(table)
    for round_, (result, issues) in coverage:
        where = f"round {round_}, county {result.county}, submitted notifications"
        if not result.groups:
            console.print(f"{where}: none yet", soft_wrap=True)
            continue
        if not issues:
            console.print(f"{where}: every municipality in exactly one group", soft_wrap=True)
        for issue in issues:
            console.print(
                f"[yellow]{where}:[/] {shown(issue.message('en'))}", highlight=False, soft_wrap=True
            )


@app.command("show")
def show(
    ctx: typer.Context,
    notification_id: int = ID_ARGUMENT,
    version: int | None = typer.Option(None, "--version", help="An earlier version."),
    fmt: str = typer.Option("text", "--format", help="text, yaml or json (re-importable)."),
    lang: str | None = typer.Option(None, "--lang", "-l", help="fi, sv or en (default: its own)."),
    as_user: str | None = AS_OPTION,
) -> None:
    """Show a notification (its latest or an earlier version) with its status."""
    register, actor = core(ctx), acting(ctx, as_user)
    stored = register.notification(actor, notification_id, version)
    history = register.notification_versions(actor, notification_id)
    if fmt == "yaml":
        echo(stored.notification.to_yaml(), end="")
        return
    if fmt == "json":
        echo(stored.notification.to_json(), end="")
        return
    if fmt != "text":
        raise typer.BadParameter("choose text, yaml or json", param_hint="--format")
    lang = check_lang(lang or stored.notification.lang)
    late = f" ({text('late', lang)})" if stored.late else ""
    header = [
        f"id {notification_id}, {text('version', lang).lower()} {stored.version}/"
        f"{stored.latest_version}, {text('status', lang).lower()}: {stored.status}"
        + (f" {stored.submitted_at:%Y-%m-%d %H:%M} UTC{late}" if stored.submitted_at else ""),
        f"{text('round', lang)} {stored.notification.round}, {text('deadline', lang).lower()} "
        f"{stored.deadline}; organiser {stored.organiser}",
        "versions: "
        + ", ".join(
            f"v{r['version']} {r['created_at']:%Y-%m-%d %H:%M}"
            + (" submitted" if r["submitted_at"] else "")
            for r in history.iter_rows(named=True)
        ),
    ]
    echo(summary.render_text(stored.notification, _context(ctx), lang, header))


@app.command("submit")
def submit(
    ctx: typer.Context, notification_id: int = ID_ARGUMENT, as_user: str | None = AS_OPTION
) -> None:
    """E-mail the summary and a one-time confirmation code to the contact person."""
    sent = core(ctx).send_notification(acting(ctx, as_user), notification_id)
    console.print(_sent_line(sent), highlight=False, soft_wrap=True)


@app.command("confirm")
def confirm(
    ctx: typer.Context,
    notification_id: int = ID_ARGUMENT,
    code: str = typer.Argument(..., help="The code from the e-mail."),
    as_user: str | None = AS_OPTION,
) -> None:
    """Confirm with the e-mailed code: the version becomes submitted."""
    done = core(ctx).confirm_notification(acting(ctx, as_user), notification_id, code)
    late = f" — LATE (deadline {done.deadline})" if done.late else f" (deadline {done.deadline})"
    console.print(
        f"notification {done.notification_id} version {done.version} submitted at "
        f"{done.submitted_at:%Y-%m-%d %H:%M} UTC{late}",
        highlight=False,
        soft_wrap=True,
    )


@app.command("deadline")
def deadline(
    ctx: typer.Context,
    round_: str = typer.Argument(..., metavar="ROUND", help="Notification round, e.g. 2023Q1."),
    day: str | None = typer.Argument(None, metavar="[DATE]", help="New deadline YYYY-MM-DD."),
    as_user: str | None = AS_OPTION,
) -> None:
    """Show or set a round's deadline (default: notification_deadline of the configuration)."""
    round_ = str(Quarter.parse(round_))
    new_day = None
    if day is not None:
        try:
            new_day = dt.date.fromisoformat(day)
        except ValueError:
            raise typer.BadParameter(f"{day!r} is not a date YYYY-MM-DD") from None
    current = core(ctx).notification_deadline(acting(ctx, as_user), round_, new_day)
    console.print(f"round {round_}: deadline {current}")
