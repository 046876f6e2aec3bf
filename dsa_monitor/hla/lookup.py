"""One JSON-ready record per HLA name: canonical name, locus, antigen, broad, expression.

A name gets an ``error`` exactly when a typing holding it is refused: both ask
``ReferenceData.validate``. Codes: an NMDP or XX code is valid when its allele group exists in the
reference (``A*02:AB``, ``A*02:ZZZZ``, ``DRB1*04:AB``, ``DRB1*04:XX``; not ``A*99:XX``, ``A*99:AB``):
its letters need the NMDP code table, which the service does not install. Its record is that of
its allele group (name ``A*02``, kind ``group``), as the DSA matching reads an unexpanded code.
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
        "release": reference.release,
        "error": None,
    }
    try:
        name = parse_name(text)
        reference.validate(name)
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
