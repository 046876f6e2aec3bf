"""One settings object: built-in defaults < instance file < ``DSA_MONITOR_*`` environment variables."""

from __future__ import annotations

import os
from pathlib import Path

ENV_PREFIX = "DSA_MONITOR_"

# Every setting the service reads, with its default. Environment variables are ENV_PREFIX + key.
DEFAULTS: dict[str, object] = {
    "DATABASE": None,  # path of the SQLite file; default <instance>/dsa_monitor.sqlite3
    "SECRET_KEY": "dev-only-change-me",
    "BASE_URL": "http://127.0.0.1:5000",
    "REFERENCE_DIR": None,  # installed IPD-IMGT/HLA releases; default <instance>/reference
    "MAX_UPLOAD_MB": 50,
    "DATE_FORMAT": None,  # the lab's date format for ambiguous dates, e.g. "%d-%m-%Y"
}

_INTS = {"MAX_UPLOAD_MB"}


def from_environment(environ: dict[str, str] | None = None) -> dict[str, object]:
    """The settings given as DSA_MONITOR_* variables, typed like their defaults."""
    environ = os.environ if environ is None else environ
    found: dict[str, object] = {}
    for key in DEFAULTS:
        raw = environ.get(ENV_PREFIX + key)
        if raw is None or raw == "":
            continue
        found[key] = int(raw) if key in _INTS else raw
    return found


def resolve_paths(settings: dict, instance_path: str | Path) -> None:
    """Fill the path settings left unset with places inside the instance folder."""
    instance = Path(instance_path)
    if not settings.get("DATABASE"):
        settings["DATABASE"] = str(instance / "dsa_monitor.sqlite3")
    if not settings.get("REFERENCE_DIR"):
        settings["REFERENCE_DIR"] = str(instance / "reference")
