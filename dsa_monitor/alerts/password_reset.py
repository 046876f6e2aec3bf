"""The password reset e-mail: queued in the outbox in the request's own transaction, delivered by
the scheduler's ``deliver`` job like every alert (retries, the .eml folder without a server).

The web door only parses the form and shows one answer; it never talks to a mail server.
"""

from __future__ import annotations

import datetime as dt
import html
import uuid

from sqlite_utils import Database

from ..errors import TooManyResetRequests
from ..store import outbox, password_resets
from ..store.transaction import write_transaction
from .mailer import MailSettings, header_text

SUBJECT = "[dsa-monitor] Reset your password"


def reset_link(settings: MailSettings, token: str) -> str:
    """The page that takes the token, at the service's public address (BASE_URL)."""
    return f"{settings.base_url}/reset-password/{token}"


def queue_password_reset(
    db: Database,
    email: str,
    settings: MailSettings,
    *,
    lifetime: dt.timedelta,
    per_hour: int,
    now: dt.datetime | None = None,
) -> None:
    """Record a reset request and, when the address has an enabled account, queue its e-mail;
    nothing tells the caller which (no account enumeration). Over the hourly limit of the
    address: TooManyResetRequests, after the refusal's audit row is committed."""
    with write_transaction(db):
        made = password_resets.request_reset(db, email, lifetime=lifetime, per_hour=per_hour, now=now)
        if made.token is not None:
            text, body_html = _bodies(reset_link(settings, made.token), made.expires_at, lifetime)
            outbox.insert_message(
                db,
                event_id=None,
                purpose="password_reset",
                to_address=made.email,
                subject=header_text(SUBJECT),
                body_text=text,
                body_html=body_html,
                message_id=f"<{uuid.uuid4().hex}.password-reset@{settings.domain}>",
            )
    if made.limited_until is not None:
        raise TooManyResetRequests(
            f"too many password reset requests for this address ({per_hour} an hour): try again"
            f" after {made.limited_until:%H:%M} UTC, or ask an administrator"
        )


def _bodies(link: str, expires_at: dt.datetime, lifetime: dt.timedelta) -> tuple[str, str]:
    """Plain text and HTML: the link, until when it works, what to do if you did not ask."""
    minutes = round(lifetime.total_seconds() / 60)
    until = f"{expires_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"
    lines = [
        "Someone, we hope you, asked to reset the password of your DSA monitor account.",
        f"To choose a new password, open this link within {minutes} minutes (until {until}); it works once:",
        link,
        "If you did not ask, ignore this e-mail: your password stays as it is.",
    ]
    text = "\n\n".join(lines) + "\n"
    paragraphs = [html.escape(line) for line in lines]
    paragraphs[2] = f'<a href="{html.escape(link)}">{html.escape(link)}</a>'
    return text, "".join(f"<p>{p}</p>\n" for p in paragraphs)
