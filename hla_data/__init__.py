"""The embedded default reference tables, written by the project (see README.md): read as text."""

from __future__ import annotations

from importlib import resources

ALLELE_SEROLOGY = "allele_serology.csv"
ANTIGENS = "antigens.csv"


def read(name: str) -> str:
    """The text of one packaged table (``allele_serology.csv`` or ``antigens.csv``)."""
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
