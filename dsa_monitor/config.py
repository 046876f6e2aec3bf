"""One settings object: built-in defaults < instance file < ``DSA_MONITOR_*`` environment variables.

``check`` types and refuses values when the app is built; ``settings_of(app)`` gives them as one
typed ``Settings`` that every door reads (never a string key of ``app.config``).
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from .errors import InvalidSetting

ENV_PREFIX = "DSA_MONITOR_"

# Every HTML answer (pages, the API reference): nothing from elsewhere, no script at all, forms
# post only here, never framed.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)

# Every setting the service reads, with its default. Environment variables are ENV_PREFIX + key.
DEFAULTS: dict[str, object] = {
    "DATABASE": None,  # path of the SQLite file; default <instance>/dsa_monitor.sqlite3
    "SECRET_KEY": "dev-only-change-me",
    "BASE_URL": "http://127.0.0.1:5000",
    "REFERENCE_DIR": None,  # installed IPD-IMGT/HLA releases; default <instance>/reference
    "MAX_UPLOAD_MB": 50,
    "DATE_FORMAT": None,  # the lab's date format for ambiguous dates, e.g. "%d-%m-%Y"
    # E-mail alerts (dsa_monitor/alerts): without SMTP_HOST, messages become .eml files in MAIL_DIR.
    "SMTP_HOST": None,  # "none": no server whatever the instance file says (NO_SMTP_HOST)
    "SMTP_PORT": None,  # default 25, or 465 with SMTP_SECURITY=ssl
    "SMTP_USER": None,
    "SMTP_PASSWORD": None,
    "SMTP_SECURITY": "none",  # none | starttls | ssl
    "SMTP_TIMEOUT": 30,  # seconds
    "MAIL_FROM": "dsa-monitor@localhost",
    "MAIL_DIR": None,  # default <instance>/outbox
    "MAIL_RETRY_SECONDS": 60,  # first retry after a temporary failure; doubles each time
    "MAIL_RETRY_MAX_SECONDS": 3600,
    "MAIL_MAX_ATTEMPTS": 12,  # then the message is dead (visible in `dsa-monitor alerts outbox`)
    "MAIL_INCLUDE_PATIENT_NAMES": False,
    "REMINDER_DELAY_HOURS": 48,  # an unacknowledged de novo DSA alert is re-sent once after this
    "OVERDUE_MAX_AGE_DAYS": 30,  # overdue visits whose window closed longer ago are not alerted
    # Forgotten passwords: how long an e-mailed reset link works; requests an address may make an hour.
    "PASSWORD_RESET_MINUTES": 60,
    "PASSWORD_RESETS_PER_HOUR": 3,
    # The scheduler (`dsa-monitor scheduler`): job intervals in seconds, one process at a time.
    "SCHEDULER_IN_WEB": False,  # run the jobs inside the web server process too
    "SCHEDULER_LEASE_SECONDS": 60,
    "SCHEDULER_EVALUATE_SECONDS": 300,
    "SCHEDULER_DELIVER_SECONDS": 30,
    "SCHEDULER_OVERDUE_SECONDS": 3600,
    "SCHEDULER_REMINDER_SECONDS": 900,
    # Control-bead QC limits by kit or lot, as JSON: {"LS1A04": {"pc_min": 1500, "nc_max": 1000}}.
    "QC_LIMITS": None,
    # A long evaluation run (2,000 recipients or more) computes half its batches in a second process.
    "EVALUATION_HELPER": True,
}

# Checked when the app is built: a wrong value stops the start with one clear line, never a
# traceback in a job hours later. Whole numbers with their minimum; the rest (seconds, hours) > 0.
_WHOLE = {
    "MAX_UPLOAD_MB": 1,
    "MAIL_MAX_ATTEMPTS": 1,
    "OVERDUE_MAX_AGE_DAYS": 0,
    "PASSWORD_RESETS_PER_HOUR": 1,
}
_POSITIVE = (
    "SMTP_TIMEOUT",
    "MAIL_RETRY_SECONDS",
    "MAIL_RETRY_MAX_SECONDS",
    "REMINDER_DELAY_HOURS",
    "PASSWORD_RESET_MINUTES",
    "SCHEDULER_LEASE_SECONDS",
    "SCHEDULER_EVALUATE_SECONDS",
    "SCHEDULER_DELIVER_SECONDS",
    "SCHEDULER_OVERDUE_SECONDS",
    "SCHEDULER_REMINDER_SECONDS",
)
_FLAGS = ("MAIL_INCLUDE_PATIENT_NAMES", "SCHEDULER_IN_WEB", "EVALUATION_HELPER")
_TRUE_WORDS = {"1", "true", "yes", "on"}
_FLAG_WORDS = _TRUE_WORDS | {"0", "false", "no", "off", ""}
SECURITY_MODES = ("none", "starttls", "ssl")
# SMTP_HOST=none sends no mail to any server: messages become .eml files in MAIL_DIR. An empty
# variable counts as not given, so only a word can override a host set in the instance file (the
# demo's commands use it: their mail stays in the demo's folder); an unlikely name for a server.
NO_SMTP_HOST = "none"


def check(settings: dict) -> None:
    """Type the settings in place (numbers, port, true/false) and refuse any value the service
    cannot run with: the one check of every setting, for the app and for the mail settings."""

    def refuse(key: str, expected: str) -> InvalidSetting:
        return InvalidSetting(
            f"{ENV_PREFIX}{key}={settings[key]!r}: expected {expected}", setting=ENV_PREFIX + key
        )

    def number(key: str) -> float:
        try:
            value = float(settings.get(key))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            value = float("nan")
        return value

    for key, minimum in _WHOLE.items():
        value = number(key)
        if not (value >= minimum and value.is_integer()):
            raise refuse(key, f"a whole number of at least {minimum}")
        settings[key] = int(value)
    for key in _POSITIVE:
        value = number(key)
        if not 0 < value < float("inf"):
            raise refuse(key, "a number greater than 0")
        settings[key] = value
    port = settings.get("SMTP_PORT")
    if port not in (None, ""):
        if not str(port).isdigit() or not 1 <= int(port) <= 65535:
            raise refuse("SMTP_PORT", "a port number from 1 to 65535")
        settings["SMTP_PORT"] = int(port)
    if str(settings.get("SMTP_HOST") or "").strip().lower() == NO_SMTP_HOST:
        settings["SMTP_HOST"] = None
    if str(settings.get("SMTP_SECURITY") or "none").lower() not in SECURITY_MODES:
        raise refuse("SMTP_SECURITY", "one of " + ", ".join(SECURITY_MODES))
    for key in _FLAGS:
        flag = settings.get(key)
        if isinstance(flag, str):
            if flag.strip().lower() not in _FLAG_WORDS:
                raise refuse(key, "true or false")
            flag = flag.strip().lower() in _TRUE_WORDS
        settings[key] = bool(flag)
    if not str(settings.get("BASE_URL") or "").startswith(("http://", "https://")):
        raise refuse("BASE_URL", "the service's address, starting with http:// or https://")
    if "@" not in str(settings.get("MAIL_FROM") or ""):
        raise refuse("MAIL_FROM", "an e-mail address")
    settings["QC_LIMITS"] = _qc_limits(settings.get("QC_LIMITS"), refuse)


def _qc_limits(value: object, refuse) -> dict[str, dict[str, float]] | None:
    """QC limits by kit or lot: a mapping (or its JSON text) of names to limits in MFI."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise refuse("QC_LIMITS", "a JSON object of kits or lots to their limits") from None
    if not isinstance(value, Mapping) or not all(
        isinstance(limits, Mapping) and all(isinstance(v, int | float) for v in limits.values())
        for limits in value.values()
    ):
        raise refuse("QC_LIMITS", "kits or lots, each to its limits in MFI (numbers)")
    return {str(k): {str(n): float(v) for n, v in limits.items()} for k, limits in value.items()}


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, object]:
    """The settings given as DSA_MONITOR_* variables, typed like their defaults."""
    given: Mapping[str, str] = os.environ if environ is None else environ
    found: dict[str, object] = {}
    for key in DEFAULTS:
        raw = given.get(ENV_PREFIX + key)
        if raw is None or raw == "":
            continue
        found[key] = raw  # typed by ``check`` when the app is built
    return found


