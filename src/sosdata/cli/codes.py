"""``sosdata codes``: list, show and import code sets."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from sosdata import codes
from sosdata.cli.common import LANG_OPTION, check_lang, console, new_app, settings, shown

app = new_app("Code sets: service tasks, social services, decision types, sex, municipalities.")

NAME_HELP = "Code set: " + ", ".join(codes.NAMES)


def _codes_dir(ctx: typer.Context) -> Path:
    return settings(ctx).codes_dir


@app.command("list")
def list_codes(
    ctx: typer.Context,
    name: str = typer.Argument(..., help=NAME_HELP),
    lang: str = LANG_OPTION,
    version: str | None = typer.Option(None, help="An older version instead of the one in force."),
) -> None:
    """Print the codes of a code set with their names in one language."""
    lang = check_lang(lang)
    code_set = codes.load(name, _codes_dir(ctx), version)
    title = f"{code_set.title[lang]} ({code_set.oid}, version {code_set.version})"
    if code_set.provisional:
        title += " [yellow]provisional[/]"
    table = Table(title=title, title_justify="left")
    table.add_column("code", justify="right")
    table.add_column({"fi": "nimi", "sv": "namn", "en": "name"}[lang])
    columns = sorted({k for c in code_set for k in c.extra})
    for k in columns:
        table.add_column(k)
    table.add_column("valid")
    for c in code_set:
        extras = []
        for k in columns:
            value = shown(c.extra.get(k, ""))
            if k == "reported" and value == "false":
                value = "[bold red]not reported[/]"
            extras.append(value)
        valid = f"{c.valid_from or ''}–{c.valid_to or ''}" if c.valid_from or c.valid_to else ""
        table.add_row(shown(c.code), shown(c.name(lang)), *extras, shown(valid))
    console.print(table)


@app.command("show")
def show(
    ctx: typer.Context,
    name: str = typer.Argument(..., help=NAME_HELP),
    code: str = typer.Argument(..., help="The code."),
) -> None:
    """Print one code with its names in all languages and its validity."""
    code_set = codes.load(name, _codes_dir(ctx))
    found = code_set.get(code)
    if found is None:
        raise codes.CodeSetError(
            f"code set {name} (version {code_set.version}) has no code {code!r}"
        )
    console.print(
        f"[bold]{shown(name)}[/] {shown(found.code)}  ({shown(code_set.oid)}, "
        f"version {shown(code_set.version)})"
    )
    for lang in codes.LANGUAGES:
        console.print(f"  {lang}: {shown(found.names[lang])}")
    console.print(
        f"  valid: {found.valid_from or '-'} – {found.valid_to or 'until further notice'}"
    )
    for key, value in found.extra.items():
        console.print(f"  {shown(key)}: {shown(value)}")


@app.command("versions")
def show_versions(ctx: typer.Context, name: str = typer.Argument(..., help=NAME_HELP)) -> None:
    """List every version of a code set; the last is in force."""
    table = Table("version", "oid", "codes", "provisional", "source")
    for code_set in codes.versions(name, _codes_dir(ctx)):
        table.add_row(
            shown(code_set.version),
            shown(code_set.oid),
            str(len(code_set)),
            str(code_set.provisional),
            shown(code_set.source),
        )
    console.print(table)


@app.command("import")
def import_codes(
    ctx: typer.Context,
    name: str = typer.Argument(..., help=NAME_HELP),
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="code;fi;sv;en;valid_from;valid_to CSV"
    ),
    version: str | None = typer.Option(None, help="Version label (default import-N)."),
    oid: str | None = typer.Option(None, help="OID, if it differs from the version in force."),
) -> None:
    """Replace a code set with a new version from a CSV; older versions stay readable."""
    code_set = codes.import_csv(name, file, _codes_dir(ctx), version=version, oid=oid)
    console.print(f"imported {len(code_set)} codes as {name} version {code_set.version}")
