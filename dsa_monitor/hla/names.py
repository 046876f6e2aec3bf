"""Parse and normalise the HLA names labs send: alleles, serologic antigens, NMDP and XX codes.

Syntax only: whether an allele exists in a release is asked of the reference data.
Every error is an ``InvalidHLAName`` that names the token and says why.

Canonical forms: alleles in the post-2010 form with colons and gene ``C`` (never ``Cw``), without
the ``HLA-`` prefix (GL Strings add it, see ``glstring``); antigens ``A2``, ``A203``, ``Cw10``,
``DR52``, ``DQ7``, ``DP2``, ``Bw4``; codes ``A*02:AB`` and ``A*02:XX``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..errors import InvalidHLAName
from .loci import MONITORED, PREFIX_LOCI

# WHO expression suffixes: Null, Low, Secreted, Cytoplasm, Aberrant, Questionable.
EXPRESSION_SUFFIXES = frozenset("NLSCAQ")

# Gene names of IPD-IMGT/HLA (as 3.58.0 lists them); later class II genes (DPA3...) look alike.
HLA_GENES = frozenset(
    "A B C E F G H J K L N P R S T U V W Y HFE MICA MICB TAP1 TAP2 DMA DMB DOA DOB DRA DPA1 DPA2 "
    "DPB1 DPB2 DQA1 DQA2 DQB1 DQB2 DRB1 DRB2 DRB3 DRB4 DRB5 DRB6 DRB7 DRB8 DRB9".split()
)
_GENE = re.compile(r"^D[PQR][AB]\d$")
_FIELDS = re.compile(r"^(?P<fields>\d{2,4}(?::\d{2,4}){0,3})(?P<suffix>[A-Z]?)$")
_LEGACY = re.compile(r"^(?P<digits>\d{4,9})(?P<suffix>[A-Z]?)$")
_CODE = re.compile(r"^(?P<group>\d{2,4}):?(?P<code>[A-Z]{2,5})$")
_ANTIGEN = re.compile(r"^(?P<prefix>BW|B|CW|C|DR|DQ|DPW|DP|A)(?P<number>\d*)$")
_ANTIGEN_PREFIX = {
    "A": "A",
    "B": "B",
    "BW": "Bw",
    "C": "Cw",
    "CW": "Cw",
    "DR": "DR",
    "DQ": "DQ",
    "DP": "DP",
    "DPW": "DP",
}
# Genes whose pre-2010 names had a 3-digit 1st field (DPB1*10401 = DPB1*104:01).
_LEGACY_WIDE_FIRST = {"DPB1": 3, "MICA": 3, "MICB": 3}


@dataclass(frozen=True, slots=True)
class AlleleName:
    """An allele at any resolution: ``A*02``, ``A*02:01``, ``A*02:01:01:01``, ``A*24:09N``."""

    locus: str
    fields: tuple[str, ...]
    suffix: str = ""

    def __str__(self) -> str:
        return f"{self.locus}*{':'.join(self.fields)}{self.suffix}"

    @property
    def resolution(self) -> int:
        """Number of fields (1 = allele group, 2 = protein, 3-4 = high resolution)."""
        return len(self.fields)

    @property
    def expressed(self) -> bool:
        """Null (N) alleles are not expressed at the cell surface and are never antibody targets."""
        return self.suffix != "N"

    @property
    def group(self) -> str:
        """The 1st field, the allele group (``A*02:01`` -> ``02``)."""
        return self.fields[0]

    def truncate(self, n_fields: int) -> AlleleName:
        """The name cut to ``n_fields`` fields; the suffix stays down to 2 fields, as WMDA does."""
        if n_fields >= len(self.fields):
            return self
        return AlleleName(self.locus, self.fields[:n_fields], self.suffix if n_fields >= 2 else "")

    @property
    def two_field(self) -> str:
        return str(self.truncate(2))

    def sort_key(self) -> tuple[str, tuple[int, ...], str]:
        """Numeric order of fields (``A*02:09`` before ``A*02:101``)."""
        return (self.locus, tuple(int(f) for f in self.fields), self.suffix)


@dataclass(frozen=True, slots=True)
class Antigen:
    """A serologic antigen: ``A2``, ``A203``, ``Cw10``, ``DR52``, ``DQ7``, ``Bw4``.

    ``number`` is the canonical code: 1-2 digits for antigens, 3-4 digits for associated antigens
    with the leading zero of the 2026 4-digit spelling dropped (``A0203`` -> ``A203``).
    """

    prefix: str
    number: str

    def __str__(self) -> str:
        return f"{self.prefix}{self.number}"

    @property
    def loci(self) -> tuple[str, ...]:
        """The genes whose alleles may carry this antigen."""
        return PREFIX_LOCI[self.prefix]

    @property
    def is_public_epitope(self) -> bool:
        """Bw4 and Bw6 are epitopes shared by many B (and some A) antigens: no gene's product."""
        return self.prefix == "Bw"


