"""Candidate target eplets of a DSA: which part of the donor's HLA the antibody may see.

Why: an eplet the donor carries, the recipient lacks, and that sits on the positive beads of the
DSA's locus group but not on its negative beads explains the reactivity better than a list of
alleles. The panel's own bead list decides which beads count: a bead the serum was tested on,
of the DSA's locus group, whose chains the table lists (a bead it does not list is said, never
counted). A heterodimer bead (DQ, DP) carries its alpha and its beta chain's eplets.

Ranking: most positive beads explained first, then fewest negative beads carrying it, then
antibody-verified before other, then by name. An eplet on many negative beads explains nothing;
it stays in the list with its counts so the reader can see why it ranks low.

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
from .load import Eplet, interlocus_self, pack, unpack
from .placement import PersonEplets
from .tables import LOCUS_GROUP, EpletTable, GroupTable


class Bead(Protocol):
    """What a bead of a panel must give (``dsa.panel.PanelBead``, ``sab.catalogue`` beads)."""

    bead_id: str
    specificity: Sequence[str]


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
        return (f"explains {self.positive} of {self.positive_beads} positive beads, "
                f"{self.negative} of {self.negative_beads} negative")

    def to_dict(self) -> dict[str, Any]:
        return {**self.eplet.to_dict(), "positive": self.positive, "negative": self.negative,
                "positive_beads": self.positive_beads, "negative_beads": self.negative_beads,
                "text": self.text}


@dataclass(frozen=True, slots=True)
class DSAEplets:
    """The candidates of one DSA, ranked, with the beads left out and why."""

    version: str
    group: str
    candidates: tuple[CandidateEplet, ...]
    positive_beads: int
    negative_beads: int
    not_in_table: tuple[str, ...] = ()  # bead labels whose chains the table does not list

    def line(self) -> str:
        """One line for an e-mail or a table cell: the best candidate, or why there is none."""
        if not self.candidates:
            return f"no candidate eplet (eplet table {self.version})"
        best = self.candidates[0]
        kind = "antibody-verified" if best.eplet.verified else "other"
        return f"eplet {best.eplet.name} ({kind}): {best.text}"

    def to_dict(self) -> dict[str, Any]:
        return {"eplet_table": self.version, "group": self.group, "line": self.line(),
                "positive_beads": self.positive_beads, "negative_beads": self.negative_beads,
                "not_in_table": list(self.not_in_table),
                "candidates": [c.to_dict() for c in self.candidates]}


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


def explain(dsa_beads: Iterable[str], panel: Sequence[Bead], positive: Collection[str],
            donor: PersonEplets, recipient: PersonEplets, table: EpletTable) -> DSAEplets:
    """Candidate target eplets of one DSA (its bead ids) read on ``panel`` in one serum."""
    wanted = set(dsa_beads)
    groups = {g for g in (bead_group(b) for b in panel if b.bead_id in wanted) if g is not None}
    if len(groups) != 1:
        raise DSAMonitorError(f"the DSA's beads must be of one locus group, found {sorted(groups)}"
                              if groups else "none of the DSA's beads is on the panel")
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
    self_eplets = recipient.carried[name] | (unpack(extra[name], group)[0] if name in extra
                                             else False)
    candidate = donor.carried[name] & ~self_eplets & carried[dsa].any(axis=0)
    on_positive = carried[pos].sum(axis=0)
    on_negative = carried[~pos].sum(axis=0)
    found = [CandidateEplet(Eplet(group.eplets[i], bool(group.verified[i]), group.chains[i],
                                  bool(group.interlocus[i])),
                            int(on_positive[i]), int(on_negative[i]), int(pos.sum()),
                            int((~pos).sum()))
             for i in np.flatnonzero(candidate)]
    found.sort(key=lambda c: (-c.positive, c.negative, not c.eplet.verified, c.eplet.name))
    return DSAEplets(table.version, name, tuple(found), int(pos.sum()), int((~pos).sum()),
                     tuple(left_out))
