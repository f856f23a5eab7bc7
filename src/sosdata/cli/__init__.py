"""The ``sosdata`` command line: thin commands over the library, one module per area."""

from __future__ import annotations

from pathlib import Path

import typer

from sosdata.cli import accounts as accounts_cli
from sosdata.cli import codes, organisers
from sosdata.cli import delivery as delivery_cli
from sosdata.cli import demo as demo_cli
from sosdata.cli import kanta as kanta_cli
from sosdata.cli import notification as notification_cli
from sosdata.cli import register as register_cli
from sosdata.cli import reminders as reminders_cli
from sosdata.cli import statistics as statistics_cli
from sosdata.cli import synth as synth_cli
from sosdata.cli import web as web_cli
from sosdata.cli.common import new_app

app = new_app("sosdata — the social-welfare follow-up register.")
app.add_typer(codes.app, name="codes")
app.add_typer(organisers.app, name="organisers")
app.add_typer(notification_cli.app, name="notification")
app.add_typer(kanta_cli.app, name="kanta")
# `kanta load` stores a batch in the register, so the register's commands provide it
kanta_cli.app.command("load")(register_cli.kanta_load)
register_cli.register(app)
delivery_cli.register(app)
synth_cli.register(app)
statistics_cli.register(app)
reminders_cli.register(app)
accounts_cli.register(register_cli.users_app)
web_cli.register(app)
demo_cli.register(app)

#: how `sosdata --help` groups the commands, in the order a quarter flows through them
PANELS = {
    "Set-up": ("init", "codes", "organisers", "users"),
    "Deliveries": ("notification", "validate", "submit", "deliveries", "kanta"),
    "Register": ("build", "quarter", "export", "reidentify", "audit", "backup", "restore"),
    "Outputs": ("stats", "status", "remind"),
    "Web": ("serve",),
    "Test data": ("synth", "demo"),
}


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
    """Create the data directory, its secret keys (kept readable by the owner only) and the
    database; the account running it becomes the first register keeper of a new register."""
    register_cli.initialise(ctx)


def _group_help() -> None:
    order = [name for names in PANELS.values() for name in names]
    panel_of = {name: panel for panel, names in PANELS.items() for name in names}

    def name(info) -> str:
        return info.name or getattr(info.callback, "__name__", "")

    for infos in (app.registered_commands, app.registered_groups):
        infos.sort(key=lambda info: order.index(name(info)) if name(info) in order else len(order))
        for info in infos:
            info.rich_help_panel = panel_of.get(name(info))


_group_help()


def main() -> None:
    app()
