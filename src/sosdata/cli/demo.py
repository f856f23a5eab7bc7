"""``sosdata demo``: a register with a history, then the portal serving it."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from sosdata.app import demo as demos
from sosdata.cli.common import console, progress_bar


def demo(
    ctx: typer.Context,
    out: Path = typer.Option(Path("demo-out"), "--out", help="Folder of the demo (emptied)."),
    scale: str = typer.Option("demo", "--scale", help="tiny, demo or county."),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Start the portal afterwards."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address the portal listens on."),
    port: int = typer.Option(8000, "--port", help="Port the portal listens on."),
) -> None:
    """Make a register of three synthetic quarters of a few counties and serve it."""
    with progress_bar() as progress:
        made = demos.run(out, scale=scale, progress=progress)
    console.print(f"\n[bold]The demo register[/] is in {made.settings.data_dir}")
    for quarter, state in made.quarters.items():
        console.print(f"  {quarter}: {state}", highlight=False)
    story = made.story
    console.print(
        f"  deliveries to look at: {story['late']} late, {story['rejected']} rejected (read its "
        f"report), {story['replaced']} replaced by {story['replacement']}",
        highlight=False,
    )
    table = Table(title="Sign in as", title_justify="left")
    for column in ("user", "password", "role", "for"):
        table.add_column(column)
    for account in made.accounts:
        table.add_row(account.user_id, account.password, account.role, account.note)
    console.print(table)
    if not serve:
        return
    from sosdata.cli.web import serve_settings

    serve_settings(made.settings, host=host, port=port)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
