"""Mail settings read from a configuration: what is not given takes its documented default."""

from __future__ import annotations

from dsa_monitor.alerts.mailer import MailSettings
from dsa_monitor.config import DEFAULTS


def test_settings_not_given_take_the_defaults_not_the_class_slots():
    # MAIL_DIR is None until an app fills it from its instance folder: a configuration read
    # without an app (a script, a benchmark) still writes to "outbox", never to a folder named
    # after the slotted class's member descriptor.
    settings = MailSettings.from_config(dict(DEFAULTS))
    assert (settings.mail_dir, settings.mail_from, settings.base_url) == (
        "outbox",
        "dsa-monitor@localhost",
        "http://127.0.0.1:5000",
    )
    assert settings.smtp_host is None and settings.smtp_port == 25


def test_settings_given_are_kept():
    settings = MailSettings.from_config(
        {
            **DEFAULTS,
            "MAIL_DIR": "/srv/mail",
            "MAIL_FROM": "lab@example.org",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_SECURITY": "ssl",
        }
    )
    assert (settings.mail_dir, settings.mail_from, settings.smtp_host, settings.smtp_port) == (
        "/srv/mail",
        "lab@example.org",
        "127.0.0.1",
        465,
    )
