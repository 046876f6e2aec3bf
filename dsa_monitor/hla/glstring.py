"""GL Strings, the community standard for exchanging HLA typings (Milius et al. 2013, v1.1).

Operators, from the tightest to the loosest: ``/`` allele list (ambiguity), ``~`` haplotype (phase),
``+`` genotype (the copies of a gene), ``|`` genotype list (genotype ambiguity), ``^`` between loci.

Decisions:
- Output: every allele name carries the ``HLA-`` prefix, as the standard writes them
  (``HLA-A*02:01+HLA-A*24:02``); input accepts names with or without it, pre-2010 names and ``Cw*``,
  and ``format(parse(text))`` is the canonical string (modern names, ``HLA-`` prefix, no spaces).
- Elements are alleles and NMDP/XX codes (kept unexpanded). Serologic antigens are refused: GL
  Strings are allele-level by standard; antigens belong in the typing's per-locus form
  (``typing.HLATyping``).
- The order of elements is kept as given, so that a round trip never reorders a lab's typing.
- The copies in a genotype (``+``) must share a locus, but may differ in the others: DR haplotypes
  carry different DRB3/4/5 genes (``HLA-DRB1*15:01~HLA-DRB5*01:01+HLA-DRB1*04:01~HLA-DRB4*01:03``).
  Likewise the genotypes of a genotype list (``|``).
- Positions in error messages count characters from 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from ..errors import InvalidHLAName
from .names import AlleleCode, AlleleName, parse_antigen, parse_name

Element = AlleleName | AlleleCode

OPERATORS = "^|+~/"
_ALLOWED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*:- " + OPERATORS)


def _gl_name(element: Element) -> str:
    return f"HLA-{element}"


def _union(parts: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(locus for part in parts for locus in part))


def _shared(parts: list[tuple[str, ...]]) -> str | None:
    """None when the parts share a locus, else the loci found (for the error message)."""
    if set.intersection(*(set(p) for p in parts)):
        return None
    return " and ".join(sorted({"~".join(p) for p in parts}))


@dataclass(frozen=True, slots=True)
class AlleleList:
    """Alleles of one locus, one of which is present (``/``)."""

    alleles: tuple[Element, ...]

    @property
    def locus(self) -> str:
        return self.alleles[0].locus

    @property
    def loci(self) -> tuple[str, ...]:
        return (self.locus,)

    def __str__(self) -> str:
        return "/".join(_gl_name(a) for a in self.alleles)


@dataclass(frozen=True, slots=True)
class Haplotype:
    """Allele lists of different loci known to be on one chromosome (``~``)."""

    allele_lists: tuple[AlleleList, ...]

    @property
    def loci(self) -> tuple[str, ...]:
        return tuple(a.locus for a in self.allele_lists)

    def at(self, locus: str) -> AlleleList | None:
        """The allele list this haplotype holds for ``locus``."""
        return next((a for a in self.allele_lists if a.locus == locus), None)

    def __str__(self) -> str:
        return "~".join(str(a) for a in self.allele_lists)


@dataclass(frozen=True, slots=True)
class Genotype:
    """The copies of the same loci a person carries (``+``)."""

    haplotypes: tuple[Haplotype, ...]

    @property
    def loci(self) -> tuple[str, ...]:
        return _union(h.loci for h in self.haplotypes)

    def __str__(self) -> str:
        return "+".join(str(h) for h in self.haplotypes)


@dataclass(frozen=True, slots=True)
class GenotypeList:
    """Genotypes of the same loci, one of which is the person's (``|``)."""

    genotypes: tuple[Genotype, ...]

    @property
    def loci(self) -> tuple[str, ...]:
        return _union(g.loci for g in self.genotypes)

    def __str__(self) -> str:
        return "|".join(str(g) for g in self.genotypes)


@dataclass(frozen=True, slots=True)
class GLString:
    """A whole GL String: genotype lists of different loci (``^``)."""

    genotype_lists: tuple[GenotypeList, ...]

    @property
    def loci(self) -> tuple[str, ...]:
        return tuple(locus for g in self.genotype_lists for locus in g.loci)

    def elements(self) -> Iterator[Element]:
        """Every allele and code, in order of appearance."""
        for genotype_list in self.genotype_lists:
            for genotype in genotype_list.genotypes:
                for haplotype in genotype.haplotypes:
                    for allele_list in haplotype.allele_lists:
                        yield from allele_list.alleles

    def __str__(self) -> str:
        return "^".join(str(g) for g in self.genotype_lists)


