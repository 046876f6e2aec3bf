"""The allele names of a release's ``rel_dna_ser.txt``, and their 2-field forms the release accepts.

Shared by bench_lookup.py and embedded_agreement.py. A 2-field name keeps the suffix of the deeper
allele it was cut from (``A*01:04:01:01N`` -> ``A*01:04N``, as WMDA does); where the alleles of a
2-field group differ in suffix (``A*01:01:38L`` among expressed ``A*01:01``), that form is not a
name the release accepts and is left out.
"""

from __future__ import annotations

from pathlib import Path

from dsa_monitor.errors import InvalidHLAName
from dsa_monitor.hla.names import parse_allele


def release_alleles(directory: Path, loci) -> list[str]:
    """Every allele of the release's ``rel_dna_ser.txt`` at these loci, as written there."""
    lines = (directory / "rel_dna_ser.txt").read_text().splitlines()
    return [
        line.replace(";", "", 1).split(";")[0]
        for line in lines
        if not line.startswith("#") and line.split("*")[0] in loci
    ]


def two_field_names(reference, names) -> list[str]:
    """The distinct 2-field forms of ``names`` that ``reference`` accepts, sorted."""
    accepted = set()
    for text in {str(parse_allele(n).truncate(2)) for n in names}:
        try:
            reference.serology(parse_allele(text))
        except InvalidHLAName:
            continue
        accepted.add(text)
    return sorted(accepted)
