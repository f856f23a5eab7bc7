"""``sosdata validate``: check a separate delivery offline and print its report."""

from __future__ import annotations

from pathlib import Path

import typer

from sosdata.app import PUBLIC
from sosdata.cli.common import LANG_OPTION, check_lang, core, echo, err_console, progress_bar
from sosdata.delivery.report import FORMATS
from sosdata.delivery.validate import DeliveryUsageError
from sosdata.periods import PeriodError, Quarter


def validate(
    ctx: typer.Context,
    path: Path = typer.Argument(
        ..., exists=True, help="The delivery: a ZIP, a folder, or one component CSV."
    ),
    period: str = typer.Option(..., "--period", "-p", help="Follow-up period, e.g. 2023Q1."),
    organiser: str | None = typer.Option(
        None, "--organiser", help="Organiser OID the delivery must be for (and its rows name)."
    ),
    component: str | None = typer.Option(
        None, "--component", help="A single CSV's component when its file name does not say."
    ),
    municipality_group: str | None = typer.Option(
        None, "--municipality-group", help="Municipality group the delivery must be for."
    ),
    lang: str = LANG_OPTION,
    fmt: str = typer.Option("text", "--format", "-f", help="Report form: text, json, csv, html."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the report here."),
) -> None:
    """Check a delivery against format v1 and the rules; works offline, with no database.

    Exit status: 0 accepted, 1 rejected, 2 the command was used wrongly.
    """
    lang = check_lang(lang)
    if fmt not in FORMATS:
        raise typer.BadParameter(f"{fmt!r}: choose {', '.join(FORMATS)}", param_hint="--format")
    try:
        quarter = Quarter.parse(period)
    except PeriodError as exc:
        raise typer.BadParameter(str(exc), param_hint="--period") from None
    try:
        # a report piped on: nothing but the bar on a terminal
        with progress_bar(log_stages=False) as progress:
            # the offline validator is open to everyone: it reads no register data
            result = core(ctx).validate(
                PUBLIC,
                path,
                quarter,
                organiser=organiser,
                component=component,
                municipality_group=municipality_group,
                lang=lang,
                progress=progress,
            )
    except DeliveryUsageError as exc:
        raise typer.BadParameter(str(exc)) from None
    text = result.report.render(fmt, lang)
    if output is None:
        echo(text, end="")
    else:
        output.write_text(text, encoding="utf-8")
        verdict = "accepted" if result.accepted else "rejected"
        err_console.print(f"{path.name}: {verdict}; report written to {output}", highlight=False)
    raise typer.Exit(0 if result.accepted else 1)


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
