"""``sosdata users`` commands for signing in: passwords, API tokens, disabling a user."""

from __future__ import annotations

import sys

import typer

from sosdata.cli.common import AS_OPTION, acting, console, core, new_app


def set_password(
    ctx: typer.Context,
    user_id: str = typer.Argument(..., help="Whose password."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input (one line)."
    ),
    as_user: str | None = AS_OPTION,
) -> None:
    """Set a user's password for the web portal (keepers and admins, or the user itself)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    core(ctx).set_password(acting(ctx, as_user), user_id, password)
    console.print(f"password of {user_id} set; the user's sessions were ended", markup=False)


def disable(
    ctx: typer.Context,
    user_id: str = typer.Argument(..., help="The user to disable."),
    enable: bool = typer.Option(False, "--enable", help="Enable the user again instead."),
    as_user: str | None = AS_OPTION,
) -> None:
    """Disable a user: no sign-in, sessions ended, API tokens refused (keepers and admins)."""
    core(ctx).disable_user(acting(ctx, as_user), user_id, disabled=not enable)
    console.print(f"user {user_id} {'enabled' if enable else 'disabled'}", markup=False)


token_app = new_app("API tokens for machine clients (bound to one organiser).")


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    user_id: str = typer.Argument(..., help="The organiser's user the token acts as."),
    label: str = typer.Option("", "--label", help="What the token is for."),
    as_user: str | None = AS_OPTION,
) -> None:
    """Make an API token; it is printed once and only its hash is kept."""
    token, secret = core(ctx).create_token(acting(ctx, as_user), user_id, label)
    console.print(
        f"token {token.token_id} of {user_id} for {token.organiser} (shown only now):",
        markup=False,
    )
    print(secret)


@token_app.command("revoke")
def token_revoke(
    ctx: typer.Context,
    token_id: int = typer.Argument(..., help="The token's number (see 'token list')."),
    as_user: str | None = AS_OPTION,
) -> None:
    """Revoke an API token (keepers and admins, or the token's user)."""
    token = core(ctx).revoke_token(acting(ctx, as_user), token_id)
    console.print(f"token {token.token_id} of {token.user_id} revoked", markup=False)


@token_app.command("list")
def token_list(
    ctx: typer.Context,
    user_id: str | None = typer.Option(None, "--user", help="Only this user's tokens."),
    as_user: str | None = AS_OPTION,
) -> None:
    """API tokens (never their secrets)."""
    for t in core(ctx).tokens(acting(ctx, as_user), user_id=user_id):
        state = f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "active"
        console.print(
            f"{t.token_id}\t{t.user_id}\t{t.organiser}\t{t.label}\t{state}",
            highlight=False,
            markup=False,
        )


def register(users_app: typer.Typer) -> None:
    users_app.command("set-password")(set_password)
    users_app.command("disable")(disable)
    users_app.add_typer(token_app, name="token")
