"""One serum as the laboratory saw it: every bead of every run of the draw, its MFI raw and used,
whether it is positive, and whose antigen it is (donor, self, or a third party).

Why here: a clinician asks "what else is there" (an anti-B*08:01 from a pregnancy, present since
baseline, is not donor-specific yet matters); the bead rows come from the store, the donor and
self calls from the recipient's current evaluation, so the table and the DSA calls agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from .. import store
from ..dsa.rules import DEFAULT_RULES, Rules
from ..evaluation import DonorEvaluation, current_evaluations
from ..evaluation.inputs import serum_of

DONOR, SELF, THIRD_PARTY, NEGATIVE = "donor", "self", "third-party", "negative"


@dataclass(frozen=True, slots=True)
class BeadRow:
    """One bead of one run, as the serum page lists it."""

    run: str  # the lab sample ID of the run
    hla_class: str
    bead_id: str
    specificity: str
    raw_mfi: float | None
    used_mfi: float | None
    value_kind: str  # normalized, bcm, raw_minus_nc, raw
    positive: bool
    match: str  # donor (a DSA, with its donor), self, third-party, negative
    donor: str = ""


def _used(bead: dict, nc: float | None) -> tuple[float | None, str]:
    """The value a call reads (DSA_RULES §2): normalized, BCM, raw − NC bead, raw."""
    if bead["normalized_mfi"] is not None:
        return bead["normalized_mfi"], "normalized"
    if bead["bcm"] is not None:
        return bead["bcm"], "bcm"
    if bead["raw_mfi"] is not None and nc is not None:
        return bead["raw_mfi"] - nc, "raw_minus_nc"
    return bead["raw_mfi"], "raw"


def _cutoff(rules: Rules, specificity: tuple[str, ...], hla_class: str) -> float:
    """The bead's cutoff: its locus (the allele name's gene, ``DQB1`` of ``DQB1*02:01``), else
    its class, else the default; the Wisse rule is the evaluation's to apply, not this table's."""
    locus = specificity[-1].split("*")[0] if specificity else ""
    return rules.cutoff_for(locus, hla_class)


def _calls(evaluations: list[DonorEvaluation], run_ids: set[int]) -> tuple[dict, set, Rules]:
    """(class, bead id) -> donor code for DSA beads of the serum of these runs; self beads; the
    rules (a point is the serum when it was made from one of its runs)."""
    dsa: dict[tuple[str, str], str] = {}
    own: set[tuple[str, str]] = set()
    rules = evaluations[0].rules if evaluations else DEFAULT_RULES
    for evaluation in evaluations:
        positions = {p.position for p in evaluation.points if run_ids & set(p.sample_ids)}
        for point in evaluation.points:
            if point.position in positions:
                own |= {(str(b.get("hla_class") or ""), str(b["bead_id"])) for b in point.self_beads}
        for state in evaluation.states:
            if state.position in positions and state.positive:
                for bead in state.beads:
                    dsa[(state.hla_class or "", str(bead["bead_id"]))] = evaluation.donor_code
    return dsa, own, rules


def serum_beads(db: Database, sample_id: int, sort: str = "run") -> tuple[dict, list[BeadRow]]:
    """The serum of a stored run (every run of its draw) and its bead rows; ``sort``: run (file
    order), mfi (highest used MFI first) or specificity."""
    sample = store.get_sample(db, sample_id)
    key = serum_of(sample)[1]
    runs = [s for s in store.list_samples(db, recipient_id=sample["recipient_id"]) if serum_of(s)[1] == key]
    dsa, own, rules = _calls(current_evaluations(db, sample["recipient_id"]), {run["id"] for run in runs})
    rows = []
    for run in runs:
        beads = store.list_bead_results(db, run["id"])
        nc = next((b["raw_mfi"] for b in beads if b["control"] == "NC"), None)
        hla_class = run["hla_class"] or ""
        for bead in beads:
            if bead["control"]:
                continue
            used, kind = _used(bead, nc)
            positive = (
                not run["excluded"]
                and used is not None
                and used >= _cutoff(rules, bead["specificity"], hla_class)
            )
            donor = dsa.get((hla_class, bead["bead_id"]), "")
            match = (
                DONOR
                if donor
                else SELF
                if (hla_class, bead["bead_id"]) in own
                else THIRD_PARTY
                if positive
                else NEGATIVE
            )
            rows.append(
                BeadRow(
                    run["lab_sample_id"],
                    hla_class,
                    bead["bead_id"],
                    "+".join(bead["specificity"]),
                    bead["raw_mfi"],
                    used,
                    kind,
                    positive,
                    match,
                    donor,
                )
            )
    if sort == "mfi":
        rows.sort(key=lambda r: -(r.used_mfi or 0.0))
    elif sort == "specificity":
        rows.sort(key=lambda r: r.specificity)
    name = next((r["lab_sample_id"] for r in runs if not r["excluded"]), sample["lab_sample_id"])
    return {"key": key, "name": name, "sample": sample, "runs": runs}, rows


def third_party(rows: list[BeadRow]) -> list[BeadRow]:
    """Positive beads of no donor and not self: antibodies that are not donor-specific."""
    return sorted((r for r in rows if r.match == THIRD_PARTY), key=lambda r: -(r.used_mfi or 0))
