"""The donor-independent half of donor matching: serology levels of typed names against a
panel's chains, computed once per (panel, reference) and kept in bounded caches.

Rules of DSA_RULES.md §3 (allele, antigen and "possible" levels; DR51/52/53 implied by DRB1);
``matching.match_donor`` turns a donor and a recipient into per-bead masks with these.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import NamedTuple, Protocol

import numpy as np
import numpy.typing as npt

from ..errors import DSAMonitorError
from ..hla.loci import DR_SUPERTYPIC
from ..hla.names import AlleleName, Antigen
from .donor import Candidate, DonorHLA, TypingEntry
from .panel import BeadPanel

NONE, POSSIBLE, ANTIGEN, ALLELE = 0, 1, 2, 3


class EntryLevels(NamedTuple):
    """One typed entry on every chain of a panel (+ the trailing "no chain" slot)."""

    levels: npt.NDArray[np.int8]  # the level at which the entry matches the chain
    carried: npt.NDArray[np.int8]  # ... counting only names that may be the chain's allele
    unknown: bool  # one of its alleles is unknown to the reference
    null: bool  # it names a null allele
    # per DRB3/4/5 (``_SUPERTYPIC_LOCI``): the entry is typed at it, then: the entry implies it
    supertypic: tuple[bool, ...] = ()


class PersonLevels(NamedTuple):
    """A person's typing on every chain of a panel: the best of its entries."""

    levels: npt.NDArray[np.int8]
    carried: npt.NDArray[np.int8]
    texts: list[str | None]  # the entry reaching the best level, as typed
    unknown: bool
    nulls: list[str]


class SerologyAssignmentLike(Protocol):
    """Read-only, as ``hla.serology.SerologyAssignment`` (a frozen dataclass) gives them."""

    @property
    def antigen(self) -> Antigen | None: ...
    @property
    def possible(self) -> tuple[Antigen, ...]: ...
    @property
    def expressed(self) -> bool: ...


class SerologyReference(Protocol):
    """What matching asks of ``hla.reference.ReferenceData`` (an IPD-IMGT/HLA release)."""

    release: str

    def serology(self, name: AlleleName) -> SerologyAssignmentLike: ...
    def broad_of(self, antigen: Antigen) -> Antigen | None: ...
    def parent_of_associated(self, antigen: Antigen) -> Antigen | None: ...
    def public_epitope(self, item: Antigen | AlleleName) -> str | None: ...


class SerologyLevels:
    """The level at which a typed name matches one bead chain, with memoised antigen lookups
    against one reference (unknown alleles have no antigen)."""

    MAX_CACHED = 65_536  # typed alleles seen by a long-running service: bounded, then refilled

    def __init__(self, reference: SerologyReference) -> None:
        self.reference = reference
        # allele -> (antigen, possible antigens, why the reference gave no serology)
        self._cache: dict[AlleleName, tuple[Antigen | None, tuple[Antigen, ...], str | None]] = {}

    def lookup(self, allele: AlleleName) -> tuple[Antigen | None, tuple[Antigen, ...], str | None]:
        found = self._cache.get(allele)
        if found is None:
            unknown = None
            try:
                assignment = self.reference.serology(allele)
                antigen, possible = assignment.antigen, tuple(assignment.possible)
            except DSAMonitorError as error:
                unknown, antigen, possible = error.message, None, ()
            if antigen is None and not possible and allele.expressed and allele.locus in DR_SUPERTYPIC:
                # DR51/52/53 name every DRB5/DRB3/DRB4 product (DSA_RULES.md §1).
                antigen = Antigen("DR", DR_SUPERTYPIC[allele.locus])
            found = (antigen, possible, unknown)
            if len(self._cache) >= self.MAX_CACHED:
                self._cache.clear()
            self._cache[allele] = found
        return found

    def of(self, allele: AlleleName) -> tuple[Antigen | None, tuple[Antigen, ...]]:
        found = self.lookup(allele)
        return found[0], found[1]

    def antigen_level(self, bead: Antigen | None, possible: tuple[Antigen, ...], typed: Antigen) -> int:
        """How a bead's antigen relates to a serologically typed antigen."""
        reference = self.reference
        if bead is not None:
            if bead == typed:
                return ANTIGEN
            related = (
                reference.broad_of(bead),  # donor typed as the broad: the split is only possible
                reference.parent_of_associated(bead),  # A203 bead, donor typed A2
                reference.broad_of(typed),  # bead carries the broad of the donor's split
            )
            if typed in related[:2] or related[2] == bead:
                return POSSIBLE
        return POSSIBLE if typed in possible else NONE

    def chain_level(self, bead: AlleleName, typed: Candidate, *, carried: bool = False) -> int:
        """The level at which one typed name matches one bead chain.

        ``carried``: only where the typed name may *be* the bead's allele. A name typed at two
        fields or more that differs from the bead's then matches nothing (the person does not
        carry that allele, even if it shares its antigen): the recipient's side of "self".
        """
        if isinstance(typed, AlleleName):
            if typed.locus != bead.locus or not typed.expressed:
                return NONE
            if typed.resolution >= 2 and typed.fields[:2] == bead.fields[:2]:
                return ALLELE
            if typed.resolution >= 2 and carried:
                return NONE
            bead_antigen, bead_possible = self.of(bead)
            typed_antigen, _ = self.of(typed)
            if typed.resolution == 1:
                # A group (B*15, B*15:XX) stands for every allele the release lists under it,
                # whatever their serology (B*15:03 is B72, not a split of B15): "possible" at
                # least on every bead of the group; its own antigen may match better.
                group = POSSIBLE if bead.fields[0] == typed.fields[0] else NONE
                if typed_antigen is not None:
                    return max(group, self.antigen_level(bead_antigen, bead_possible, typed_antigen))
                return group
            if typed_antigen is not None and typed_antigen == bead_antigen:
                return ANTIGEN
            return NONE
        bead_antigen, bead_possible = self.of(bead)
        return self.antigen_level(bead_antigen, bead_possible, typed)

    def entry_level(self, bead: AlleleName, entry: TypingEntry, *, carried: bool = False) -> int:
        """An ambiguous entry matches at the level all its candidates share, else "possible"."""
        levels = [self.chain_level(bead, c, carried=carried) for c in entry.expressed]
        if not levels or max(levels) == NONE:
            return NONE
        return min(levels) if min(levels) > NONE else POSSIBLE