def resolve_paths(settings: dict, instance_path: str | Path) -> None:
    """Fill the path settings left unset with places inside the instance folder."""
    instance = Path(instance_path)
    if not settings.get("DATABASE"):
        settings["DATABASE"] = str(instance / "dsa_monitor.sqlite3")
    if not settings.get("REFERENCE_DIR"):
        settings["REFERENCE_DIR"] = str(instance / "reference")
    if not settings.get("MAIL_DIR"):
        settings["MAIL_DIR"] = str(instance / "outbox")


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting, typed: what a door, a job or a command reads."""

    database: Path
    secret_key: str
    base_url: str
    reference_dir: Path
    max_upload_mb: int
    date_format: str | None
    smtp_host: str | None
    smtp_port: int | None
    smtp_user: str | None
    smtp_password: str | None
    smtp_security: str
    smtp_timeout: float
    mail_from: str
    mail_dir: Path
    mail_retry_seconds: float
    mail_retry_max_seconds: float
    mail_max_attempts: int
    mail_include_patient_names: bool
    reminder_delay_hours: float
    overdue_max_age_days: int
    password_reset_minutes: float
    password_resets_per_hour: int
    scheduler_in_web: bool
    scheduler_lease_seconds: float
    scheduler_evaluate_seconds: float
    scheduler_deliver_seconds: float
    scheduler_overdue_seconds: float
    scheduler_reminder_seconds: float
    qc_limits: Mapping[str, Mapping[str, float]] | None
    evaluation_helper: bool

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> Settings:
        """From a checked configuration (``check`` and ``resolve_paths`` applied)."""
        paths = {"database", "reference_dir", "mail_dir"}
        values: dict[str, Any] = {}
        for item in fields(cls):
            value = config.get(item.name.upper())
            values[item.name] = Path(value) if item.name in paths and value else value
        return cls(**values)


def settings_of(app: Any) -> Settings:
    """The app's settings, typed: made again whenever a value in its config differs from the
    values they were last made from (tests change the config), else the ones made then (a
    request asks two or three times; making them costs ~50 us)."""
    config, extensions = app.config, app.extensions  # once: ``app`` is often a context proxy
    raw = tuple([config.get(key) for key in _SETTING_KEYS])
    made = extensions.get(_SETTINGS_MADE)
    if made is not None and made[0] == raw:
        return made[1]
    settings = Settings.from_mapping(config)
    extensions[_SETTINGS_MADE] = (copy.deepcopy(raw), settings)
    return settings


_SETTING_KEYS = tuple(item.name.upper() for item in fields(Settings))
_SETTINGS_MADE = "dsa_settings"
