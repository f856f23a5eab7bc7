"""``sosdata kanta``: work with Kanta extracts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from sosdata.cli.common import console, new_app, quarter, settings, shown
from sosdata.kanta.pipeline import derive_to_directory
from sosdata.progress import Step

app = new_app("Kanta extracts: derive components II–V from archived document metadata.")

#: extracts at least this large show a progress bar
PROGRESS_BYTES = 50 << 20
_STEPS = {"read": "reading", "derive": "deriving", "validate": "checking", "write": "writing"}


def _summary_tables(summary: dict[str, Any]) -> list[Table]:
    counts = Table(title=f"Kanta extract {shown(summary['source'])} → {summary['period']}")
    counts.add_column("")
    counts.add_column("n", justify="right")
    for key in ("documents_read", "document_sets", "versions_superseded", "cancelled_sets"):
        counts.add_row(key.replace("_", " "), f"{summary[key]:,}")
    counts.add_row("malformed (skipped)", f"{summary['malformed']:,}")
    rows = Table(title="Derived rows")
    for column in ("component", "rows", "accepted"):
        rows.add_column(column, justify="left" if column == "component" else "right")
    for name, n in summary["rows"].items():
        rows.add_row(shown(name), f"{n:,}", f"{summary['accepted_rows'].get(name, 0):,}")
    rules = Table(title="Rule counts")
    rules.add_column("rule")
    rules.add_column("n", justify="right")
    for rule, n in summary["rule_counts"].items():
        rules.add_row(shown(rule), f"{n:,}")
    return [counts, rows, rules]


@app.command("derive")
def derive_command(
    ctx: typer.Context,
    extract: Path = typer.Argument(..., help="Extract file (.jsonl, .ndjson or .parquet)."),
    period: str = typer.Option(..., "--period", "-p", help="Follow-up period, e.g. 2023Q1."),
    out: Path = typer.Option(..., "--out", "-o", help="Directory for the component files."),
    fmt: str = typer.Option("csv", "--format", "-f", help="csv (delivery format) or parquet."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Derive components II–V of a period from an extract, check them with the delivery's
    rules, and write the component files and summary.json into --out."""
    big = extract.is_file() and extract.stat().st_size >= PROGRESS_BYTES and not as_json
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not big,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(step: Step) -> None:
            total = max(step.total or 1, 1)
            if step.stage not in tasks:
                tasks[step.stage] = bar.add_task(_STEPS.get(step.stage, step.stage), total=total)
            bar.update(tasks[step.stage], completed=step.done, total=total)

        summary = derive_to_directory(
            extract, quarter(period), out, settings=settings(ctx), fmt=fmt, progress=progress
        )
    if as_json:
        console.print_json(json.dumps(summary, default=str))
        return
    for table in _summary_tables(summary):
        console.print(table)
    if summary["malformed"]:
        console.print(
            f"[yellow]{summary['malformed']:,} malformed record(s) skipped[/]: "
            f"listed in {shown(out / 'malformed.csv')}"
        )
        for item in summary["malformed_records"][:10]:
            console.print(
                shown(f"  {summary['source']}:{item['line']}: {item['field']}: {item['reason']}"),
                highlight=False,
            )
    console.print(f"written to {shown(out)} (summary: {shown(out / 'summary.json')})")
