"""Candidate target eplets of a DSA: which part of the donor's HLA the antibody may see.

Why: an eplet the donor carries, the recipient lacks, and that sits on the positive beads of the
DSA's locus group but not on its negative beads explains the reactivity better than a list of
alleles. The panel's own bead list decides which beads count: a bead the serum was tested on,
of the DSA's locus group, whose chains the table lists (a bead it does not list is said, never
counted). A heterodimer bead (DQ, DP) carries its alpha and its beta chain's eplets.

Ranking: most positive beads explained first, then fewest negative beads carrying it, then
antibody-verified before other, then by name. An eplet on many negative beads explains nothing;
it stays in the list with its counts so the reader can see why it ranks low.

What limits the answer is said with it (``notes``): a locus of the group untyped, a copy the
table does not list or cannot place, an ambiguous typing (placed with the eplets every candidate
carries). An eplet the donor may carry on an unplaced copy is never guessed.

Pure: the DSA reading calls ``explain`` with the bead ids of one DSA call, the panel it was read
on, that serum's positive bead ids, and the two typings' eplets (``placement.person_eplets``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from ..errors import DSAMonitorError
from ..hla.names import AlleleName, parse_allele
from .load import Eplet, group_notes, interlocus_self, pack, unpack
from .placement import PersonEplets
from .tables import LOCUS_GROUP, EpletTable, GroupTable


class Bead(Protocol):
    """What a bead of a panel must give (``dsa.panel.PanelBead``, ``sab.catalogue`` beads)."""

    @property
    def bead_id(self) -> str: ...

    @property
    def specificity(self) -> Sequence[str]: ...


@dataclass(frozen=True, slots=True)
class CandidateEplet:
    """One candidate target eplet and the beads of the panel that carry it."""

    eplet: Eplet
    positive: int  # positive beads of the group carrying it
    negative: int  # negative beads of the group carrying it
    positive_beads: int  # positive beads of the group the table places
    negative_beads: int

    @property
    def text(self) -> str:
        return (
            f"explains {self.positive} of {self.positive_beads} positive beads, "
            f"{self.negative} of {self.negative_beads} negative"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.eplet.to_dict(),
            "positive": self.positive,
            "negative": self.negative,
            "positive_beads": self.positive_beads,
            "negative_beads": self.negative_beads,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class DSAEplets:
    """The candidates of one DSA, ranked, with the beads left out and why."""

    version: str
    group: str | None  # None when no bead of the DSA could be read against the table
    candidates: tuple[CandidateEplet, ...]
    positive_beads: int
    negative_beads: int
    not_in_table: tuple[str, ...] = ()  # bead labels whose chains the table does not list
    notes: tuple[str, ...] = ()  # untyped loci, copies not placed or ambiguous, in the group

    @property
    def best(self) -> CandidateEplet | None:
        return self.candidates[0] if self.candidates else None

    def line(self) -> str:
        """One line after "Candidate eplet:" in an e-mail, a page or a CSV cell: the best
        candidate with its counts, or why there is none, the table version and the notes."""
        best = self.best
        if best is None:
            said = f"none (eplet table {self.version})"
        else:
            kind = "antibody-verified" if best.eplet.verified else "other"
            said = f"{best.eplet.name} ({kind}), {best.text} (eplet table {self.version})"
        return "; ".join((said, *self.notes))

    def to_dict(self) -> dict[str, Any]:
        return {
            "eplet_table": self.version,
            "group": self.group,
            "line": self.line(),
            "positive_beads": self.positive_beads,
            "negative_beads": self.negative_beads,
            "not_in_table": list(self.not_in_table),
            "notes": list(self.notes),
            "candidates": [c.to_dict() for c in self.candidates],
        }


def unexplained(version: str, reason: str) -> DSAEplets:
    """The answer when no candidate can be looked for (an untyped donor, a bead the tables do not
    cover), with the reason."""
    return DSAEplets(version, None, (), 0, 0, (), (reason,))


def _placement_notes(group: GroupTable, donor: PersonEplets, recipient: PersonEplets) -> tuple[str, ...]:
    """What limits a group's candidates: untyped loci and unplaced copies (``load``), and the
    ambiguous copies, placed with the eplets every candidate carries."""
    ambiguous = tuple(
        f"{who} {p.entry}: {p.note}"
        for who, person in (("donor", donor), ("recipient", recipient))
        for p in person.placements
        if p.status == "ambiguous" and LOCUS_GROUP.get(p.locus) == group.group
    )
    return group_notes(group, donor, recipient) + ambiguous


def _chains(bead: Bead) -> list[AlleleName]:
    """A bead's chains the eplet tables could list (DRA, on DR beads, is in none)."""
    return [a for a in (parse_allele(s) for s in bead.specificity) if a.locus in LOCUS_GROUP]


