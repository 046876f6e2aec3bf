"""A release's serology per allele, read from its rel_dna_ser.txt records (pure).

Expression is the name's: only an ``N`` allele is null (see ``_expression_from_name``). Shorter
names take the serology their longer alleles agree on (``group_assignments``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from . import wmda
from .antigens import antigen_of
from .loci import MONITORED
from .names import Antigen

# Kinds of assignment, strongest evidence first.
KINDS = (
    "unambiguous",
    "possible",
    "assumed",
    "expert",
    "embedded",
    "group",
    "first_field",
    "null",
    "none",
)
EVIDENCE = {kind: rank for rank, kind in enumerate(KINDS)}


@dataclass(frozen=True, slots=True)
class SerologyAssignment:
    """The serologic antigen of an allele and on what evidence (``kind``, see ``KINDS``).

    ``antigen`` is None when the allele is null, has no known antigen, or several are possible
    (then listed in ``possible``). ``expert`` holds the registries' expert-assigned exceptions.
    """

    antigen: Antigen | None
    kind: str
    possible: tuple[Antigen, ...] = ()
    expressed: bool = True
    expert: tuple[Antigen, ...] = ()


NULL = SerologyAssignment(None, "null", expressed=False)
NO_SEROLOGY = SerologyAssignment(None, "none")


def serologic_prefix(locus: str) -> str | None:
    known = MONITORED.get(locus)
    return known.serologic_prefix if known else None


def assignments(
    records: list[wmda.DnaSerRecord],
) -> tuple[dict[str, SerologyAssignment], set[Antigen]]:
    """Allele name -> assignment, sharing one object per distinct serology of a locus."""
    shared: dict[tuple, SerologyAssignment] = {}
    alleles: dict[str, SerologyAssignment] = {}
    for record in records:
        record = _expression_from_name(record)
        key = (record.locus, record.unambiguous, record.possible, record.assumed, record.expert)
        assignment = shared.get(key)
        if assignment is None:
            assignment = shared[key] = _assignment(record)
        alleles[record.allele] = assignment
    antigens: set[Antigen] = set()
    for assignment in shared.values():
        antigens.update(assignment.possible)
        if assignment.antigen is not None:
            antigens.add(assignment.antigen)
    return alleles, antigens


def _expression_from_name(record: wmda.DnaSerRecord) -> wmda.DnaSerRecord:
    """The record without its "0" (null) codes when the allele's name says it is expressed.

    The name's suffix decides expression (WHO): only ``N`` is null; ``L``, ``S``, ``C``, ``A``
    and ``Q`` alleles are expressed. rel_dna_ser.txt lists Q alleles as "0 or X" (``0/2``,
    ``0/?``): for DSA a questionable allele may be on the cell, so it stays a target (missing a
    DSA costs more than a possible one). Without the "0", ``0/?`` reads "no antigen known".
    """
    suffix = record.allele[-1] if record.allele[-1].isalpha() else ""
    if not suffix or suffix == "N":
        return record

    def kept(codes: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(code for code in codes if code != "0") or (("?",) if codes else ())

    return replace(
        record,
        unambiguous="" if record.unambiguous == "0" else record.unambiguous,
        possible=kept(record.possible),
        assumed=kept(record.assumed),
        expert=kept(record.expert),
    )


def _assignment(record: wmda.DnaSerRecord) -> SerologyAssignment:
    prefix = serologic_prefix(record.locus)
    if prefix is None:
        return NO_SEROLOGY
    expert = tuple(antigen_of(prefix, c) for c in record.expert if c not in ("0", "?"))
    if record.unambiguous == "0":
        return SerologyAssignment(None, "null", expressed=False, expert=expert)
    if record.unambiguous == "?":  # no antigen known; registries' search exceptions stay in expert
        return SerologyAssignment(None, "none", expert=expert)
    if record.unambiguous:
        return SerologyAssignment(antigen_of(prefix, record.unambiguous), "unambiguous", expert=expert)
    for kind, codes in (
        ("possible", record.possible),
        ("assumed", record.assumed),
        ("expert", record.expert),
    ):
        if codes:
            antigens = tuple(antigen_of(prefix, c) for c in codes if c not in ("0", "?"))
            if not antigens:
                return SerologyAssignment(
                    None,
                    "null" if "0" in codes else "none",
                    expressed="0" not in codes,
                    expert=expert,
                )
            single = antigens[0] if len(antigens) == 1 else None
            return SerologyAssignment(single, kind, antigens, expert=expert)
    return SerologyAssignment(None, "none", expert=expert)


def group_assignments(alleles: dict[str, SerologyAssignment]) -> dict[str, SerologyAssignment]:
    """2- and 3-field names -> the serology of their longer alleles, when those agree.

    Alleles of one shorter name that disagree give the union as ``possible`` (never a G group).
    """
    members: dict[str, list[SerologyAssignment]] = {}
    for allele, assignment in alleles.items():
        locus, _, rest = allele.partition("*")
        suffix = rest[-1] if rest[-1].isalpha() else ""
        fields = (rest[:-1] if suffix else rest).split(":")
        for n in range(2, len(fields)):
            short = f"{locus}*{':'.join(fields[:n])}{suffix}"
            if short not in alleles:
                members.setdefault(short, []).append(assignment)
    return {short: _agreed(found) for short, found in members.items()}


def _agreed(found: list[SerologyAssignment]) -> SerologyAssignment:
    distinct = list(dict.fromkeys(found))
    if len(distinct) == 1:
        return distinct[0]
    expressed = [a for a in distinct if a.expressed]
    if not expressed:
        return NULL
    antigens = list(
        dict.fromkeys(
            antigen for a in expressed for antigen in (a.possible or ((a.antigen,) if a.antigen else ()))
        )
    )
    kind = min((a.kind for a in expressed), key=EVIDENCE.__getitem__)
    if len(antigens) == 1:
        return SerologyAssignment(antigens[0], kind, tuple(antigens) if kind == "possible" else ())
    return SerologyAssignment(None, "possible" if antigens else "none", tuple(antigens))
