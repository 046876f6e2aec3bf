"""Command-line doors onto the service: each module defines ``command``; ``cli.py`` collects them."""

from __future__ import annotations

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
