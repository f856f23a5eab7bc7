"""``sosdata synth``: generate a reproducible synthetic data set with its truth."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from sosdata.cli.common import console
from sosdata.synth import SCALES, Options, generate


def synth(
    out: Path = typer.Option(..., "--out", help="New or empty directory to write into."),
    scale: str = typer.Option(
        "tiny",
        "--scale",
        help=f"Size: {', '.join(SCALES)} (tiny for tests, county ~100 k, national ~1.2 M clients).",
    ),
    period: str = typer.Option("2023Q1", "--period", help="First quarter, e.g. 2023Q1."),
    periods: int = typer.Option(1, "--periods", help="Number of consecutive quarters."),
    seed: int = typer.Option(0, "--seed", help="Random seed: the same seed, the same bytes."),
    error_rate: float = typer.Option(
        0.01, "--error-rate", help="Injected error rows per true delivered row (0–0.045)."
    ),
) -> None:
    """Generate a reproducible synthetic data set and the truth it should give.

    Clients, notifications, Kanta extract, deliveries with injected errors: docs/synthetic-data.md
    """
    options = Options(scale, period, periods, seed, error_rate)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task("synth", total=None)

        def progress(text: str, done: int, total: int) -> None:
            bar.update(task, description=text, completed=done, total=total)

        summary = generate(out, options, progress)
    console.print(
        f"{summary['scale']} {', '.join(summary['periods'])} (seed {summary['seed']}): "
        f"{summary['people']:,} clients, {summary['kanta_documents']:,} Kanta documents, "
        f"{summary['deliveries']} deliveries with {summary['delivered_rows']:,} rows "
        f"({sum(summary['injected_errors'].values()):,} injected errors), "
        f"{summary['faults']} faulty copies → {out}",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    app.command("synth")(synth)
