"""Which beads of a panel carry what a donor carries: per-bead masks computed once per donor.

Rules of DSA_RULES.md §3: allele level (2-field equality), antigen level (same serologic
equivalent), "possible" (a split of the donor's broad, an associated antigen of the donor's antigen,
a 1-field or ambiguous typing); DQ/DP alpha and beta chains separately; a bead the recipient
matches as well as the donor is "self"; null alleles are never targets. Everything that does not
depend on the donor (each chain's serology, each bead's antigen and epitope, the level at which a
typed entry matches each chain) is computed once per (panel, reference) in a bounded cache
(``panel_serology.py``); a donor is then a few cached vectors and numpy. The per-sample work is
numpy in ``calls.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..hla.loci import DR_SUPERTYPIC
from .donor import DonorHLA
from .panel import ALPHA_LOCI, BeadPanel, PanelBead  # noqa: F401  (PanelBead re-exported)
from .panel_serology import (  # noqa: F401  (re-exported: where callers have found them)
    ALLELE,
    ANTIGEN,
    NONE,
    POSSIBLE,
    PanelSerology,
    SerologyAssignmentLike,
    SerologyLevels,
    SerologyReference,
    implied_supertypic,
    implied_supertypics,
    panel_serology,
)

LEVEL_NAMES = ("none", "possible", "antigen", "allele")
_BETA_OF = {"DQA1": "DQB1", "DPA1": "DPB1"}


@dataclass(frozen=True)
class DonorMatch:
    """Per-bead answers for one donor on one panel (arrays aligned to ``panel.beads``).

    ``primary_*`` describe the bead's single or beta chain, ``alpha_*`` its DQA1/DPA1 chain.
    A ``*_target`` mask is True where the donor carries that chain and the recipient does not.
    """

    donor_id: str
    panel: BeadPanel
    primary_level: npt.NDArray[np.int8]
    alpha_level: npt.NDArray[np.int8]
    primary_self: npt.NDArray[np.bool_]
    alpha_self: npt.NDArray[np.bool_]
    alpha_untyped: npt.NDArray[np.bool_]  # heterodimer bead whose alpha locus the donor lacks
    shared: npt.NDArray[np.bool_]  # the recipient matches a target chain without carrying it
    primary_target: tuple[str | None, ...]  # the donor entry the chain matches, as typed
    alpha_target: tuple[str | None, ...]
    antigen: tuple[str | None, ...]  # serologic equivalent of the bead's primary chain
    epitope: tuple[str | None, ...]  # Bw4/Bw6 of class I beads
    release: str
    notes: tuple[str, ...] = ()

    @property
    def primary_mask(self) -> npt.NDArray[np.bool_]:
        return (self.primary_level > NONE) & ~self.primary_self

    @property
    def alpha_mask(self) -> npt.NDArray[np.bool_]:
        return (self.alpha_level > NONE) & ~self.alpha_self

    @property
    def heterodimer(self) -> npt.NDArray[np.bool_]:
        return self.panel.alpha_index >= 0


def match_donor(
    panel: BeadPanel,
    donor: DonorHLA,
    reference: SerologyReference,
    recipient: DonorHLA | None = None,
) -> DonorMatch:
    """Masks of the beads a donor's HLA makes DSA targets, chain by chain.

    A chain is "self" when the recipient carries what the donor's match stands for (``_self``):
    an antibody there cannot be told from one against the recipient's own antigen. A heterodimer
    bead is self only when both its chains are (``calls._bead_codes``).
    """
    known = panel_serology(panel, reference)
    typed = {entry.locus for entry in donor.entries}
    given = known.best(donor, typed)
    theirs = known.best(
        recipient, set() if recipient is None else {entry.locus for entry in recipient.entries}
    )
    chains = (known.primary, known.alpha)
    p_level, a_level = (given.levels[c] for c in chains)
    p_may, a_may = (given.carried[c] for c in chains)
    p_recipient, a_recipient = (theirs.levels[c] for c in chains)
    p_carried, a_carried = (theirs.carried[c] for c in chains)
    p_self = _self(p_level, p_may, p_recipient, p_carried)
    a_self = _self(a_level, a_may, a_recipient, a_carried)
    shared = ((p_level > NONE) & (p_recipient > NONE) & ~p_self) | (
        (a_level > NONE) & (a_recipient > NONE) & ~a_self
    )
    notes = _notes(known, donor, recipient, given.nulls, given.unknown or theirs.unknown)
    alpha_untyped = np.zeros(len(panel), dtype=np.bool_)
    for locus, beads in known.alpha_masks.items():
        if locus not in typed:
            alpha_untyped |= beads
    donor_texts = given.texts
    return DonorMatch(
        donor_id=donor.donor_id,
        panel=panel,
        primary_level=_allele_specific(p_level, p_self, p_recipient),
        alpha_level=_allele_specific(a_level, a_self, a_recipient),
        primary_self=p_self,
        alpha_self=a_self,
        alpha_untyped=alpha_untyped,
        shared=shared,
        primary_target=tuple(map(donor_texts.__getitem__, known.primary_list)),
        alpha_target=tuple(map(donor_texts.__getitem__, known.alpha_list)),
        antigen=known.antigen,
        epitope=known.epitope,
        release=str(getattr(reference, "release", "unknown")),
        notes=notes,
    )


def _self(
    level: npt.NDArray[np.int8],
    may: npt.NDArray[np.int8],
    recipient: npt.NDArray[np.int8],
    carried: npt.NDArray[np.int8],
) -> npt.NDArray[np.bool_]:
    """A donor chain is self when the recipient carries what the donor's match stands for: the
    bead's allele itself at the donor's level, or the donor's own allele when the donor's typing
    excludes the bead's (donor and recipient A*02:01: the A*02:06 bead is self). Donor A2 and
    recipient A*02:01 on the A*02:06 bead: the donor may carry A*02:06, the recipient does not:
    not self."""
    return (level > NONE) & ((carried >= level) | ((recipient >= level) & (may == NONE)))


def _allele_specific(
    level: npt.NDArray[np.int8], self_: npt.NDArray[np.bool_], recipient: npt.NDArray[np.int8]
) -> npt.NDArray[np.int8]:
    """A chain the recipient shares at the donor's level without carrying its allele is only a
    possible target: an allele-specific antibody inside an antigen-matched pair."""
    return np.where((level > NONE) & ~self_ & (recipient >= level), np.int8(POSSIBLE), level).astype(np.int8)


def donor_notes(panel: BeadPanel, donor: DonorHLA, reference: SerologyReference) -> tuple[str, ...]:
    """What ``match_donor(panel, donor, reference).notes`` says, without the masks: for the donors
    the screen clears, whose beads are never called."""
    known = panel_serology(panel, reference)
    unknown, nulls = known.entry_flags(donor)
    return _notes(known, donor, None, nulls, unknown)


def _notes(
    known: PanelSerology, donor: DonorHLA, recipient: DonorHLA | None, nulls: list[str], unknown: bool
) -> tuple[str, ...]:
    typed = {entry.locus for entry in donor.entries}
    notes = donor.notes + tuple(f"{text}: null allele, not a DSA target" for text in nulls)
    if known.unknown_chains or unknown:
        notes += tuple(
            f"{why}; matched at allele level only" for why in known.unknown_notes(donor, recipient)
        )
    # DRB3/4/5 are absent from some haplotypes: with DRB1 typed, their absence is an answer.
    untyped = [
        locus
        for locus in known.panel_loci
        if locus not in typed and not (locus in DR_SUPERTYPIC and "DRB1" in typed)
    ]
    return notes + tuple(
        f"donor {locus} not typed: "
        + (
            f"DSA on its beads are called on the {_BETA_OF[locus]} chain; alpha attribution not possible"
            if locus in ALPHA_LOCI
            else "no DSA can be called on its beads"
        )
        for locus in untyped
    )
