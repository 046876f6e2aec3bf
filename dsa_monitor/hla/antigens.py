"""Relations between serologic antigens: broad/split, associated antigens, Bw4/Bw6 epitopes.

Read from a release's ``rel_ser_ser.txt`` (parsed by ``wmda``) or the project's antigen table.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from . import wmda
from .names import Antigen, parse_antigen


@dataclass(slots=True)
class AntigenRelations:
    """Broad/split, associated antigens and public epitopes of one reference."""

    broad: dict[Antigen, Antigen] = field(default_factory=dict)
    splits: dict[Antigen, tuple[Antigen, ...]] = field(default_factory=dict)
    parent: dict[Antigen, Antigen] = field(default_factory=dict)
    epitope: dict[Antigen, str] = field(default_factory=dict)
    known: set[Antigen] = field(default_factory=set)

    def add_split(self, broad: Antigen, split: Antigen) -> None:
        self.broad[split] = broad
        self.splits[broad] = (*self.splits.get(broad, ()), split)
        self.known.update((broad, split))

    def add_associated(self, parent: Antigen, associated: Antigen) -> None:
        self.parent[associated] = parent
        self.known.update((parent, associated))


def antigen_of(prefix: str, code: str) -> Antigen:
    """The canonical antigen for a WMDA code (``"0203"`` with prefix ``A`` -> ``A203``)."""
    number = code[1:] if len(code) == 4 and code.startswith("0") else code
    return Antigen(prefix, number)


def parse_antigen_table(text: str) -> AntigenRelations:
    """The project's antigen table: ``antigen,broad,associated_with,public_epitope`` rows."""
    relations = AntigenRelations()
    for row in csv.DictReader(io.StringIO(text)):
        antigen = parse_antigen(row["antigen"])
        relations.known.add(antigen)
        if row["broad"].strip():
            relations.add_split(parse_antigen(row["broad"]), antigen)
        if row["associated_with"].strip():
            relations.add_associated(parse_antigen(row["associated_with"]), antigen)
        if row["public_epitope"].strip():
            relations.epitope[antigen] = row["public_epitope"].strip()
    return relations


def relations_from_ser_ser(records: list[wmda.SerSerRecord]) -> AntigenRelations:
    """A release's relations from its ``rel_ser_ser.txt`` rows."""
    relations = AntigenRelations()
    for record in records:
        if record.prefix not in ("A", "B", "Cw", "DR", "DQ", "DP"):
            continue  # Dw rows are cellular (MLC) specificities, not antibody targets
        antigen = antigen_of(record.prefix, record.code)
        for split in record.splits:
            relations.add_split(antigen, antigen_of(record.prefix, split))
        for associated in record.associated:
            relations.add_associated(antigen, antigen_of(record.prefix, associated))
    return relations


def group_antigens(relations: AntigenRelations) -> set[Antigen]:
    """Antigens that name a whole allele group (B83 -> B*83): no broad, split or associated."""
    related = {*relations.broad, *relations.splits, *relations.parent}
    return {antigen for antigen in relations.known if antigen not in related}
