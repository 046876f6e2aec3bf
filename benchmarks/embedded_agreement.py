"""How often the embedded default agrees with a release for 2-field alleles of A, B, C, DRB1, DQB1.

Usage: python benchmarks/embedded_agreement.py [RELEASE_DIR]
(default ../shared/hla_reference/imgthla_3.58.0).
Counted over the 2-field names the release gives one antigen (unambiguous, assumed...).
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from release_names import release_alleles, two_field_names

from dsa_monitor.hla.names import parse_allele
from dsa_monitor.reference.service import embedded, load_release

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "hla_reference" / "imgthla_3.58.0"
LOCI = ("A", "B", "C", "DRB1", "DQB1")


def main() -> None:
    directory = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    release, default = load_release(directory), embedded()
    two_field = two_field_names(release, release_alleles(directory, LOCI))
    totals: Counter = Counter()
    misses: dict[str, list[str]] = {}
    for text in two_field:
        name = parse_allele(text)
        truth = release.serology(name)
        if not truth.expressed or truth.antigen is None:
            continue
        guess = default.serology(name)
        key = (name.locus, guess.kind)
        totals[key] += 1
        if guess.antigen == truth.antigen:
            totals[(*key, "agree")] += 1
        else:
            misses.setdefault(name.locus, []).append(f"{text}:{guess.antigen}!={truth.antigen}")
    print(f"embedded default vs IPD-IMGT/HLA {release.release}, 2-field names with one antigen")
    for locus in LOCI:
        for kind in ("embedded", "first_field", "none"):
            n = totals[(locus, kind)]
            if n:
                agree = totals[(locus, kind, "agree")]
                print(f"  {locus:5} {kind:12} {agree:5}/{n:<5} agree ({100 * agree / n:5.1f} %)")
        print(f"        e.g. misses: {', '.join(misses.get(locus, [])[:6])}")
    n = sum(v for k, v in totals.items() if len(k) == 2)
    agree = sum(v for k, v in totals.items() if len(k) == 3)
    print(f"  all   {agree}/{n} agree ({100 * agree / n:.1f} %)")


if __name__ == "__main__":
    main()