@dataclass(frozen=True, slots=True)
class AlleleCode:
    """An NMDP allele code (``A*02:AB``, a listed set of 2nd fields) or ``XX`` (any of the group).

    Expanding it needs the NMDP code table (see ``nmdp``); without one it stays unexpanded.
    """

    locus: str
    group: str
    code: str

    def __str__(self) -> str:
        return f"{self.locus}*{self.group}:{self.code}"

    @property
    def is_xx(self) -> bool:
        return self.code == "XX"


HLAName = AlleleName | Antigen | AlleleCode


def _strip(text: str) -> str:
    token = text.strip()
    if token[:4].upper() == "HLA-":
        token = token[4:].lstrip()
    return token


def _split_gene(text: str, token: str) -> tuple[str, str]:
    """Split ``LOCUS*REST`` into the canonical gene name and the upper-cased rest."""
    locus, _, rest = token.partition("*")
    gene = locus.strip().upper()
    if gene == "CW":
        gene = "C"
    if not gene:
        raise InvalidHLAName(text, "no locus before '*'")
    if gene not in HLA_GENES and not _GENE.match(gene):
        raise InvalidHLAName(text, f"unknown HLA gene {locus.strip()!r} (expected e.g. A, B, C, DRB1, DQB1)")
    rest = rest.strip().upper()
    if not rest:
        raise InvalidHLAName(text, "no fields after '*'")
    return gene, rest


def legacy_fields(digits: str, gene: str = "") -> tuple[str, ...]:
    """Split a pre-2010 colon-less allele number into fields (``0201`` -> ``02:01``).

    Pre-2010 (2002-2010) names used 2-digit fields, except a 3-digit 1st field for DPB1 groups
    above 99 (``DPB1*10401`` -> ``104:01``) and a 3-digit 2nd field where an odd number of digits
    remains (``A*02101`` -> ``02:101``, ``A*0210101`` -> ``02:101:01``).
    """
    first = _LEGACY_WIDE_FIRST.get(gene, 2) if len(digits) % 2 else 2
    fields = [digits[:first]]
    rest = digits[first:]
    if len(rest) % 2:
        fields.append(rest[:3])
        rest = rest[3:]
    fields.extend(rest[i : i + 2] for i in range(0, len(rest), 2))
    return tuple(fields)


@lru_cache(maxsize=131072)
def parse_allele(text: str) -> AlleleName:
    """Parse one allele name in modern or pre-2010 form; ``Cw*`` becomes ``C*``.

    A colon-less name of 4 or more digits is read as pre-2010 (``A*0201`` -> ``A*02:01``).
    """
    token = _strip(text)
    if not token:
        raise InvalidHLAName(text, "empty name")
    if "*" not in token:
        raise InvalidHLAName(text, "not an allele name (expected LOCUS*FIELD:FIELD, e.g. A*02:01)")
    gene, rest = _split_gene(text, token)
    legacy = _LEGACY.match(rest) if ":" not in rest else None
    if legacy:
        fields = legacy_fields(legacy["digits"], gene)
        suffix = legacy["suffix"]
    else:
        match = _FIELDS.match(rest)
        if not match:
            raise InvalidHLAName(text, _why_not_fields(rest))
        fields = tuple(match["fields"].split(":"))
        suffix = match["suffix"]
    if suffix and suffix not in EXPRESSION_SUFFIXES:
        raise InvalidHLAName(text, _why_not_suffix(suffix))
    if suffix and len(fields) < 2:
        raise InvalidHLAName(text, "an expression suffix needs at least 2 fields")
    return AlleleName(gene, fields, suffix)


