"""Command-line doors onto the service: each module defines ``command``; ``cli.py`` collects them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import click
from flask import Flask
from sqlite_utils import Database

from .. import store
from ..config import Settings, settings_of
from ..errors import DSAMonitorError


def make_app(**overrides: object) -> Flask:
    """The application the commands work in (same configuration as the web server)."""
    from ..app import create_app
    from ..config import InvalidSetting

    try:
        return create_app(overrides or None)
    except InvalidSetting as error:  # one line a 3 a.m. reader can act on, no traceback
        raise click.ClickException(error.message) from error


def existing_database(app: Flask) -> Flask:
    """The app, when its database file exists: a long-running process started on a mistyped
    ``DSA_MONITOR_DATABASE`` would otherwise work on a new empty database as if data were lost."""
    path = Path(settings_of(app).database)
    if not path.exists():
        raise click.ClickException(
            f"no database at {path}: check DSA_MONITOR_DATABASE, or create it with `dsa-monitor init`"
        )
    return app


def settings(app: Flask | None = None) -> Settings:
    """The typed settings of the commands' app."""
    return settings_of(app or make_app())


@contextlib.contextmanager
def domain_errors() -> Iterator[None]:
    """A domain error becomes one line on stderr and exit status 1, never a traceback."""
    try:
        yield
    except DSAMonitorError as error:
        raise click.ClickException(error.message) from error


@contextlib.contextmanager
def opened_store(app: Flask | None = None, *, migrate: bool = True) -> Iterator[Database]:
    """The database of the commands' app, closed after the block, its domain errors as one
    line: the one way a command opens the store."""
    db = store.open_database(settings(app).database, migrate=migrate)
    try:
        with domain_errors():
            yield db
    finally:
        db.close()


def echo_table(header: Sequence[str], rows: Iterable[Sequence[object]], *, empty: str) -> None:
    """A table on standard output: a header row, then one tab-separated line per row; with no
    row, one line that says so (``empty``) instead of nothing, so that a reader knows the
    command ran and found nothing."""
    lines = ["\t".join("" if cell is None else str(cell) for cell in row) for row in rows]
    if not lines:
        click.echo(empty)
        return
    click.echo("\t".join(header))
    for line in lines:
        click.echo(line)
