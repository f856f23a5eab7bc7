"""``sosdata users set-password / disable / token``."""

from __future__ import annotations

from sosdata.register import accounts, store

ORG = "1.2.246.10.9999901.10.0"


def test_users_commands(cli, settings):
    assert cli("init").exit_code == 0
    me = accounts.users.os_user()
    assert cli("users", "add", "anna", "--organiser", ORG).exit_code == 0
    done = cli("users", "set-password", "anna", "--password-stdin", input="a-long-password\n")
    assert done.exit_code == 0, done.stderr
    short = cli("users", "set-password", "anna", "--password-stdin", input="short\n")
    assert (
        short.exit_code == 1 and "at least 12" in short.stderr and "Traceback" not in short.stderr
    )
    made = cli("users", "token", "create", "anna", "--label", "county system")
    assert made.exit_code == 0
    secret = made.stdout.strip().splitlines()[-1]
    assert secret.startswith("sosd_")
    listed = cli("users", "token", "list")
    assert "county system" in listed.stdout and secret not in listed.stdout
    with store.opened(settings) as conn:
        assert accounts.token_user(conn, secret).user_id == "anna"
    # an organiser's user may not disable others
    refused = cli("users", "disable", me, "--as", "anna")
    assert refused.exit_code == 1 and "may not manage users" in refused.stderr
    assert cli("users", "disable", "anna").exit_code == 0
    with store.opened(settings) as conn:
        assert accounts.token_user(conn, secret) is None
    assert cli("users", "disable", "anna", "--enable").exit_code == 0
    assert cli("users", "token", "revoke", "1").exit_code == 0
    with store.opened(settings) as conn:
        assert accounts.token_user(conn, secret) is None
    assert cli("users", "token", "revoke", "99").exit_code == 1
