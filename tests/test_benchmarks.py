"""Every benchmark runs in a small mode, so that none rots between the runs made by hand.

Each is run as its own process (as a person runs it), on a few samples or recipients; the figures
are not judged here (timings on a loaded CI machine mean little), only that it runs to its end
and that its own agreement checks hold (they assert).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from reference_paths import IMGT_358

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
SMALL = {
    "bench_api.py": ["50", "--seconds", "0.5", "--clients", "2", "--workers", "1"],
    "bench_dsa.py": ["50"],
    "bench_eplets.py": ["200"],
    "bench_evaluate.py": ["40"],
    "bench_import.py": ["4", "20", "1"],
    "bench_lookup.py": [],
    "bench_scale.py": ["150", "--seconds", "0.5", "--clients", "4"],
    "bench_study.py": ["30"],
}


def test_every_benchmark_has_a_small_mode():
    runnable = {p.name for p in BENCHMARKS.glob("bench_*.py")}
    assert runnable == set(SMALL)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_benchmark_runs_in_its_small_mode(name, tmp_path):
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / name), *SMALL[name]],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip()


def test_embedded_agreement_runs_on_the_release():
    if not IMGT_358.exists():
        pytest.skip("../shared/hla_reference/imgthla_3.58.0 not present: nothing to agree with")
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "embedded_agreement.py"), str(IMGT_358)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "embedded default vs IPD-IMGT/HLA" in done.stdout
