"""Read what a bead carries from the vendor's specificity text, as modern allele names.

Forms seen: HLA Fusion's fixed slots (class I 6, class II 12, ``-`` = empty:
``-,-,-,-,DQA1*05:01,-,DQB1*02:01,-,-,-,-,-``), MATCH IT! single alleles (``A*01:01``) and pairs
(``DQA1*05:01, DQB1*02:01``), ``DQA1*05:01~DQB1*02:01``, pre-2010 names (``Cw*0401``).
A bead carries one class I allele, or a class II beta chain with at most its alpha partner
(DQA1+DQB1, DPA1+DPB1, DRA+DRB); heterodimers are given alpha first, as catalogues list them.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..errors import InvalidHLAName
from ..hla.loci import ALPHA_OF_BETA, MONITORED
from ..hla.names import AlleleName, parse_allele

_SEPARATORS = re.compile(r"[,;~+/\s]+")
_EMPTY = frozenset({"", "-", "--", "n/a", "na"})


def locus_class(locus: str) -> str | None:
    """HLA class of a bead locus (``DRA`` counts as class II); ``None`` when not on SAB panels."""
    if locus == "DRA":
        return "II"
    known = MONITORED.get(locus)
    return known.hla_class if known else None


@lru_cache(maxsize=8192)
def parse_specificity(text: str) -> tuple[str, ...]:
    """The alleles on one bead; ``()`` for an empty specificity (control beads).

    Raises ``InvalidHLAName`` naming the whole text and why it is not a bead specificity.
    """
    tokens = [token for token in _SEPARATORS.split(text.strip()) if token.lower() not in _EMPTY]
    alleles = []
    for token in tokens:
        try:
            alleles.append(parse_allele(token))
        except InvalidHLAName as error:
            raise InvalidHLAName(text, f"{token!r} is not an allele name: {error.reason}") from None
    unique = list(dict.fromkeys(alleles))  # Fusion repeats nothing, but tolerate an exact repeat
    loci = [allele.locus for allele in unique]
    for locus in loci:
        if locus_class(locus) is None:
            raise InvalidHLAName(text, f"locus {locus} is not on single-antigen bead panels")
    if len(set(loci)) != len(loci):
        raise InvalidHLAName(text, "a bead carries one allele per locus")
    if len(unique) > 2:
        raise InvalidHLAName(text, "a bead carries one allele, or a class II alpha/beta pair")
    if len(unique) == 2:
        unique = _heterodimer(text, unique)
    return tuple(str(allele) for allele in unique)


def _heterodimer(text: str, pair: list[AlleleName]) -> list[AlleleName]:
    """The pair ordered alpha, beta; refused unless the alpha is the beta's partner chain."""
    first, second = pair
    if _partner(first.locus, second.locus):
        return [first, second]
    if _partner(second.locus, first.locus):
        return [second, first]
    raise InvalidHLAName(text, f"{first.locus} and {second.locus} do not form a class II alpha/beta pair")


def _partner(alpha: str, beta: str) -> bool:
    partner = ALPHA_OF_BETA.get(beta) or ("DRA" if beta.startswith("DRB") else None)
    return partner == alpha


def specificity_class(alleles: tuple[str, ...]) -> str | None:
    """``I`` or ``II`` for a bead's alleles; ``None`` for an empty (control) bead."""
    for allele in alleles:
        return locus_class(allele.partition("*")[0])
    return None
