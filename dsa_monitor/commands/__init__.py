"""Command-line doors onto the service: each module defines ``command``; ``cli.py`` collects them."""

from __future__ import annotations

from flask import Flask


def make_app(**overrides: object) -> Flask:
    """The application the commands work in (same configuration as the web server)."""
    from ..app import create_app

    return create_app(overrides or None)
