"""Parse and normalise the HLA names labs send: alleles, serologic antigens, NMDP and XX codes.

Syntax only: whether an allele exists in a release is asked of ``reference.ReferenceData``.
Every error is an ``InvalidHLAName`` that names the token and says why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..errors import InvalidHLAName
from .loci import MONITORED

EXPRESSION_SUFFIXES = frozenset("NLSCAQ")

# Gene names: the monitored ones and any other IPD-IMGT/HLA gene (E, F, G, DRB2..9, DMA, MICA...).
_GENE = r"(?:[A-Z]{1,4}[0-9]?)"
_MODERN = re.compile(
    r"^(?P<locus>" + _GENE + r")\*(?P<fields>\d{2,4}(?::\d{2,4}){0,3})(?P<suffix>[A-Z]?)$"
)
_LEGACY = re.compile(r"^(?P<locus>" + _GENE + r")\*(?P<digits>\d{4,9})(?P<suffix>[A-Z]?)$")
_CODE = re.compile(r"^(?P<locus>" + _GENE + r")\*(?P<group>\d{2,3}):?(?P<code>[A-Z]{2,5})$")
_ANTIGEN = re.compile(r"^(?P<prefix>A|B|Cw|C|DR|DQ|DPw|DP|Bw)(?P<number>\d{1,4})$")


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

    def truncate(self, n_fields: int) -> AlleleName:
        """The name cut to ``n_fields`` fields; the suffix is kept, as WMDA does for 2-field names."""
        if n_fields >= len(self.fields):
            return self
        return AlleleName(self.locus, self.fields[:n_fields], self.suffix)

    @property
    def two_field(self) -> str:
        return str(self.truncate(2))


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
        from .loci import PREFIX_LOCI

        return PREFIX_LOCI[self.prefix]


@dataclass(frozen=True, slots=True)
class AlleleCode:
    """An NMDP allele code (``A*02:AB``, a listed set of 2nd fields) or ``XX`` (any allele of the group).

    Expanding it needs the NMDP code table; without one it stays unexpanded, never guessed.
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
    if token.upper().startswith("HLA-"):
        token = token[4:]
    return token


def _canonical_locus(locus: str) -> str:
    upper = locus.upper()
    return "C" if upper == "CW" else upper


def legacy_fields(digits: str) -> tuple[str, ...]:
    """Split a pre-2010 colon-less allele number into fields (``0201`` -> ``02:01``).

    Pre-2010 names used 2-digit fields, with a 3-digit 2nd field when an odd number of digits
    precedes the synonymous fields (``02101`` -> ``02:101``).
    """
    n = len(digits)
    if n % 2 == 0:
        return tuple(digits[i : i + 2] for i in range(0, n, 2))
    rest = digits[5:]
    return (digits[:2], digits[2:5], *(rest[i : i + 2] for i in range(0, len(rest), 2)))


@lru_cache(maxsize=65536)
def parse_allele(text: str) -> AlleleName:
    """Parse one allele name in modern or pre-2010 form; ``Cw*`` becomes ``C*``."""
    token = _strip(text)
    if "*" not in token:
        raise InvalidHLAName(text, "not an allele name (expected LOCUS*FIELD:FIELD)")
    locus, _, rest = token.partition("*")
    normalised = f"{_canonical_locus(locus)}*{rest.upper()}"
    match = _MODERN.match(normalised)
    if match:
        fields = tuple(match["fields"].split(":"))
    else:
        match = _LEGACY.match(normalised)
        if not match:
            raise InvalidHLAName(text, _why_not_allele(normalised))
        fields = legacy_fields(match["digits"])
    suffix = match["suffix"]
    if suffix and suffix not in EXPRESSION_SUFFIXES:
        raise InvalidHLAName(text, f"unknown expression suffix {suffix!r} (expected one of N L S C A Q)")
    if suffix and len(fields) < 2:
        raise InvalidHLAName(text, "an expression suffix needs at least 2 fields")
    return AlleleName(match["locus"], fields, suffix)


def _why_not_allele(token: str) -> str:
    locus, _, rest = token.partition("*")
    if not locus:
        return "no locus before '*'"
    if not rest:
        return "no fields after '*'"
    if re.search(r"::|:$|^:", rest):
        return "empty field"
    if re.search(r"[^0-9:A-Z]", rest):
        return "fields may only hold digits, ':' and an expression suffix"
    if rest.count(":") > 3:
        return "more than 4 fields"
    return "not a valid allele name"


@lru_cache(maxsize=8192)
def parse_antigen(text: str) -> Antigen:
    """Parse a serologic name; ``C4`` -> ``Cw4``, ``DPw2`` -> ``DP2``, ``A0203`` -> ``A203``."""
    token = _strip(text)
    match = _ANTIGEN.match(token) or _ANTIGEN.match(token[:1].upper() + token[1:])
    if not match:
        if re.match(r"^(?:CW|Dr|dr|Dq|dq)\d", token):
            match = _ANTIGEN.match(token[:1].upper() + token[1].lower() + token[2:]) or (
                _ANTIGEN.match(token.upper())
            )
        if not match:
            raise InvalidHLAName(text, "not a serologic antigen name (e.g. A2, B44, Cw4, DR15, DQ7)")
    prefix = {"C": "Cw", "DPw": "DP"}.get(match["prefix"], match["prefix"])
    number = match["number"]
    if len(number) == 4 and number.startswith("0"):
        number = number[1:]
    elif len(number) > 1 and number.startswith("0"):
        raise InvalidHLAName(text, "antigen numbers have no leading zero (except 4-digit codes)")
    if prefix == "Bw" and number not in {"4", "6"} and len(number) < 2:
        raise InvalidHLAName(text, "the public epitopes are Bw4 and Bw6")
    return Antigen(prefix, number)


def parse_code(text: str) -> AlleleCode:
    """Parse an NMDP allele code or XX code (``A*02:AB``, ``A*02:XX``, legacy ``A*02AB``)."""
    token = _strip(text)
    locus, _, rest = token.partition("*")
    match = _CODE.match(f"{_canonical_locus(locus)}*{rest.upper()}")
    if not match:
        raise InvalidHLAName(text, "not an NMDP allele code (expected e.g. A*02:AB or A*02:XX)")
    return AlleleCode(match["locus"], match["group"], match["code"])


def is_code(text: str) -> bool:
    """True when the token is shaped like an NMDP or XX code (letters in the 2nd field)."""
    token = _strip(text)
    locus, star, rest = token.partition("*")
    return bool(star) and bool(_CODE.match(f"{_canonical_locus(locus)}*{rest.upper()}"))


def parse_name(text: str) -> HLAName:
    """Parse any single HLA name: allele, NMDP/XX code or serologic antigen."""
    token = _strip(text)
    if not token:
        raise InvalidHLAName(text, "empty name")
    if "*" in token:
        if is_code(token):
            return parse_code(token)
        return parse_allele(token)
    return parse_antigen(token)


def is_monitored(locus: str) -> bool:
    return locus in MONITORED