def _why_not_suffix(suffix: str) -> str:
    if suffix in "GP":
        return (
            f"{suffix!r} marks a {suffix} group (an ambiguity designation), not an allele; "
            "give the alleles as a '/' list"
        )
    return f"unknown expression suffix {suffix!r} (expected one of N L S C A Q)"


def _why_not_fields(rest: str) -> str:
    if re.search(r"[^0-9:A-Z]", rest):
        return "fields may only hold digits, ':' and an expression suffix"
    parts = rest.split(":")
    if "" in parts:
        return "empty field"
    if len(parts) > 4:
        return "more than 4 fields"
    for part in parts[:-1]:
        if not part.isdigit():
            return f"bad field {part!r}: fields are 2-4 digits"
    last = parts[-1].rstrip("NLSCAQGP")
    if len(parts[-1]) - len(last) > 1 or not last.isdigit():
        return f"bad field {parts[-1]!r}: fields are 2-4 digits, then at most one suffix letter"
    bad = next(p for p in (*parts[:-1], last) if not 2 <= len(p) <= 4)
    return f"bad field {bad!r}: fields are 2-4 digits"


@lru_cache(maxsize=8192)
def parse_antigen(text: str) -> Antigen:
    """Parse a serologic name; ``C4`` -> ``Cw4``, ``DPw2`` -> ``DP2``, ``A0203`` -> ``A203``."""
    token = _strip(text)
    if not token:
        raise InvalidHLAName(text, "empty name")
    match = _ANTIGEN.match(token.upper())
    if not match:
        raise InvalidHLAName(text, "not a serologic antigen name (e.g. A2, B44, Cw4, DR15, DQ7, Bw4)")
    prefix = _ANTIGEN_PREFIX[match["prefix"]]
    number = match["number"]
    if not number:
        raise InvalidHLAName(text, f"no antigen number after {prefix!r}")
    if len(number) == 4 and number[0] == "0":
        number = number[1:]  # 2026 4-digit spelling of an associated antigen: A0203 is A203
        if number[0] == "0":
            raise InvalidHLAName(text, "an antigen number has no leading zero")
    elif number[0] == "0":
        if number == "0":
            raise InvalidHLAName(text, "antigen numbers start at 1")
        raise InvalidHLAName(
            text, f"an antigen number has no leading zero (write {prefix}{number.lstrip('0')})"
        )
    if len(number) > 4:
        raise InvalidHLAName(text, "an antigen number has at most 4 digits")
    if prefix == "Bw" and number not in {"4", "6"}:
        raise InvalidHLAName(text, "the public epitopes are Bw4 and Bw6")
    return Antigen(prefix, number)


@lru_cache(maxsize=8192)
def parse_code(text: str) -> AlleleCode:
    """Parse an NMDP allele code or XX code (``A*02:AB``, ``A*02:XX``, legacy ``A*02AB``)."""
    token = _strip(text)
    if "*" not in token:
        raise InvalidHLAName(text, "not an NMDP allele code (expected e.g. A*02:AB or A*02:XX)")
    gene, rest = _split_gene(text, token)
    match = _CODE.match(rest)
    if not match:
        raise InvalidHLAName(text, "not an NMDP allele code (expected e.g. A*02:AB or A*02:XX)")
    return AlleleCode(gene, match["group"], match["code"])


@lru_cache(maxsize=131072)
def is_code(text: str) -> bool:
    """True when the token is shaped like an NMDP or XX code (letters in the 2nd field)."""
    token = _strip(text)
    _, star, rest = token.partition("*")
    return bool(star) and bool(_CODE.match(rest.strip().upper()))


@lru_cache(maxsize=131072)
def parse_name(text: str) -> HLAName:
    """Parse any single HLA name: allele, NMDP/XX code or serologic antigen."""
    token = _strip(text)
    if not token:
        raise InvalidHLAName(text, "empty name")
    if "*" in token:
        if is_code(token):
            return parse_code(text)
        return parse_allele(text)
    return parse_antigen(text)


def is_monitored(locus: str) -> bool:
    return locus in MONITORED
