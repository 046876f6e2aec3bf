"""``dsa-monitor hla lookup``: resolve HLA names to their serologic antigen, one JSON line each."""

from __future__ import annotations

import json
import sys

import click

from ..errors import DSAMonitorError
from ..hla.lookup import lookup
from ..reference import service
from . import make_app


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
    try:
        reference = service.get(make_app(), release)
    except DSAMonitorError as error:
        raise click.ClickException(error.message) from error
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


def _names(arguments: tuple[str, ...]):
    for argument in arguments:
        if argument == "-":
            for line in sys.stdin:
                yield from line.split()
        else:
            yield argument
