"""``sosdata remind``: e-mail the notifications' contact persons what is still missing."""

from __future__ import annotations

import json

import typer

from sosdata.cli.common import AS_OPTION, acting, console, core, quarter


def remind(
    ctx: typer.Context,
    period: str = typer.Option(..., "--period", "-p", help="Quarter, e.g. 2023Q1."),
    days_before: int | None = typer.Option(
        None,
        "--days-before",
        min=0,
        help="Send only from this many days before the deadline on (for a daily scheduled run).",
    ),
    force: bool = typer.Option(
        False, "--force", help="Send again reminders already sent with the same content."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome as JSON."),
    as_user: str | None = AS_OPTION,
) -> None:
    """Remind each contact person of the notifications (question 1) of the data still missing
    for their municipality groups, in the notification's language; logged, never sent twice
    by accident."""
    outcome = core(ctx).remind(
        acting(ctx, as_user), quarter(period), days_before=days_before, force=force
    )
    if as_json:
        typer.echo(json.dumps(outcome.to_dict(), ensure_ascii=False, indent=1))
        return
    if outcome.not_yet:
        console.print(f"{outcome.quarter}: no reminders sent: {outcome.not_yet}")
        return
    for r in outcome.sent:
        groups = ", ".join(g["municipality_group"] for g in r.groups)
        console.print(f"sent to {r.recipient} ({r.lang}): {groups}", markup=False)
    for r in outcome.already_sent:
        console.print(f"already sent to {r.recipient} ({r.lang}), not sent again", markup=False)
    console.print(
        f"{outcome.quarter} (deadline {outcome.deadline.isoformat()}): "
        f"{len(outcome.sent)} reminders sent, {len(outcome.already_sent)} already sent"
    )


def register(app: typer.Typer) -> None:
    app.command("remind")(remind)
