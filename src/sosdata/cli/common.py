"""What every command shares: settings from the global options, consoles, error display."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.progress import Progress as Bar
from typer.core import TyperGroup
from typer.exceptions import TyperException

from sosdata.app import Actor, Register
from sosdata.app.jobs import INTERNAL_ERROR
from sosdata.config import Settings, load_settings
from sosdata.errors import UserError
from sosdata.identity import redact
from sosdata.periods import Quarter
from sosdata.progress import Progress, Step, silent
from sosdata.register.users import os_user

console = Console()
err_console = Console(stderr=True)

#: characters a terminal acts on rather than shows: C0 and C1 controls, DEL, and the
#: bidirectional overrides that reorder what is shown
_CONTROL = "\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069"
_CONTROL_IN_TEXT = re.compile(f"[{_CONTROL}]")
_CONTROL_IN_VALUE = re.compile(f"[{_CONTROL}\t\n]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(value: object) -> str:
    """A value that came from a file or the database, ready to be put into a printed line or a
    table cell: identity codes masked, control characters (line breaks too) written as
    escapes, markup brackets escaped so that Rich prints them as they are."""
    text = "" if value is None else str(value)
    return escape(_CONTROL_IN_VALUE.sub(_escaped, redact(text)))


def plain(text: str) -> str:
    """A whole text made of what files hold (a report, YAML, CSV): lines and tabs kept, every
    other control character written as an escape; to be printed without markup."""
    return _CONTROL_IN_TEXT.sub(_escaped, text)


def echo(text: str, *, end: str = "\n", err: bool = False) -> None:
    """Print :func:`plain` text as it is: no markup, no highlighting."""
    typer.echo(plain(text) + end, nl=False, err=err)


def report_error(message: str) -> None:
    err_console.print(f"[bold red]error:[/] {shown(message)}", highlight=False, soft_wrap=True)


class Group(TyperGroup):
    """Shows a :class:`UserError` as one clear line on stderr, exit code 1, no traceback; a
    file-system error (an output path that is a folder, in a missing folder, not writable) the
    same way; anything else as one line saying it is a fault of the program (exit code 2)."""

    # Typer's base class names the Context of the click it bundles and does not export; a
    # Typer group is always given Typer's own, a subclass of it
    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except UserError as exc:
            report_error(str(exc))
            raise typer.Exit(1) from None
        except OSError as exc:
            # a file-system error (an output path in a missing folder, a folder, not writable)
            where = exc.filename if exc.filename is not None else ""
            report_error(f"{where}: {exc.strerror or exc}" if where else str(exc))
            raise typer.Exit(1) from None
        except (typer.Exit, typer.Abort, TyperException):
            raise
        except Exception:
            # a bug: the user gets one line, the traceback goes to the log
            logging.getLogger("sosdata").exception("internal error")
            report_error(INTERNAL_ERROR)
            raise typer.Exit(2) from None


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


def core(ctx: typer.Context) -> Register:
    """The register of the chosen data directory, one per command, closed when it ends."""
    root = ctx.find_root()
    root.ensure_object(dict)
    if "register" not in root.obj:
        opened = root.obj["register"] = Register(settings(ctx))
        root.call_on_close(opened.close)
    return root.obj["register"]


def acting(ctx: typer.Context, as_user: str | None) -> Actor:
    """The register user running the command: ``--as``, else the account's name."""
    return core(ctx).actor(as_user or os_user())


AS_OPTION = typer.Option(
    None, "--as", help="The register user acting (default: the account running the command)."
)


@contextmanager
def progress_bar(*, log_stages: bool = True) -> Iterator[Progress]:
    """A progress bar on standard error while long work runs; when standard error is not a
    terminal, one line per stage (``log_stages``) or nothing."""
    if not err_console.is_terminal:
        yield _stage_lines() if log_stages else silent
        return
    with Bar(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task("", total=None)

        def show(step: Step) -> None:
            bar.update(task, description=step.stage, completed=step.done, total=step.total)

        yield show


def _stage_lines() -> Progress:
    """Progress for logs: one plain line per stage."""
    seen: list[str] = []

    def show(step: Step) -> None:
        if not seen or seen[-1] != step.stage:
            seen.append(step.stage)
            err_console.print(plain(step.stage), markup=False, highlight=False, soft_wrap=True)

    return show


def quarter(text: str) -> Quarter:
    return Quarter.parse(text)


LANG_OPTION = typer.Option("fi", "--lang", "-l", help="Language: fi, sv or en.")


def check_lang(lang: str) -> str:
    if lang not in ("fi", "sv", "en"):
        raise typer.BadParameter(f"{lang!r}: choose fi, sv or en", param_hint="--lang")
    return lang
