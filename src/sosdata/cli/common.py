"""What every command shares: settings from the global options, consoles, error display."""

from __future__ import annotations

import typer
from rich.console import Console
from typer.core import TyperGroup

from sosdata.config import Settings, load_settings
from sosdata.errors import UserError
from sosdata.periods import Quarter

console = Console()
err_console = Console(stderr=True)


def report_error(message: str) -> None:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)


class Group(TyperGroup):
    """Shows a :class:`UserError` as one clear line on stderr, exit code 1, no traceback."""

    def invoke(self, ctx: typer.Context):
        try:
            return super().invoke(ctx)
        except UserError as exc:
            report_error(str(exc))
            raise typer.Exit(1) from None


def new_app(help_text: str) -> typer.Typer:
    return typer.Typer(
        help=help_text,
        cls=Group,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )


def settings(ctx: typer.Context) -> Settings:
    """The settings the top-level options chose (cached on the root context)."""
    root = ctx.find_root()
    root.ensure_object(dict)
    if "settings" not in root.obj:
        params = root.params
        loaded = load_settings(params.get("config"))
        if params.get("data_dir"):
            loaded = loaded.with_data_dir(params["data_dir"])
        root.obj["settings"] = loaded
    return root.obj["settings"]


def quarter(text: str) -> Quarter:
    return Quarter.parse(text)


LANG_OPTION = typer.Option("fi", "--lang", "-l", help="Language: fi, sv or en.")


def check_lang(lang: str) -> str:
    if lang not in ("fi", "sv", "en"):
        raise typer.BadParameter(f"{lang!r}: choose fi, sv or en", param_hint="--lang")
    return lang
