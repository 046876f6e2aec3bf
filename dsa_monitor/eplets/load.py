"""Eplet mismatch load: the donor's eplets the recipient lacks, per locus group and per class.

Why per locus group: HLAMatchmaker counts class I over A, B and C together (the recipient's own
A, B and C eplets are all self), and class II per DR (DRB1/3/4/5), DQ (DQA1 + DQB1) and DP
(DPA1 + DPB1). The class II load is the sum of its three groups. An interlocus eplet (v3 types
``AbInt``/``oth Int``, names prefixed r/q/p) that the recipient carries on any class II group is
self in every class II group: that is what "interlocus" means in the table.

One function (``mismatch_matrix``) computes the mismatches for any number of pairs on bit sets
(8 eplets a byte: a gather, OR, AND-NOT and a bit count per pair); a single pair is the one-row
case, so the API, the command and the benchmark share it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..hla.loci import LOCUS_ORDER
from .placement import PersonEplets
from .tables import GROUP_CLASS, GROUPS, LOCUS_GROUP, EpletTable, GroupTable

Matrix = npt.NDArray[np.bool_]
Packed = npt.NDArray[np.uint8]  # bit sets: people × ceil(eplets / 8)


@dataclass(frozen=True, slots=True)
class Eplet:
    """One eplet of a locus group, with what the table says of it."""

    name: str
    verified: bool
    chain: str
    interlocus: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "antibody_verified": self.verified,
            "chain": self.chain,
            "interlocus": self.interlocus,
        }


@dataclass(frozen=True, slots=True)
class GroupLoad:
    """The mismatched eplets of one locus group, and why the count may be incomplete."""

    group: str
    hla_class: str
    eplets: tuple[Eplet, ...]
    notes: tuple[str, ...] = ()

    @property
    def all(self) -> int:
        return len(self.eplets)

    @property
    def verified(self) -> int:
        return sum(e.verified for e in self.eplets)

    @property
    def complete(self) -> bool:
        return not self.notes

    def to_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "hla_class": self.hla_class,
            "all": self.all,
            "antibody_verified": self.verified,
            "complete": self.complete,
            "notes": list(self.notes),
            "eplets": [e.to_dict() for e in self.eplets],
        }


@dataclass(frozen=True, slots=True)
class MismatchLoad:
    """A donor-recipient pair's load, per group and per class, with the table version used."""

    version: str
    groups: tuple[GroupLoad, ...]

    def by_class(self) -> dict[str, dict[str, Any]]:
        totals: dict[str, dict[str, Any]] = {}
        for load in self.groups:
            total = totals.setdefault(load.hla_class, {"all": 0, "antibody_verified": 0, "complete": True})
            total["all"] += load.all
            total["antibody_verified"] += load.verified
            total["complete"] = total["complete"] and load.complete
        return totals

    def group(self, name: str) -> GroupLoad:
        return next(g for g in self.groups if g.group == name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "eplet_table": self.version,
            "by_class": self.by_class(),
            "groups": [g.to_dict() for g in self.groups],
        }


def pack(carried: Matrix) -> Packed:
    """Boolean rows (people × eplets) as bit sets, 8 eplets a byte (``np.packbits`` order)."""
    return np.packbits(np.atleast_2d(carried), axis=1)


def unpack(packed: Packed, group: GroupTable) -> Matrix:
    return np.unpackbits(packed, axis=1, count=len(group.eplets)).astype(bool)


def carried_by_alleles(group: GroupTable, indexes: npt.ArrayLike) -> Packed:
    """Eplets carried (bit sets) per row of allele rows (people × copies; -1: no allele)."""
    rows = np.asarray(indexes, dtype=np.intp)
    return np.bitwise_or.reduce(group.packed[np.where(rows < 0, len(group.alleles), rows)], axis=1)


def _bits(packed: Packed, columns: npt.NDArray[np.intp]) -> Matrix:
    """Whether each row carries each of a few eplet columns, read straight from the bit sets."""
    shifts = (7 - (columns & 7)).astype(np.uint8)
    return ((packed[:, columns >> 3] >> shifts) & 1).astype(bool)


