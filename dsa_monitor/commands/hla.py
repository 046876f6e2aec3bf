"""``dsa-monitor hla lookup|check``: resolve HLA names to their serologic antigen, one JSON line
each; re-check the stored typings against the reference release in force."""

from __future__ import annotations

import json
import sys

import click

from .. import store
from ..errors import DSAMonitorError
from ..hla.lookup import lookup
from ..hla.typing import HLATyping
from ..reference import service
from . import domain_errors, make_app, opened_store


@click.group("hla")
def command() -> None:
    """Look up HLA names against the reference data (IPD-IMGT/HLA release or embedded default)."""


@command.command("lookup")
@click.argument("names", nargs=-1, required=True)
@click.option(
    "--release",
    default=None,
    help="Installed release to use (or 'embedded'); default: the active one, else embedded.",
)
def lookup_command(names: tuple[str, ...], release: str | None) -> None:
    """Print one JSON object per NAME (allele, antigen, NMDP or XX code); '-' reads names from stdin.

    Always exits 0 when the reference data loads: an invalid name gets an "error" message.
    """
    with domain_errors():
        reference = service.get(make_app(), release)
    seen: dict[str, str] = {}
    out = sys.stdout
    batch: list[str] = []
    for text in _names(names):
        line = seen.get(text)
        if line is None:
            line = seen[text] = json.dumps(lookup(reference, text))
        batch.append(line)
        if len(batch) >= 4096:
            out.write("\n".join(batch) + "\n")
            batch.clear()
    if batch:
        out.write("\n".join(batch) + "\n")
    out.flush()


@command.command("check")
@click.option(
    "--release",
    default=None,
    help="Installed release to check against (or 'embedded'); default: the active one.",
)
def check_command(release: str | None) -> None:
    """Re-check every current stored typing against a reference release (after installing a new
    one, or when rules for names tighten); list each typing it refuses and exit 1 if any."""
    app = make_app()
    with domain_errors():
        reference = service.get(app, release)
    with opened_store(app) as db:
        typings = store.typings.current_typings(db)
    refused = 0
    for row in typings:
        try:
            HLATyping.from_dict(row["typing"], reference)
        except DSAMonitorError as error:
            refused += 1
            click.echo(
                f"{row['owner_kind']} {row['owner_code']} (typing version {row['version']}): {error.message}"
            )
    click.echo(f"{len(typings)} typing(s) checked against {reference.label}: {refused} refused")
    if refused:
        raise SystemExit(1)


def _names(arguments: tuple[str, ...]):
    for argument in arguments:
        if argument == "-":
            for line in sys.stdin:
                yield from line.split()
        else:
            yield argument
