"""``dsa-monitor user create|list|disable|enable|password``: the people who sign in to the web pages."""

from __future__ import annotations

import datetime as dt
import getpass

import click

from ..store import users
from . import echo_table, opened_store


@click.group("user")
def command() -> None:
    """Create, list, disable and enable web users, and set their passwords (roles and study
    scopes as API tokens have)."""


@command.command("create")
@click.option("--email", required=True, help="The address the user signs in with.")
@click.option(
    "--role",
    required=True,
    type=click.Choice(users.USER_ROLES),
    help="lab (uploads), clinician, integration (read), coordinator (enrols), admin.",
)
@click.option("--study", default=None, help="Study code: the user sees this study only.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help=f"At least {users.MIN_PASSWORD_LENGTH} characters; asked for when not given.",
)
@click.option(
    "--user",
    "by",
    default=getpass.getuser,
    show_default="the login name",
    help="Who creates the account (kept in the audit log).",
)
def create_command(email: str, role: str, study: str | None, password: str, by: str) -> None:
    """Create a web user; the password is kept only as a salted scrypt hash."""
    with opened_store() as db:
        row = users.create_user(db, email, role, password=password, study=study, user=by)
    scope = f"study {row['study_code']}" if row["study_code"] else "every study"
    click.echo(f"user {row['id']}: {row['email']}, role {row['role']}, {scope}")


@command.command("list")
def list_command() -> None:
    """List web users: e-mail, role, study scope, last sign-in, lockout."""
    with opened_store() as db:
        rows = users.list_users(db)
    now = dt.datetime.now(dt.UTC)
    echo_table(
        ("email", "role", "study", "last sign-in", "locked until"),
        (
            (
                row["email"],
                row["role"],
                row["study_code"] or "*",
                row["last_sign_in_at"] or "never signed in",
                row["locked_until"]
                if row["locked_until"] and dt.datetime.fromisoformat(row["locked_until"]) > now
                else "",
            )
            for row in rows
        ),
        empty="no users",
    )


def _by_option(function):
    return click.option(
        "--user",
        "by",
        default=getpass.getuser,
        show_default="the login name",
        help="Who makes the change (kept in the audit log).",
    )(function)


def _change(change, *args) -> dict:
    with opened_store() as db:
        return change(db, *args)


def _switch(name: str, disabled: bool, help_text: str) -> click.Command:
    """``user disable`` and ``user enable``: one command each, one way of doing it."""

    @command.command(name, help=help_text)
    @click.argument("email")
    @_by_option
    def switch(email: str, by: str) -> None:
        row = _change(lambda db, e: users.set_disabled(db, e, disabled, user=by), email)
        click.echo(f"user {row['id']}: {row['email']} {name}d")

    return switch


disable_command = _switch(
    "disable", True, "Disable a web user: sign-in refused, open sessions end at their next page."
)
enable_command = _switch(
    "enable", False, "Enable a disabled web user again (also lifts a lockout after wrong passwords)."
)


@command.command("password")
@click.argument("email")
@click.option(
    "--password",
    prompt="New password",
    hide_input=True,
    confirmation_prompt=True,
    help=f"At least {users.MIN_PASSWORD_LENGTH} characters; asked for when not given.",
)
@_by_option
def password_command(email: str, password: str, by: str) -> None:
    """Set a web user's password (a reset): lifts a lockout and ends the user's open sessions."""
    row = _change(lambda db, e: users.set_password(db, e, password, user=by), email)
    click.echo(f"user {row['id']}: {row['email']} has a new password")
