"""The ``sosdata`` command line: thin commands over the library, one module per area."""

from __future__ import annotations

from pathlib import Path

import typer

from sosdata import keys
from sosdata.cli import codes, organisers
from sosdata.cli.common import console, new_app, settings

app = new_app("sosdata — the social-welfare follow-up register.")
app.add_typer(codes.app, name="codes")
app.add_typer(organisers.app, name="organisers")


@app.callback()
def root(
    ctx: typer.Context,
    config: Path | None = typer.Option(
        None, "--config", envvar="SOSDATA_CONFIG", help="TOML configuration file."
    ),
    data_dir: Path | None = typer.Option(
        None, "--data-dir", help="Data directory (default ./sosdata-data or the configuration's)."
    ),
) -> None:
    """Global options; every setting can also come from SOSDATA_* environment variables."""
    ctx.ensure_object(dict)


@app.command()
def init(ctx: typer.Context) -> None:
    """Create the data directory and its secret keys (kept readable by the owner only)."""
    s = settings(ctx)
    s.data_dir.mkdir(parents=True, exist_ok=True)
    for label, path, from_env in (
        ("pseudonym key", s.pseudonym_key_file, s.pseudonym_key),
        ("encryption key", s.encryption_key_file, s.encryption_key),
    ):
        if from_env:
            console.print(f"{label}: from the environment")
        elif keys.create_key_file(path):
            console.print(f"{label}: created {path}")
        else:
            console.print(f"{label}: {path} exists, kept")
    console.print(f"data directory ready: {s.data_dir}")


def main() -> None:
    app()