def bead_group(bead: Bead) -> str | None:
    chains = _chains(bead)
    return LOCUS_GROUP[chains[0].locus] if chains else None


def bead_eplets(group: GroupTable, bead: Bead) -> np.ndarray | None:
    """The eplets a bead carries (all its chains), None when the table lacks one of them."""
    found = [group.allele_index(a.two_field) for a in _chains(bead)]
    rows = [r for r in found if r is not None]
    if not rows or len(rows) < len(found):
        return None
    carried: np.ndarray = np.asarray(group.carries[rows].any(axis=0))
    return carried


def explain(
    dsa_beads: Iterable[str],
    panel: Sequence[Bead],
    positive: Collection[str],
    donor: PersonEplets,
    recipient: PersonEplets,
    table: EpletTable,
) -> DSAEplets:
    """Candidate target eplets of one DSA (its bead ids) read on ``panel`` in one serum."""
    wanted = set(dsa_beads)
    groups = {g for g in (bead_group(b) for b in panel if b.bead_id in wanted) if g is not None}
    if len(groups) != 1:
        raise DSAMonitorError(
            f"the DSA's beads must be of one locus group, found {sorted(groups)}"
            if groups
            else "none of the DSA's beads is on the panel"
        )
    name = groups.pop()
    group = table.groups[name]
    rows, is_positive, is_dsa, left_out = [], [], [], []
    for bead in panel:
        if bead_group(bead) != name:
            continue
        eplets = bead_eplets(group, bead)
        if eplets is None:
            left_out.append("/".join(bead.specificity))
            continue
        rows.append(eplets)
        is_positive.append(bead.bead_id in positive)
        is_dsa.append(bead.bead_id in wanted)
    carried = np.array(rows, dtype=bool).reshape(len(rows), len(group.eplets))
    pos, dsa = np.array(is_positive, dtype=bool), np.array(is_dsa, dtype=bool)
    extra = interlocus_self(table, {g: pack(v) for g, v in recipient.carried.items()})
    self_eplets = recipient.carried[name] | (unpack(extra[name], group)[0] if name in extra else False)
    candidate = donor.carried[name] & ~self_eplets & carried[dsa].any(axis=0)
    on_positive = carried[pos].sum(axis=0)
    on_negative = carried[~pos].sum(axis=0)
    found = [
        CandidateEplet(
            Eplet(group.eplets[i], bool(group.verified[i]), group.chains[i], bool(group.interlocus[i])),
            int(on_positive[i]),
            int(on_negative[i]),
            int(pos.sum()),
            int((~pos).sum()),
        )
        for i in np.flatnonzero(candidate)
    ]
    found.sort(key=lambda c: (-c.positive, c.negative, not c.eplet.verified, c.eplet.name))
    return DSAEplets(
        table.version,
        name,
        tuple(found),
        int(pos.sum()),
        int((~pos).sum()),
        tuple(left_out),
        _placement_notes(group, donor, recipient),
    )
