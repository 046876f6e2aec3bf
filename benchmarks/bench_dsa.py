"""DSA calls for 1,000 samples × ~100 beads against one donor: numpy core vs a pure-Python loop.

Usage: python benchmarks/bench_dsa.py [SAMPLES]   Uses the One Lambda LS2A01 class II catalogue from
../shared/hla_reference when present (DQ/DP heterodimers: chain attribution included), else a
synthetic panel. Prints both timings, their ratio, and checks the two agree. Run by hand.
"""

from __future__ import annotations

import csv
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from plain_rule import carriers_of, masks_of, positive_targets

from dsa_monitor.dsa.calls import (
    evaluate,
)
from dsa_monitor.dsa.donor import DonorHLA
from dsa_monitor.dsa.matching import BeadPanel, DonorMatch, match_donor
from dsa_monitor.dsa.positivity import cutoff_vector
from dsa_monitor.dsa.rules import DEFAULT_RULES
from dsa_monitor.reference.service import embedded

CATALOGUE = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "hla_reference"
    / "bead_catalogues"
    / "OneLambda_LS2A01_lot013_beads.csv"
)
DONOR = [
    "DRB1*15:01",
    "DRB1*04:01",
    "DRB5*01:01",
    "DRB4*01:01",
    "DQA1*01:02",
    "DQB1*06:02",
    "DQB1*03:02",
    "DPA1*01:03",
    "DPB1*04:01",
    "DPB1*02:01",
]


def panel() -> BeadPanel:
    if CATALOGUE.exists():
        with CATALOGUE.open(newline="", encoding="utf-8") as handle:
            rows = [r["specificity"] for r in csv.DictReader(handle)]
        return BeadPanel.from_specificities(["NC", "PC", *rows])
    alleles = [f"DRB1*{g:02d}:01" for g in range(1, 17)]
    dq = [f"DQA1*0{a}:01&DQB1*0{b}:0{c}" for a in range(1, 7) for b in range(2, 7) for c in (1, 2)]
    return BeadPanel.from_specificities(["NC", "PC", *alleles, *dq][:100])


def python_loop(mfi: list[list[float]], match: DonorMatch, cutoffs: list[float]) -> list[float]:
    """The same rule, written bead by bead: sum of DSA MFI per sample."""
    beads = match.panel.beads
    masks, carriers = masks_of(match), carriers_of(beads)
    sums = []
    for row in mfi:
        best: dict[str, float] = {}
        for b, target in positive_targets(row, beads, masks, carriers, cutoffs):
            best[target] = max(best.get(target, 0.0), row[b])
        sums.append(sum(best.values()))
    return sums


def best_of(repeats: int, run: Callable[[], object]) -> float:
    """Best wall time of a few runs (a shared machine is noisy)."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    n_samples = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    beads = panel()
    match = match_donor(beads, DonorHLA.from_names("D1", DONOR), embedded())
    rng = np.random.default_rng(2026)
    mfi = rng.gamma(0.5, 2500, size=(n_samples, len(beads))).astype(np.float32)
    cutoffs = cutoff_vector(beads.loci, beads.hla_classes, DEFAULT_RULES).tolist()
    rows = mfi.tolist()

    evaluation = evaluate(mfi, match)
    sums = python_loop(rows, match, cutoffs)
    numpy_seconds = best_of(5, lambda: evaluate(mfi, match))
    python_seconds = best_of(3, lambda: python_loop(rows, match, cutoffs))

    agree = np.allclose(evaluation.sum_mfi, np.array(sums, dtype=np.float32), rtol=1e-5)
    source = "LS2A01 catalogue" if CATALOGUE.exists() else "synthetic"
    print(f"panel: {len(beads)} beads ({source}), {n_samples} samples, donor {len(DONOR)} alleles")
    print(f"numpy core:  {numpy_seconds * 1000:8.2f} ms")
    print(f"python loop: {python_seconds * 1000:8.2f} ms")
    print(f"ratio: numpy is {python_seconds / numpy_seconds:.1f}x faster; results agree: {agree}")
    if not agree:
        raise SystemExit("the numpy core and the pure-Python loop disagree")


if __name__ == "__main__":
    main()
