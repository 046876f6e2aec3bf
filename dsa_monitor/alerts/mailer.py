"""Handing messages to a mail server (smtplib) or, without one, to a folder of ``.eml`` files.

Failures are sorted the way SMTP itself sorts them (RFC 5321 §4.2.1): a 4xx answer, a refused or
dropped connection is temporary (try again later); a 5xx answer is permanent. A login refused is
treated as temporary: it is the server's configuration, not the message, that must change.
A connection lost, or a reply that never came within SMTP_TIMEOUT, once the final dot of DATA was
sent leaves the message in doubt (RFC 1047: the server may have kept it), like a crash mid-send.
"""

from __future__ import annotations

import logging
import os
import re
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any

from .. import config as app_settings

log = logging.getLogger(__name__)

DUPLICATE_HEADER = "X-DSA-Monitor-Possible-Duplicate"
# Headers unfolded up to RFC 5322's hard limit: Python folds some subjects oddly at 78 characters
# (a leading space after "Subject:"), and an alert's subject must read the same everywhere.
HEADER_POLICY = email_policy.default.clone(max_line_length=998)
# A header value is one line: C0/C1 controls and Unicode line separators become spaces (a sample
# ID with a line break must not end the header, RFC 5322 §2.2), and it stays short enough to read.
HEADER_MAX_CHARACTERS = 250
_NOT_IN_HEADER = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def header_text(value: object, limit: int = HEADER_MAX_CHARACTERS) -> str:
    """``value`` as a safe one-line header value: no CR, LF or other control character, at most
    ``limit`` characters (cut with an ellipsis)."""
    text = " ".join(_NOT_IN_HEADER.sub(" ", str(value)).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class DeliveryFailure(Exception):
    """A message the mail server did not take; ``permanent`` says whether to try again.

    ``in_doubt``: the failure came after the whole message was handed over (the final dot of DATA
    sent), so the server may have kept it; the retry must be marked as a possible duplicate.
    """

    def __init__(self, message: str, *, permanent: bool, in_doubt: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.in_doubt = in_doubt


# The defaults of a field are kept apart: a slotted dataclass's class attribute is its slot.
DEFAULT_MAIL_FROM = "dsa-monitor@localhost"
DEFAULT_MAIL_DIR = "outbox"
DEFAULT_BASE_URL = "http://127.0.0.1:5000"


@dataclass(frozen=True, slots=True)
class MailSettings:
    """Where and how messages go, read from the app's configuration (DSA_MONITOR_* variables)."""

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    security: str = "none"
    mail_from: str = DEFAULT_MAIL_FROM
    mail_dir: str = DEFAULT_MAIL_DIR
    base_url: str = DEFAULT_BASE_URL
    timeout: float = 30.0
    retry_seconds: float = 60.0
    retry_max_seconds: float = 3600.0
    max_attempts: int = 12
    include_patient_names: bool = False

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings:
        """From the app's settings, checked and typed by ``config.check`` (its one check)."""
        settings = dict(config)
        app_settings.check(settings)
        security = str(settings.get("SMTP_SECURITY") or "none").lower()
        return cls(
            smtp_host=settings.get("SMTP_HOST") or None,
            smtp_port=settings.get("SMTP_PORT") or (465 if security == "ssl" else 25),
            smtp_user=settings.get("SMTP_USER") or None,
            smtp_password=settings.get("SMTP_PASSWORD") or None,
            security=security,
            mail_from=str(settings.get("MAIL_FROM") or DEFAULT_MAIL_FROM),
            mail_dir=str(settings.get("MAIL_DIR") or DEFAULT_MAIL_DIR),
            base_url=str(settings.get("BASE_URL") or DEFAULT_BASE_URL).rstrip("/"),
            timeout=settings["SMTP_TIMEOUT"],
            retry_seconds=settings["MAIL_RETRY_SECONDS"],
            retry_max_seconds=settings["MAIL_RETRY_MAX_SECONDS"],
            max_attempts=settings["MAIL_MAX_ATTEMPTS"],
            include_patient_names=settings["MAIL_INCLUDE_PATIENT_NAMES"],
        )

    @classmethod
    def current(cls) -> MailSettings:
        """The settings of the Flask app in context, else the defaults and environment."""
        from flask import current_app, has_app_context

        if has_app_context():
            return cls.from_config(current_app.config)
        return cls.from_config({**app_settings.DEFAULTS, **app_settings.from_environment()})

    @property
    def domain(self) -> str:
        """The right-hand side of our Message-IDs: the sender's domain."""
        return self.mail_from.rpartition("@")[2].strip("> ") or "dsa-monitor.invalid"


def build_email(message: Mapping[str, Any], settings: MailSettings) -> EmailMessage:
    """An outbox row as an e-mail: plain text with an HTML alternative, its stable Message-ID.

    A row whose earlier send was interrupted keeps its Message-ID (receiving systems can drop
    the copy) and says, in a header and the subject, that it may be a duplicate.
    """
    email = EmailMessage(policy=HEADER_POLICY)
    subject = message["subject"]
    if message.get("possible_duplicate"):
        subject = "[possible duplicate] " + subject
        email[DUPLICATE_HEADER] = "yes"  # an earlier send of this Message-ID was interrupted
    email["Subject"] = header_text(subject)  # rows queued before subjects were made safe
    email["From"] = settings.mail_from
    email["To"] = message["to_address"]
    email["Date"] = formatdate(localtime=False, usegmt=True)
    email["Message-ID"] = message["message_id"]
    email["Auto-Submitted"] = "auto-generated"
    if message["event_id"] is not None:  # a password reset e-mail belongs to no event
        email["X-DSA-Monitor-Event"] = str(message["event_id"])
    email.set_content(message["body_text"])
    email.add_alternative(message["body_html"], subtype="html")
    return email


def _classify(error: Exception, *, handed_over: bool) -> DeliveryFailure:
    """The failure as SMTP sorts it; ``handed_over``: the final dot of DATA had been sent."""
    if handed_over and not isinstance(error, smtplib.SMTPResponseException):
        return DeliveryFailure(
            f"{type(error).__name__}: {error} after the whole message was sent: the server may have kept it",
            permanent=False,
            in_doubt=True,
        )
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        text = "; ".join(
            f"{addr}: {code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
            for addr, (code, msg) in error.recipients.items()
        )
        return DeliveryFailure(f"recipient refused: {text}", permanent=all(c >= 500 for c in codes))
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return DeliveryFailure(f"login refused: {error.smtp_code} {error.smtp_error!r}", permanent=False)
    if isinstance(error, smtplib.SMTPResponseException):
        reply = error.smtp_error
        reply = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
        return DeliveryFailure(
            f"server answered {error.smtp_code} {reply}", permanent=500 <= error.smtp_code < 600
        )
    return DeliveryFailure(f"{type(error).__name__}: {error}", permanent=False)


class _HandOverTracking:
    """Notes when the final dot of DATA has gone out: after it, a lost reply is a doubt."""

    handed_over = False

    def send(self, s):  # smtplib.SMTP.send, through which DATA's end goes as one bytes object
        super().send(s)
        if isinstance(s, bytes) and s.endswith(b"\r\n.\r\n"):
            self.handed_over = True


class _SMTP(_HandOverTracking, smtplib.SMTP):
    pass


class _SMTPSSL(_HandOverTracking, smtplib.SMTP_SSL):
    pass


class SMTPTransport:
    """One connection to the configured server for a batch of messages."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        assert s.smtp_host is not None  # a transport is made only for a configured server
        if s.security == "ssl":
            smtp: smtplib.SMTP = _SMTPSSL(
                s.smtp_host, s.smtp_port, timeout=s.timeout, context=ssl.create_default_context()
            )
        else:
            smtp = _SMTP(s.smtp_host, s.smtp_port, timeout=s.timeout)
        try:
            if s.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, email: EmailMessage) -> None:
        """Hand one message over; raise DeliveryFailure when the server does not take it."""
        smtp = None
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            smtp = self._smtp
            smtp.handed_over = False  # type: ignore[attr-defined]
            smtp.send_message(email)
        except (smtplib.SMTPException, OSError) as error:
            if not isinstance(error, smtplib.SMTPRecipientsRefused):
                self.close()  # the connection's state is unknown: start afresh
            raise _classify(error, handed_over=getattr(smtp, "handed_over", False)) from error

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def describe(self) -> str:
        return f"SMTP {self.settings.smtp_host}:{self.settings.smtp_port} ({self.settings.security})"


class DirectoryTransport:
    """Without a mail server: each message becomes ``<MAIL_DIR>/<Message-ID>.eml``.

    Named by Message-ID, so writing a message again replaces its file rather than adding one.
    """

    def __init__(self, settings: MailSettings) -> None:
        self.folder = Path(settings.mail_dir)

    def send(self, email: EmailMessage) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            name = email["Message-ID"].strip("<>").replace("/", "_") + ".eml"
            temporary = self.folder / (name + ".tmp")
            temporary.write_bytes(bytes(email))
            os.replace(temporary, self.folder / name)
        except OSError as error:
            raise DeliveryFailure(f"cannot write to {self.folder}: {error}", permanent=False) from error
        log.info("message %s written to %s", email["Message-ID"], self.folder / name)

    def close(self) -> None:
        pass

    def describe(self) -> str:
        return f"folder {self.folder}"


def transport_for(settings: MailSettings) -> SMTPTransport | DirectoryTransport:
    """SMTP when a host is configured, else the folder of .eml files."""
    return SMTPTransport(settings) if settings.smtp_host else DirectoryTransport(settings)
