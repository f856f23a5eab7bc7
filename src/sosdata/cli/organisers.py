"""``sosdata organisers``: the organiser register."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from sosdata import organisers
from sosdata.cli.common import LANG_OPTION, check_lang, console, new_app, settings, shown

app = new_app("Organisers: the wellbeing services counties and the City of Helsinki.")


@app.command("list")
def list_organisers(ctx: typer.Context, lang: str = LANG_OPTION) -> None:
    """Print every organiser with its OID, county and number of municipalities."""
    lang = check_lang(lang)
    register = organisers.load(settings(ctx).data_dir)
    table = Table(title=f"{len(register)} organisers — {register.source}", title_justify="left")
    for column in ("oid", "county", "name", "municipalities"):
        table.add_column(column)
    for o in register:
        name = shown(o.name(lang)) + (" [yellow](fictitious OID)[/]" if o.fictitious else "")
        table.add_row(shown(o.oid), shown(o.county), name, str(len(o.municipalities)))
    console.print(table)


@app.command("import")
def import_organisers(
    ctx: typer.Context,
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="oid;county;fi;sv;en CSV"),
) -> None:
    """Load the real organiser list; the previous list is kept beside it."""
    register = organisers.import_csv(file, settings(ctx).data_dir)
    console.print(f"imported {len(register)} organisers")
