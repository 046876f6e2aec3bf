"""Eplet mismatch loads of many donor-recipient pairs: one numpy pass against a plain Python set
loop, in the same run, both from the same random typings; they must agree pair by pair.

Usage: python benchmarks/bench_eplets.py [PAIRS] [TABLES_DIR]   (default 10,000 pairs and
../shared/hla_reference/eplets_hlaR, version v3; without it a random table of the same shape,
said in the output). Run by hand, not by the test suite (which runs a small mode).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from dsa_monitor.eplets import FILES, GROUPS, EpletTable, GroupTable, read_tables
from dsa_monitor.eplets.load import (
    carried_by_alleles,
    group_loci,
    load_counts,
    mismatch_matrix,
)
from dsa_monitor.eplets.tables import GROUP_CLASS

TARGET = 20.0  # numpy pass >= 20x the set loop (issue 18)
DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "hla_reference" / "eplets_hlaR"


def _table(folder: Path) -> tuple[EpletTable, str]:
    if (folder / "MHC_I_eplet_v3.csv").exists():
        texts = {
            p.format(version="v3"): (folder / p.format(version="v3")).read_text("utf-8") for p, _ in FILES
        }
        return read_tables(texts, "v3"), f"hlaR v3 tables from {folder}"
    rng = np.random.default_rng(7)
    groups = {}
    shape = {
        "ABC": (("A", "B", "C"), 1890, 141),
        "DR": (("DRB1",), 380, 102),
        "DQ": (("DQA1", "DQB1"), 146, 90),
        "DP": (("DPA1", "DPB1"), 170, 44),
    }
    for g, (loci, alleles, eplets) in shape.items():
        names = tuple(f"{loci[i % len(loci)]}*{i // len(loci) + 1:02d}:01" for i in range(alleles))
        groups[g] = GroupTable(
            g,
            names,
            tuple(f"{i}{g}" for i in range(eplets)),
            ("beta",) * eplets,
            rng.random(eplets) < 0.4,
            rng.random(eplets) < 0.1,
            rng.random((alleles, eplets)) < 0.15,
        )
    return EpletTable("random", groups), f"a random table ({folder} not found)"


def _typings(table: EpletTable, pairs: int, rng) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per group, allele rows of donors and recipients (pairs × 2 copies per locus)."""
    out = {}
    for g, group in table.groups.items():
        by_locus = [
            np.array([i for i, a in enumerate(group.alleles) if a.startswith(f"{locus}*")])
            for locus in group_loci(group)
        ]
        people = [np.hstack([rng.choice(rows, (pairs, 2)) for rows in by_locus]) for _ in "dr"]
        out[g] = (people[0], people[1])
    return out


def vectorised(table: EpletTable, typings) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    donor = {g: carried_by_alleles(table.groups[g], d) for g, (d, _r) in typings.items()}
    recipient = {g: carried_by_alleles(table.groups[g], r) for g, (_d, r) in typings.items()}
    return load_counts(table, mismatch_matrix(table, donor, recipient))


def set_loop(table: EpletTable, typings) -> dict[str, tuple[list[int], list[int]]]:
    """The same rule in plain Python: sets of eplet names per allele, unions, differences."""
    sets = {
        g: [frozenset(e for e, on in zip(t.eplets, row, strict=True) if on) for row in t.carries.tolist()]
        for g, t in table.groups.items()
    }
    verified = {
        g: {e for e, v in zip(t.eplets, t.verified, strict=True) if v} for g, t in table.groups.items()
    }
    interlocus = {
        e
        for g, t in table.groups.items()
        if GROUP_CLASS[g] == "II"
        for e, il in zip(t.eplets, t.interlocus, strict=True)
        if il
    }
    pairs = len(next(iter(typings.values()))[0])
    out = {g: ([0] * pairs, [0] * pairs) for g in typings}
    rows = {g: (d.tolist(), r.tolist()) for g, (d, r) in typings.items()}
    for p in range(pairs):
        donor = {g: set().union(*(sets[g][a] for a in rows[g][0][p])) for g in typings}
        recipient = {g: set().union(*(sets[g][a] for a in rows[g][1][p])) for g in typings}
        class_ii = set().union(*(s for g, s in recipient.items() if GROUP_CLASS[g] == "II"))
        shared = class_ii & interlocus
        for g in typings:
            foreign = donor[g] - recipient[g] - (shared if GROUP_CLASS[g] == "II" else set())
            out[g][0][p] = len(foreign)
            out[g][1][p] = len(foreign & verified[g])
    return out


def _best_of(runs: int, function, *args):
    """The answer and the shortest of ``runs`` timings (the first pays for warming caches)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        answer = function(*args)
        times.append(time.perf_counter() - started)
    return answer, min(times)


def main() -> None:
    pairs = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    table, said = _table(Path(sys.argv[2]) if len(sys.argv) > 2 else DEFAULT)
    typings = _typings(table, pairs, np.random.default_rng(18))
    fast, fast_s = _best_of(3, vectorised, table, typings)
    slow, slow_s = _best_of(3, set_loop, table, typings)
    for g in GROUPS:
        if g in fast:
            assert fast[g][0].tolist() == slow[g][0], f"{g}: the two ways disagree (all)"
            assert fast[g][1].tolist() == slow[g][1], f"{g}: the two ways disagree (verified)"
    ratio = slow_s / fast_s
    print(f"eplet loads of {pairs:,} donor-recipient pairs, 4 locus groups, {said}")
    print(f"numpy pass     {fast_s * 1000:9.1f} ms   (best of 3, each way)")
    print(f"Python set loop{slow_s * 1000:9.1f} ms   (set loop / numpy = {ratio:.1f}x)")
    mean = {g: float(fast[g][0].mean()) for g in fast}
    print("mean load per group: " + ", ".join(f"{g} {m:.1f}" for g, m in mean.items()))
    print(f"target >= {TARGET:.0f}x: {'met' if ratio >= TARGET else 'NOT met'}")


if __name__ == "__main__":
    main()
