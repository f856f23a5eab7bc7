"""``sosdata stats`` (published tables, charts) and ``sosdata status`` (monitoring)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from sosdata import monitoring
from sosdata.cli.common import (
    AS_OPTION,
    LANG_OPTION,
    acting,
    check_lang,
    console,
    core,
    echo,
    progress_bar,
    quarter,
)
from sosdata.statistics import publish


def stats(
    ctx: typer.Context,
    period: str = typer.Option(..., "--period", "-p", help="Quarter, e.g. 2023Q1."),
    fmt: str = typer.Option("csv", "--format", "-f", help="csv, xlsx, json or px."),
    lang: str = LANG_OPTION,
    out: Path = typer.Option(..., "--out", "-o", file_okay=False, help="Output folder."),
    audit: bool = typer.Option(
        False,
        "--audit",
        help="Also check every suppressed cell by linear programming (slow; stops if exposed).",
    ),
    as_user: str | None = AS_OPTION,
) -> None:
    """Publish a quarter's statistics: suppressed tables in FORMAT and SVG charts in OUT."""
    lang = check_lang(lang)
    if fmt not in publish.FORMATS:
        raise typer.BadParameter(
            f"{fmt!r}: choose {', '.join(publish.FORMATS)}", param_hint="--format"
        )
    with progress_bar() as progress:
        result = core(ctx).publish(
            acting(ctx, as_user),
            quarter(period),
            out,
            fmt=fmt,
            lang=lang,
            audit_cells=audit,
            progress=progress,
        )
    console.print(
        f"{len(result.tables)} tables ({result.suppressed} cells suppressed, threshold "
        f"{result.threshold}) and {len(result.charts)} charts written to {out}"
    )


def status(
    ctx: typer.Context,
    period: str = typer.Option(..., "--period", "-p", help="Quarter, e.g. 2023Q1."),
    fmt: str = typer.Option("text", "--format", "-f", help="text, json, csv or xlsx."),
    out: Path | None = typer.Option(
        None, "--out", "-o", dir_okay=False, help="Write to this file instead of standard output."
    ),
    as_user: str | None = AS_OPTION,
) -> None:
    """Monitoring: what arrived for a quarter against the notifications and the deadline."""
    if fmt not in monitoring.FORMATS:
        raise typer.BadParameter(
            f"{fmt!r}: choose {', '.join(monitoring.FORMATS)}", param_hint="--format"
        )
    report = core(ctx).status(acting(ctx, as_user), quarter(period))
    if out is not None:
        monitoring.write(report, out, fmt)
        console.print(f"written {out}")
        return
    data = report.render(fmt)
    if isinstance(data, bytes):
        if sys.stdout.isatty():
            raise typer.BadParameter("xlsx is binary: give --out FILE", param_hint="--out")
        sys.stdout.buffer.write(data)
    else:
        echo(data, end="")


def register(app: typer.Typer) -> None:
    app.command("stats")(stats)
    app.command("status")(status)
