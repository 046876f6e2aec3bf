"""One JSON-ready record per HLA name: canonical name, locus, antigen, broad, expression.

A name gets an ``error`` exactly when a typing holding it is refused: both ask
``ReferenceData.validate``. Codes: an XX code is valid when its allele group exists in the
reference (``A*02:XX``; not ``A*99:XX``) and its record is that of the group (name ``A*02``,
kind ``group``). An NMDP code (``A*02:AB``) is valid only when the installed NMDP code table
expands it to alleles of the reference: its record (kind ``code``) lists them in ``expansion``,
with the antigens they carry; without the table its error says how to install it.
"""

from __future__ import annotations

from ..errors import InvalidHLAName
from .loci import DR_SUPERTYPIC, PREFIX_LOCI
from .names import AlleleCode, AlleleName, Antigen, parse_name
from .reference import ReferenceData

_LOCUS_OF_DR = {number: locus for locus, number in DR_SUPERTYPIC.items()}


def lookup(reference: ReferenceData, text: str) -> dict:
    """What ``hla lookup`` prints for one name; an invalid name gets ``error``, never raises."""
    record: dict = {
        "input": text,
        "name": None,
        "locus": None,
        "antigen": None,
        "broad": None,
        "expressed": None,
        "kind": None,
        "possible": [],
        "public_epitope": None,
        "expansion": [],
        "release": reference.release,
        "error": None,
    }
    try:
        name = parse_name(text)
        reference.validate(name)
        if isinstance(name, AlleleCode) and not name.is_xx:
            _fill_code(record, reference, name)
            return record
        if isinstance(name, AlleleCode):
            name = AlleleName(name.locus, (name.group,))
        if isinstance(name, Antigen):
            _fill_antigen(record, reference, name)
        else:
            _fill_allele(record, reference, name)
    except InvalidHLAName as error:
        record.update(
            name=None,
            locus=None,
            antigen=None,
            broad=None,
            expressed=None,
            kind=None,
            possible=[],
            public_epitope=None,
            expansion=[],
            error=error.message,
        )
    return record


def _fill_allele(record: dict, reference: ReferenceData, name: AlleleName) -> None:
    assignment = reference.serology(name)
    antigen = assignment.antigen
    broad = reference.broad_of(antigen) if antigen else None
    record.update(
        name=str(name),
        locus=name.locus,
        antigen=str(antigen) if antigen else None,
        broad=str(broad) if broad else None,
        expressed=assignment.expressed,
        kind=assignment.kind,
        possible=[str(a) for a in assignment.possible],
        public_epitope=reference.public_epitope(antigen) if antigen else None,
    )


def _fill_code(record: dict, reference: ReferenceData, code: AlleleCode) -> None:
    """An NMDP code: its alleles, and the antigens they carry (one antigen when they agree)."""
    alleles = reference.expand_code(code)
    found = [reference.serology(allele) for allele in alleles]
    antigens = list(
        dict.fromkeys(
            antigen for a in found for antigen in (a.possible or ((a.antigen,) if a.antigen else ()))
        )
    )
    single = antigens[0] if len(antigens) == 1 else None
    broad = reference.broad_of(single) if single else None
    record.update(
        name=str(code),
        locus=code.locus,
        antigen=str(single) if single else None,
        broad=str(broad) if broad else None,
        expressed=any(a.expressed for a in found),
        kind="code",
        possible=[str(a) for a in antigens],
        public_epitope=reference.public_epitope(single) if single else None,
        expansion=[str(a) for a in alleles],
    )


def _fill_antigen(record: dict, reference: ReferenceData, antigen: Antigen) -> None:
    broad = reference.broad_of(antigen)
    if antigen.prefix == "DR" and antigen.number in _LOCUS_OF_DR:
        locus: str | None = _LOCUS_OF_DR[antigen.number]
    else:
        locus = None if antigen.prefix == "Bw" else PREFIX_LOCI[antigen.prefix][0]
    record.update(
        name=str(antigen),
        locus=locus,
        antigen=str(antigen),
        broad=str(broad) if broad else None,
        expressed=True,
        kind="antigen",
        public_epitope=reference.public_epitope(antigen),
    )
