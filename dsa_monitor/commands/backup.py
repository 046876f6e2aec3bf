"""``dsa-monitor backup PATH``: a consistent, checked copy of the database while the service runs."""

from __future__ import annotations

from pathlib import Path

import click

from ..store.backup import backup_database
from . import domain_errors, settings


def _size(size: int) -> str:
    amount: float = size  # the int of bytes, then a float of larger units
    for unit in ("bytes", "KB", "MB", "GB"):
        if amount < 1024 or unit == "GB":
            return f"{amount} bytes" if unit == "bytes" else f"{amount:.1f} {unit}"
        amount /= 1024
    raise AssertionError("unreachable")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def command(path: Path, force: bool) -> None:
    """Copy the database (DSA_MONITOR_DATABASE) to PATH with SQLite's online backup: consistent
    while the service writes, checked with PRAGMA integrity_check, one self-contained file.
    An existing PATH is refused unless --force. Prints the copy's size and schema version."""
    with domain_errors():
        report = backup_database(settings().database, path, force=force)
    click.echo(
        f"backed up {report.source} to {report.target}: {_size(report.size)}"
        f" ({report.size} bytes), schema {report.schema}"
        f" ({len(report.migrations)} migrations, user_version {report.user_version}),"
        f" integrity {report.integrity}"
    )
