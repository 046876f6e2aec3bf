"""Command-line doors onto the service: each module defines ``command``; ``cli.py`` collects them."""

from __future__ import annotations

from pathlib import Path

from flask import Flask


def make_app(**overrides: object) -> Flask:
    """The application the commands work in (same configuration as the web server)."""
    import click

    from ..app import create_app
    from ..config import InvalidSetting

    try:
        return create_app(overrides or None)
    except InvalidSetting as error:  # one line a 3 a.m. reader can act on, no traceback
        raise click.ClickException(error.message) from error


def existing_database(app: Flask) -> Flask:
    """The app, when its database file exists: a long-running process started on a mistyped
    ``DSA_MONITOR_DATABASE`` would otherwise work on a new empty database as if data were lost."""
    import click

    path = Path(app.config["DATABASE"])
    if not path.exists():
        raise click.ClickException(
            f"no database at {path}: check DSA_MONITOR_DATABASE, or create it with"
            " `dsa-monitor init`")
    return app