class PanelSerology:
    """What matching needs of one panel under one reference, none of it donor-dependent.

    Chains are the panel's distinct expressed chain alleles; index ``-1`` (no chain, or a null
    one) reads the trailing slot of every per-chain array, which always says "no match".
    """

    MAX_ENTRIES = 20_000  # distinct typed entries kept per panel (bounded, then refilled)

    def __init__(self, panel: BeadPanel, reference: SerologyReference) -> None:
        self.panel = panel
        self.reference = reference
        self.serology = SerologyLevels(reference)
        index: dict[AlleleName, int] = {}
        for bead in panel.beads:
            for chain in (bead.primary, bead.alpha):
                if chain is not None and chain.expressed:
                    index.setdefault(chain, len(index))
        self.chains: tuple[AlleleName, ...] = tuple(index)
        self.primary = np.array(
            [index.get(b.primary, -1) if b.primary else -1 for b in panel.beads], dtype=np.intp
        )
        self.alpha = np.array([index.get(b.alpha, -1) if b.alpha else -1 for b in panel.beads], dtype=np.intp)
        self.alpha_loci = tuple(b.alpha.locus if b.alpha else "" for b in panel.beads)
        self.supertypic = tuple(
            (c, locus) for c, locus in enumerate(a.locus for a in self.chains) if locus in DR_SUPERTYPIC
        )
        self.panel_loci = tuple(
            dict.fromkeys(
                chain.locus for bead in panel.beads for chain in (bead.alpha, bead.primary) if chain
            )
        )
        antigens: list[str | None] = []
        epitopes: list[str | None] = []
        for b, bead in enumerate(panel.beads):
            antigen, epitope = None, None
            if bead.primary is not None:
                found, possible = self.serology.of(bead.primary)
                antigen = str(found) if found else ("/".join(map(str, possible)) or None)
                if panel.hla_classes[b] == "I":
                    try:
                        epitope = reference.public_epitope(bead.primary)
                    except DSAMonitorError:
                        epitope = None
            antigens.append(antigen)
            epitopes.append(epitope)
        self.antigen, self.epitope = tuple(antigens), tuple(epitopes)
        every = [c for b in panel.beads for c in (b.primary, b.alpha) if c is not None]
        self.unknown_chains = any(self.serology.lookup(c)[2] is not None for c in every)
        self.primary_list: list[int] = self.primary.tolist()
        self.alpha_list: list[int] = self.alpha.tolist()
        self.alpha_masks = {
            locus: np.array([a == locus for a in self.alpha_loci], dtype=np.bool_)
            for locus in dict.fromkeys(self.alpha_loci)
            if locus
        }
        self._entries: dict[tuple[str, tuple[Candidate, ...]], EntryLevels] = {}
        # the same, by entry object: hashing a key of candidates costs more than the levels
        self._by_object: dict[int, tuple[TypingEntry, EntryLevels]] = {}
        self._none = np.zeros(len(self.chains) + 1, dtype=np.int8)
        self._none.flags.writeable = False

    def entry_levels(self, entry: TypingEntry) -> EntryLevels:
        """Level of one typed entry on every chain (+ the "none" slot), the level at which it
        may carry each chain's very allele (``carried``), whether one of its alleles is unknown
        to the reference, and whether it names a null allele."""
        held = self._by_object.get(id(entry))
        if held is not None and held[0] is entry:  # the same entry object (typings are cached)
            return held[1]
        key = (entry.locus, entry.candidates)
        found = self._entries.get(key)
        if found is None:
            levels = np.zeros(len(self.chains) + 1, dtype=np.int8)
            carried = np.zeros(len(self.chains) + 1, dtype=np.int8)
            for c, chain in enumerate(self.chains):
                if chain.locus == entry.locus:  # another gene's name never matches this chain
                    levels[c] = self.serology.entry_level(chain, entry)
                    if levels[c]:
                        carried[c] = self.serology.entry_level(chain, entry, carried=True)
            levels.flags.writeable = False  # shared by every typing with this entry
            carried.flags.writeable = False
            unknown = any(
                self.serology.lookup(c)[2] is not None for c in entry.expressed if isinstance(c, AlleleName)
            )
            implied = _implied_by(entry)
            found = EntryLevels(
                levels,
                carried,
                unknown,
                len(entry.expressed) < len(entry.candidates),
                tuple(entry.locus == locus for locus in _SUPERTYPIC_LOCI)
                + tuple(locus in implied for locus in _SUPERTYPIC_LOCI),
            )
            if len(self._entries) >= self.MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = found
        if len(self._by_object) >= self.MAX_ENTRIES:
            self._by_object.clear()
        self._by_object[id(entry)] = (entry, found)  # the entry kept: its id is not reused
        return found

    def best(self, person: DonorHLA | None, typed: set[str]) -> PersonLevels:
        """Per chain: the best level of the person's entries (``typed``: their loci), the best
        level at which they may carry the chain's very allele, the entry text that reaches the
        best level first; whether an allele of the typing is unknown to the reference; the
        entries naming a null allele."""
        texts: list[str | None] = [None] * len(self._none)
        if person is None or not person.entries:
            return PersonLevels(self._none, self._none, texts, False, [])
        found = [self.entry_levels(entry) for entry in person.entries]
        stack = np.stack([item.levels for item in found])
        best = stack.max(axis=0)
        carried = np.stack([item.carried for item in found]).max(axis=0)
        matched = np.flatnonzero(best)
        entries = person.entries
        # the first entry reaching the best level, as typed
        for c, e in zip(matched.tolist(), stack[:, matched].argmax(axis=0).tolist(), strict=True):
            texts[c] = entries[e].text
        implied: dict[str, str] | None = None
        for c, locus in self.supertypic:
            if best[c] == NONE and locus not in typed:
                if implied is None:
                    implied = implied_supertypics(person)
                if locus in implied:
                    best[c] = carried[c] = POSSIBLE
                    texts[c] = f"DR{DR_SUPERTYPIC[locus]} (implied by {implied[locus]}; {locus} untyped)"
        unknown, nulls = _flags(person, found)
        return PersonLevels(best, carried, texts, unknown, nulls)

    def entry_flags(self, person: DonorHLA) -> tuple[bool, list[str]]:
        """Whether an allele of the typing is unknown to the reference; the entries naming a
        null allele (both from the cached entry levels)."""
        return _flags(person, [self.entry_levels(entry) for entry in person.entries])

    def carried(self, people: Sequence[DonorHLA]) -> npt.NDArray[np.bool_]:
        """(people × beads): beads with a chain a person's typing matches at any level, DRB3/4/5
        implied by DRB1 included: ``best`` for many donors at once (the screen's question), from
        the levels of their distinct typed entries."""
        # Each person ORs the rows of its own entries: a segmented ``logical_or.reduceat`` over
        # the entries in person order. (A float matrix product did the same through BLAS, whose
        # threads spun on both cores for these small matrices: CPU without progress on a shared
        # machine.) The rows are looked up once per distinct entry object (cached typings).
        flat = [entry for person in people for entry in person.entries]
        columns: dict[int, int] = {}
        cols = np.array([columns.setdefault(id(entry), len(columns)) for entry in flat], dtype=np.intp)
        typed_entries = list({id(entry): entry for entry in flat}.values())
        counts = np.array([len(person.entries) for person in people], dtype=np.intp)
        best = np.zeros((len(people), len(self._none)), dtype=np.bool_)
        if typed_entries:
            someone = np.flatnonzero(counts)  # a person without entries carries nothing
            starts = (np.cumsum(counts) - counts)[someone]

            def each_person(per_entry: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
                out = np.zeros((len(people), per_entry.shape[1]), dtype=np.bool_)
                out[someone] = np.logical_or.reduceat(per_entry[cols], starts, axis=0)
                return out

            found = [self.entry_levels(e) for e in typed_entries]
            best = each_person(np.stack([item.levels for item in found]) > NONE)
            if self.supertypic:
                rows = each_person(np.array([item.supertypic for item in found], dtype=np.bool_))
                n_loci = len(_SUPERTYPIC_LOCI)
                implied = rows[:, n_loci:] & ~rows[:, :n_loci]
                for c, locus in self.supertypic:
                    best[:, c] |= implied[:, _SUPERTYPIC_LOCI.index(locus)]
        best[:, -1] = False  # the "no chain" slot
        return best[:, self.primary] | best[:, self.alpha]

    def unknown_notes(self, donor: DonorHLA, recipient: DonorHLA | None) -> list[str]:
        """Why the reference gave no serology, per allele, in the order matching meets them."""
        seen: dict[str, str] = {}

        def meet(allele: AlleleName) -> None:
            unknown = self.serology.lookup(allele)[2]
            if unknown is not None:
                seen.setdefault(str(allele), unknown)

        for bead in self.panel.beads:
            for chain, person in (
                (bead.primary, donor),
                (bead.alpha, donor),
                (bead.primary, recipient),
                (bead.alpha, recipient),
            ):
                if chain is None or person is None or not chain.expressed:
                    continue
                for entry in person.entries:
                    if entry.locus != chain.locus:
                        continue
                    for typed in entry.expressed:
                        if not isinstance(typed, AlleleName):
                            meet(chain)
                        elif (
                            typed.locus == chain.locus
                            and typed.expressed
                            and not (typed.resolution >= 2 and typed.fields[:2] == chain.fields[:2])
                        ):
                            meet(chain)
                            meet(typed)
            if bead.primary is not None:
                meet(bead.primary)
        return list(seen.values())


_PANELS: OrderedDict[tuple[int, int], PanelSerology] = OrderedDict()
_PANELS_LOCK = threading.Lock()
MAX_PANELS = 32  # (panel, reference) pairs kept: a few lots per release in a running service


def panel_serology(panel: BeadPanel, reference: SerologyReference) -> PanelSerology:
    """The donor-independent part of matching for a panel, built once per (panel, reference)
    object pair and kept in a small LRU (the entry holds both objects, so ids stay theirs)."""
    key = (id(panel), id(reference))
    with _PANELS_LOCK:
        found = _PANELS.get(key)
        if found is not None and found.panel is panel and found.reference is reference:
            _PANELS.move_to_end(key)
            return found
    built = PanelSerology(panel, reference)
    with _PANELS_LOCK:
        _PANELS[key] = built
        _PANELS.move_to_end(key)
        while len(_PANELS) > MAX_PANELS:
            _PANELS.popitem(last=False)
    return built


# DRB1 groups whose haplotypes carry DRB5 (DR51), DRB3 (DR52) or DRB4 (DR53): general HLA
# knowledge (DR2 -> DR51; DR3, DR5, DR6 -> DR52; DR4, DR7, DR9 -> DR53; DR1, DR8, DR10: none).
_SUPERTYPIC_OF_GROUP = {
    **dict.fromkeys(("2", "15", "16"), "DRB5"),
    **dict.fromkeys(("3", "17", "18", "5", "11", "12", "6", "13", "14"), "DRB3"),
    **dict.fromkeys(("4", "7", "9"), "DRB4"),
}


def _flags(person: DonorHLA, found: list[EntryLevels]) -> tuple[bool, list[str]]:
    """From each entry's cached levels: whether an allele is unknown to the reference, and the
    entries naming a null allele."""
    nulls = [entry.text for entry, item in zip(person.entries, found, strict=True) if item.null]
    return any(item.unknown for item in found), nulls


_SUPERTYPIC_LOCI = tuple(sorted(DR_SUPERTYPIC))


def _implied_by(entry: TypingEntry) -> dict[str, str]:
    return implied_supertypics(DonorHLA("", (entry,)))


def implied_supertypic(person: DonorHLA, locus: str) -> str | None:
    """The DRB1 entry implying that an untyped DRB3/4/5 is present (DR15 -> DRB5), if any."""
    return implied_supertypics(person).get(locus)


def implied_supertypics(person: DonorHLA) -> dict[str, str]:
    """DRB3/4/5 -> the first DRB1 entry implying it (one pass over the DRB1 entries)."""
    implied: dict[str, str] = {}
    for entry in person.entries:
        if entry.locus != "DRB1":
            continue
        for name in entry.expressed:
            if isinstance(name, AlleleName):
                group = str(int(name.fields[0]))
            else:
                group = name.number[:-2] if len(name.number) > 2 else name.number
            locus = _SUPERTYPIC_OF_GROUP.get(group)
            if locus is not None:
                implied.setdefault(locus, entry.text)
    return implied