def format(tree: GLString | GenotypeList | Genotype | Haplotype | AlleleList) -> str:
    """The canonical GL String of a tree (``HLA-`` prefix on every name, no spaces)."""
    return str(tree)


def _split(text: str, start: int, operator: str) -> list[tuple[str, int]]:
    """Split ``text`` (at 0-based ``start`` in the whole string) on ``operator``, with offsets."""
    pieces, offset = [], start
    for piece in text.split(operator):
        pieces.append((piece, offset))
        offset += len(piece) + 1
    return pieces


def _check_characters(text: str) -> None:
    previous: tuple[str, int] | None = None
    last_operand = -1
    for index, char in enumerate(text):
        if char.isspace():
            continue
        if char not in _ALLOWED:
            raise InvalidHLAName(
                text,
                f"unknown character {char!r} at position {index + 1} (GL String operators are / ~ + | ^)",
            )
        if char in OPERATORS:
            if last_operand < 0:
                raise InvalidHLAName(
                    text, f"GL String starts with an operator ({char!r} at position {index + 1})"
                )
            if previous is not None:
                raise InvalidHLAName(
                    text,
                    f"empty operand between {previous[0]!r} and {char!r} at position {index + 1}",
                )
            previous = (char, index)
        else:
            previous, last_operand = None, index
    if previous is not None:
        raise InvalidHLAName(
            text, f"GL String ends with an operator ({previous[0]!r} at position {previous[1] + 1})"
        )


def _element(text: str, offset: int) -> Element:
    token = text.strip()
    where = f"at position {offset + len(text) - len(text.lstrip()) + 1} of the GL String"
    if "*" not in token:
        try:
            parse_antigen(token)
        except InvalidHLAName:
            pass
        else:
            raise InvalidHLAName(
                token,
                f"serologic antigens are not allowed in a GL String ({where}): GL Strings are "
                "allele-level; give antigens per locus in the typing form",
            )
    try:
        name = parse_name(token)
    except InvalidHLAName as error:
        raise InvalidHLAName(error.token, f"{error.reason} ({where})") from error
    if not isinstance(name, AlleleName | AlleleCode):
        raise InvalidHLAName(token, f"not an allele name ({where})")
    return name


def _distinct(loci: tuple[str, ...]) -> str | None:
    seen: set[str] = set()
    for locus in loci:
        if locus in seen:
            return locus
        seen.add(locus)
    return None


def _allele_list(text: str, offset: int) -> AlleleList:
    alleles = tuple(_element(piece, at) for piece, at in _split(text, offset, "/"))
    loci = sorted({a.locus for a in alleles})
    if len(loci) > 1:
        raise InvalidHLAName(text.strip(), f"an allele list ('/') holds one locus; found {', '.join(loci)}")
    return AlleleList(alleles)


def _haplotype(text: str, offset: int) -> Haplotype:
    haplotype = Haplotype(tuple(_allele_list(p, at) for p, at in _split(text, offset, "~")))
    repeated = _distinct(haplotype.loci)
    if repeated:
        raise InvalidHLAName(
            text.strip(),
            f"a haplotype ('~') holds one allele list per locus; {repeated} appears twice",
        )
    return haplotype


def _genotype(text: str, offset: int) -> Genotype:
    genotype = Genotype(tuple(_haplotype(p, at) for p, at in _split(text, offset, "+")))
    found = _shared([h.loci for h in genotype.haplotypes])
    if found:
        raise InvalidHLAName(text.strip(), f"a genotype ('+') joins copies of the same loci; found {found}")
    return genotype


def _genotype_list(text: str, offset: int) -> GenotypeList:
    genotype_list = GenotypeList(tuple(_genotype(p, at) for p, at in _split(text, offset, "|")))
    found = _shared([g.loci for g in genotype_list.genotypes])
    if found:
        raise InvalidHLAName(
            text.strip(), f"a genotype list ('|') holds genotypes of the same loci; found {found}"
        )
    return genotype_list


@lru_cache(maxsize=4096)
def parse(text: str) -> GLString:
    """Parse a GL String into an immutable tree; every error names the token and the position."""
    if not text.strip():
        raise InvalidHLAName(text, "empty GL String")
    _check_characters(text)
    tree = GLString(tuple(_genotype_list(p, at) for p, at in _split(text, 0, "^")))
    repeated = _distinct(tree.loci)
    if repeated:
        raise InvalidHLAName(
            text.strip(), f"locus {repeated} appears in more than one '^' part of the GL String"
        )
    return tree


def canonical(text: str) -> str:
    """The canonical form of a GL String given in any accepted spelling."""
    return format(parse(text))
