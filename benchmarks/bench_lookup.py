"""Names resolved per second through the public lookup, as a ratio against a bare dict lookup.

Usage: python benchmarks/bench_lookup.py [RELEASE_DIR]   (default ../shared/.../imgthla_3.58.0,
else the embedded default). Run by hand, not by the test suite.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from release_names import release_alleles, two_field_names

from dsa_monitor.hla.loci import MONITORED
from dsa_monitor.hla.lookup import lookup
from dsa_monitor.hla.names import parse_allele
from dsa_monitor.reference.service import embedded, load_release

TARGET = 1_000_000  # names/s, serology(parse_allele) warm (issue 17)
DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "hla_reference" / "imgthla_3.58.0"


def _rate(function, names: list[str]) -> float:
    started = time.perf_counter()
    for name in names:
        function(name)
    return len(names) / (time.perf_counter() - started)


def main() -> None:
    directory = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    started = time.perf_counter()
    reference = load_release(directory) if directory.exists() else embedded()
    load_seconds = time.perf_counter() - started
    if reference.is_embedded:
        names = [
            f"{locus}*{g:02d}:{p:02d}"
            for locus in ("A", "B", "C", "DRB1", "DQB1")
            for g in range(1, 60)
            for p in range(1, 60)
        ]
    else:
        names = release_alleles(directory, MONITORED)
        names += two_field_names(reference, names)
    table = {name: str(reference.serology(parse_allele(name)).antigen) for name in names}
    bare = _rate(table.__getitem__, names)
    parse_allele.cache_clear()
    cold = _rate(lambda n: lookup(reference, n), names)  # first sight of each name: parse + record
    warm_serology = _rate(lambda n: reference.serology(parse_allele(n)), names)
    warm_record = _rate(lambda n: lookup(reference, n), names)
    print(f"reference {reference.release}: loaded in {load_seconds:.3f} s, {len(names)} names")
    for label, rate in (
        ("bare dict lookup", bare),
        ("serology(parse_allele) warm", warm_serology),
        ("lookup() record, cold", cold),
        ("lookup() record, warm", warm_record),
    ):
        print(f"{label:29}{rate:12,.0f} names/s  (dict/this = {bare / rate:.1f})")
    met = "met" if warm_serology >= TARGET else "NOT met"
    print(
        f"target: serology of parsed names >= {TARGET:,.0f} names/s in process: {met} "
        f"(timings on a shared machine vary; the dict ratio is taken in the same run)"
    )


if __name__ == "__main__":
    main()
