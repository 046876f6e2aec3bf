"""``dsa-monitor alerts``: subscriptions, the events recorded, acknowledgements, the outbox."""

from __future__ import annotations

import getpass
import json

import click

from .. import store
from ..alerts import KINDS, acknowledge, list_subscriptions, subscribe, unsubscribe
from ..errors import DSAMonitorError
from ..readings.labels import with_labels
from ..store import events as stored_events
from ..store import outbox as stored_outbox
from ..store.outbox import OUTBOX_STATES
from . import echo_table, make_app

_user = click.option(
    "--user",
    default=getpass.getuser,
    show_default="the login name",
    help="Who does it (kept in the audit log).",
)


def _db():
    return store.open_database(make_app().config["DATABASE"])


def _run(action):
    db = _db()
    try:
        return action(db)
    except DSAMonitorError as error:
        raise click.ClickException(error.message) from error
    finally:
        db.close()


@click.group("alerts")
def command() -> None:
    """Alert e-mails: who subscribes to what, the events recorded, their acknowledgement, and
    the outbox of messages with their delivery state."""


@command.command("subscribe")
@click.argument("email")
@click.option("--study", default=None, help="The study's code: every recipient in it.")
@click.option("--recipient", "recipient_id", type=int, default=None, help="One recipient's id.")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(KINDS),
    help="An event kind to receive (repeat; default: the DSA kinds and corrections).",
)
@_user
def subscribe_command(
    email: str, study: str | None, recipient_id: int | None, kinds: tuple[str, ...], user: str
) -> None:
    """Subscribe EMAIL to a study's or a recipient's events; again: replace its kinds."""
    row = _run(
        lambda db: subscribe(
            db, email, study=study, recipient_id=recipient_id, kinds=kinds or None, user=user
        )
    )
    scope = f"study {row['study_code']}" if row["study_id"] else f"recipient {row['recipient_id']}"
    click.echo(f"subscription {row['id']}: {row['email']} to {scope}: {', '.join(row['kinds'])}")


@command.command("unsubscribe")
@click.argument("subscription_id", type=int)
@_user
def unsubscribe_command(subscription_id: int, user: str) -> None:
    """End subscription SUBSCRIPTION_ID."""
    _run(lambda db: unsubscribe(db, subscription_id, user=user))
    click.echo(f"subscription {subscription_id} ended")


@command.command("subscriptions")
@click.option("--email", default=None, help="Only this address's subscriptions.")
def subscriptions_command(email: str | None) -> None:
    """List the subscriptions: id, address, study or recipient, kinds."""
    rows = _run(lambda db: list_subscriptions(db, email=email))
    echo_table(
        ("id", "address", "scope", "kinds"),
        (
            (
                row["id"],
                row["email"],
                f"study {row['study_code']}"
                if row["study_id"]
                else f"recipient {row['recipient_id']} ({row['subject_code']})",
                ",".join(row["kinds"]),
            )
            for row in rows
        ),
        empty="no subscriptions",
    )


@command.command("list")
@click.option("--study", default=None, help="Only this study's events.")
@click.option("--recipient", "recipient_id", type=int, default=None, help="Only this recipient's.")
@click.option("--kind", type=click.Choice(KINDS), default=None, help="Only this kind.")
@click.option(
    "--unacknowledged",
    "--open",
    "unacknowledged",
    is_flag=True,
    help="Only open events: nobody acknowledged them and no correction withdrew them.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def list_command(study, recipient_id, kind, unacknowledged, as_json) -> None:
    """List recorded events, newest first."""
    rows = with_labels(
        _run(
            lambda db: stored_events.list_events(
                db,
                study=study,
                recipient_id=recipient_id,
                kind=kind,
                state="open" if unacknowledged else "all",
            )
        )
    )
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, default=str))
        return
    echo_table(
        ("id", "raised", "kind", "recipient", "antigen", "visit", "state"),
        (
            (
                row["id"],
                row["created_at"][:19],
                row["kind"],
                f"{row['study_code']} {row['subject_code']}",
                row["antigen"] or "-",
                row["visit_label"] or "-",
                (f"acknowledged by {row['acknowledged_by']}" if row["acknowledged_at"] else "open")
                + (f", withdrawn by event {row['withdrawn_by']}" if row["withdrawn_by"] else ""),
            )
            for row in rows
        ),
        empty="no events match",
    )


@command.command("ack")
@click.argument("event_id", type=int)
@_user
def ack_command(event_id: int, user: str) -> None:
    """Acknowledge event EVENT_ID: its reminder will not be sent."""
    row = _run(lambda db: acknowledge(db, event_id, user=user))
    click.echo(f"event {event_id} acknowledged by {row['acknowledged_by']} at {row['acknowledged_at'][:19]}")


@command.command("outbox")
@click.option(
    "--state", type=click.Choice(OUTBOX_STATES), default=None, help="Only messages in this state (e.g. dead)."
)
@click.option(
    "--limit",
    type=click.IntRange(1),
    default=None,
    help="Show at most this many (a page); default: every message.",
)
@click.option(
    "--offset",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    help="Skip this many of the newest first (the next page).",
)
def outbox_command(state: str | None, limit: int | None, offset: int) -> None:
    """List the outbox, newest first: id, state, attempts, address, subject, last error; then
    how many messages there are and which of them were shown (on standard error)."""
    rows, total = _run(
        lambda db: (
            stored_outbox.list_messages(db, state=state, limit=limit, offset=offset),
            stored_outbox.count_messages(db, state=state),
        )
    )
    echo_table(
        ("id", "state", "attempts", "to", "subject", "last error"),
        (
            (
                row["id"],
                row["state"] + (" (possible duplicate)" if row["possible_duplicate"] else ""),
                row["attempts"],
                row["to_address"],
                row["subject"],
                row["last_error"] or "",
            )
            for row in rows
        ),
        empty="no messages shown",
    )
    what = f"{total} message(s)" + (f" in state {state}" if state else "")
    if len(rows) == total:
        click.echo(f"{what}, all shown", err=True)
    elif rows:
        following = f"; next page: --offset {offset + len(rows)}" if offset + len(rows) < total else ""
        click.echo(f"{what}, shown {offset + 1} to {offset + len(rows)}{following}", err=True)
    else:
        click.echo(f"{what}, none shown from offset {offset}", err=True)


@command.command("requeue")
@click.argument("outbox_id", type=int)
@_user
def requeue_command(outbox_id: int, user: str) -> None:
    """Send dead message OUTBOX_ID again (after its address or the server was fixed)."""
    _run(lambda db: stored_outbox.requeue(db, outbox_id, user=user))
    click.echo(f"outbox message {outbox_id} queued again")