def interlocus_self(table: EpletTable, recipient: Mapping[str, Packed]) -> dict[str, Packed]:
    """Per class II group, the eplets (bit sets) a recipient carries as interlocus eplets anywhere
    in class II: self in every class II group whatever group the table lists them under."""
    groups = [g for g in GROUPS if GROUP_CLASS[g] == "II" and g in table.groups]
    columns = {g: np.flatnonzero(table.groups[g].interlocus) for g in groups}
    names = sorted({table.groups[g].eplets[j] for g in groups for j in columns[g]})
    ids = {
        g: np.array([names.index(table.groups[g].eplets[j]) for j in columns[g]], dtype=np.intp)
        for g in groups
    }
    n = next(iter(recipient.values())).shape[0] if recipient else 0
    anywhere = np.zeros((n, len(names)), dtype=bool)
    for g in groups:
        if g in recipient and len(columns[g]):
            anywhere[:, ids[g]] |= _bits(recipient[g], columns[g])
    out = {}
    for g in groups:
        extra = np.zeros((n, (len(table.groups[g].eplets) + 7) // 8), dtype=np.uint8)
        for j, name in zip(columns[g], ids[g], strict=True):
            extra[:, j >> 3] |= anywhere[:, name].astype(np.uint8) << np.uint8(7 - (j & 7))
        out[g] = extra
    return out


def mismatch_matrix(
    table: EpletTable, donor: Mapping[str, Packed], recipient: Mapping[str, Packed]
) -> dict[str, Packed]:
    """Per group, pairs × eplet bit sets: carried by the donor, not by the recipient, the
    interlocus rule applied."""
    extra = interlocus_self(table, recipient)
    out = {}
    for g in donor:  # the groups given (all of them, or e.g. class I alone)
        self_eplets = recipient[g] | extra[g] if g in extra else recipient[g]
        out[g] = donor[g] & ~self_eplets
    return out


def load_counts(
    table: EpletTable, mismatched: Mapping[str, Packed]
) -> dict[str, tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]]:
    """Per group, (all, antibody-verified) counts for every pair (bit counts)."""
    return {
        g: (
            np.bitwise_count(m).sum(axis=1, dtype=np.int32),
            np.bitwise_count(m & table.groups[g].packed_verified).sum(axis=1, dtype=np.int32),
        )
        for g, m in mismatched.items()
    }


def mismatch_load(table: EpletTable, donor: PersonEplets, recipient: PersonEplets) -> MismatchLoad:
    """One pair's load with the eplets listed and, per group, what was left uncounted."""
    mismatched = mismatch_matrix(
        table,
        {g: pack(v) for g, v in donor.carried.items()},
        {g: pack(v) for g, v in recipient.carried.items()},
    )
    groups = []
    for g in GROUPS:
        group = table.groups.get(g)
        if group is None:
            continue
        eplets = tuple(
            sorted(
                (
                    Eplet(
                        group.eplets[i], bool(group.verified[i]), group.chains[i], bool(group.interlocus[i])
                    )
                    for i in np.flatnonzero(unpack(mismatched[g], group)[0])
                ),
                key=eplet_order,
            )
        )
        notes = group_notes(group, donor, recipient)
        if any(e.interlocus for e in eplets):
            notes += _interlocus_notes(table, g, recipient)
        groups.append(GroupLoad(g, GROUP_CLASS[g], eplets, notes))
    return MismatchLoad(table.version, tuple(groups))


def eplet_order(eplet: Eplet) -> tuple[int, str]:
    """By position (the number in the name, after any interlocus prefix), then name."""
    digits = re.search(r"\d+", eplet.name)
    return (int(digits.group()) if digits else 0, eplet.name)


def _interlocus_notes(table: EpletTable, group: str, recipient: PersonEplets) -> tuple[str, ...]:
    """An interlocus eplet is self when the recipient carries it on any class II group: a class
    II group the recipient is not typed at may hold it."""
    typed = {LOCUS_GROUP.get(p.locus) for p in recipient.placements if p.placed}
    return tuple(
        f"recipient not typed at {g}: interlocus eplets it may carry there are not counted as self"
        for g in GROUPS
        if g != group and GROUP_CLASS[g] == "II" and g in table.groups and g not in typed
    )


def group_loci(group: GroupTable) -> tuple[str, ...]:
    found = {a.split("*")[0] for a in group.alleles}
    return tuple(locus for locus in LOCUS_ORDER if locus in found)


def group_notes(group: GroupTable, donor: PersonEplets, recipient: PersonEplets) -> tuple[str, ...]:
    """What makes a group's count uncertain: untyped loci and copies the table could not place."""
    notes = []
    for who, person, effect in (
        ("donor", donor, "its eplets are not counted"),
        ("recipient", recipient, "eplets it may carry are not counted as self"),
    ):
        typed = {p.locus for p in person.placements}
        loci = group_loci(group)
        untyped = [locus for locus in loci if locus not in typed]
        if len(untyped) == len(loci):
            notes.append(f"{who} not typed at {group.group}: {effect}")
        elif untyped:
            notes.append(f"{who} {', '.join(untyped)} not typed: {effect}")
        for placement in person.unplaced(group.group):
            notes.append(f"{who} {placement.entry}: {placement.note}")
    return tuple(notes)
