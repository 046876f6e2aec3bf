"""``dsa-monitor token create|revoke|list``: the bearer tokens the HTTP API accepts."""

from __future__ import annotations

import getpass

import click

from ..store import tokens
from . import echo_table, opened_store


@click.group("token")
def command() -> None:
    """Create, revoke and list API tokens (roles: lab, clinician, integration, admin)."""


@command.command("create")
@click.option("--name", required=True, help="Who or what holds the token; kept in the audit log.")
@click.option(
    "--role",
    required=True,
    type=click.Choice(tokens.TOKEN_ROLES),
    help="lab: uploads, typings, read; clinician: read; integration: read; admin: everything.",
)
@click.option("--study", default=None, help="Scope the token to this study code.")
@click.option(
    "--user",
    default=getpass.getuser,
    show_default="the login name",
    help="Who creates the token (kept in the audit log).",
)
def create_command(name: str, role: str, study: str | None, user: str) -> None:
    """Create a token and print its secret on stdout, once: only its sha256 is stored."""
    with opened_store() as db:
        record, secret = tokens.create_token(db, name, role, study=study, user=user)
    scope = f"study {record['study_code']}" if record["study_code"] else "all studies"
    click.echo(
        f"token {name!r}: role {role}, {scope}. Its secret is shown only now; send it as "
        f"'Authorization: Bearer <secret>':",
        err=True,
    )
    click.echo(secret)


@command.command("revoke")
@click.argument("name")
@click.option(
    "--user",
    default=getpass.getuser,
    show_default="the login name",
    help="Who revokes the token (kept in the audit log).",
)
def revoke_command(name: str, user: str) -> None:
    """Revoke the active token NAME: from now on it is refused (401)."""
    with opened_store() as db:
        tokens.revoke_token(db, name, user=user)
    click.echo(f"token {name!r} revoked")


@command.command("list")
@click.option("--all", "include_revoked", is_flag=True, help="Include revoked tokens.")
def list_command(include_revoked: bool) -> None:
    """The tokens by name: role, study, who created them and when (never their secrets)."""
    with opened_store() as db:
        rows = tokens.list_tokens(db, include_revoked=include_revoked)
    echo_table(
        ("name", "role", "study", "created", "by", "revoked"),
        (
            (
                row["name"],
                row["role"],
                row["study_code"] or "*",
                row["created_at"],
                row["created_by"],
                f"{row['revoked_at']} by {row['revoked_by']}" if row["revoked_at"] else "",
            )
            for row in rows
        ),
        empty="no tokens" + ("" if include_revoked else " (active; --all for revoked)"),
    )
