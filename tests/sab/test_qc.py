"""Control-bead QC: pass, fail on PC/NC limits, warnings for missing controls, counts, prozone."""

from __future__ import annotations

import random

import numpy as np
import pytest
from reference_paths import SAB_EXAMPLES, need_shared

from dsa_monitor.sab.formats import parse_file
from dsa_monitor.sab.model import BeadResult, SampleResult
from dsa_monitor.sab.qc import QCLimits, evaluate_qc, limits_for, percentiles


def _sample(
    nc=60.0,
    pc=15000.0,
    targets=(150.0, 90.0, 3200.0, 120.0, 80.0),
    counts=None,
    vendor="onelambda",
    qc_limits=None,
):
    beads = []
    if nc is not None:
        beads.append(BeadResult("001", (), raw_mfi=nc, control="NC"))
    if pc is not None:
        beads.append(BeadResult("002", (), raw_mfi=pc, control="PC"))
    for i, mfi in enumerate(targets):
        count = counts[i] if counts else 100
        beads.append(BeadResult(f"{i + 3:03d}", (f"A*{i + 1:02d}:01",), raw_mfi=mfi, count=count))
    return SampleResult("S1", vendor=vendor, beads=beads, qc_limits=qc_limits or {})


@pytest.mark.parametrize(
    "sample, status, reasons",
    [
        (_sample(), "pass", []),
        (_sample(pc=400.0), "fail", ["PC bead raw MFI 400 below the minimum 1000"]),
        (_sample(nc=2500.0), "fail", ["NC bead raw MFI 2500 above the maximum 1000"]),
        (_sample(nc=None, pc=None), "warn", ["no control beads found: PC/NC QC not checked"]),
        (_sample(pc=None), "warn", ["no PC bead found: positive-control QC not checked"]),
        (_sample(nc=None), "warn", ["no NC bead found: negative-control QC not checked"]),
        (
            _sample(counts=[100, 12, 100, 49, 100]),
            "warn",
            ["bead count below 50 on 2 bead(s): 004 (12), 006 (49)"],
        ),
        (
            _sample(pc=300.0, targets=(150.0, 12000.0, 90.0)),
            "fail",
            [
                "PC bead raw MFI 300 below the minimum 1000",
                "PC bead low while a bead reaches 12000: possible prozone; retest with EDTA/DTT/dilution",
            ],
        ),
        (
            _sample(targets=(3100.0, 2900.0, 3300.0, 3000.0, 2800.0, 3150.0)),
            "warn",
            [
                "flat bead profile (80% of beads between 2850 and 3225): possible interference"
                " (prozone/complement); retest with EDTA/DTT/dilution"
            ],
        ),
        (_sample(targets=(60.0, 55.0, 70.0, 65.0, 58.0, 61.0)), "pass", []),  # negative serum
    ],
    ids=[
        "pass",
        "pc-low",
        "nc-high",
        "no-controls",
        "no-pc",
        "no-nc",
        "low-counts",
        "prozone",
        "flat",
        "negative-serum-is-not-flat",
    ],
)
def test_evaluate_qc(sample, status, reasons):
    verdict = evaluate_qc(sample)
    assert (verdict.status, verdict.reasons) == (status, reasons)


def test_many_low_count_beads_are_listed_with_a_tail():
    sample = _sample(targets=[100.0] * 14, counts=[10] * 14)
    [reason] = evaluate_qc(sample).reasons
    assert reason.startswith("bead count below 50 on 14 bead(s): 003 (10),")
    assert reason.endswith("and 4 more")


def test_the_verdict_reports_the_limits_and_control_values_used():
    verdict = evaluate_qc(_sample(vendor="immucor"))
    assert verdict.limits.source == "default for Immucor"
    assert (verdict.pc_mfi, verdict.nc_mfi) == (15000.0, 60.0)


def test_configured_limits_then_the_lot_file_override_defaults():
    sample = _sample(pc=9000.0, qc_limits={"PCLower": 13000.0, "Con1Upper": 100.0})
    limits = limits_for(sample, {"pc_min": 5000.0, "nc_max": 50.0, "min_bead_count": 20})
    assert (limits.pc_min, limits.nc_max, limits.min_bead_count) == (13000.0, 100.0, 20)
    assert limits.source == "lot file"
    verdict = evaluate_qc(sample, {"pc_min": 5000.0})
    assert verdict.reasons == ["PC bead raw MFI 9000 below the minimum 13000"]


def test_a_mapping_of_lab_limits_is_accepted():
    verdict = evaluate_qc(_sample(nc=300.0), {"nc_max": 200.0})
    assert verdict.status == "fail" and verdict.limits.source == "configured"


def test_explicit_limits_object_is_used_as_is():
    verdict = evaluate_qc(_sample(pc=4000.0), QCLimits(pc_min=5000.0, source="lab SOP 12"))
    assert verdict.status == "fail" and verdict.limits.source == "lab SOP 12"


def test_real_fusion_export_passes_and_matchit_export_has_no_controls():
    fusion = parse_file(
        need_shared(SAB_EXAMPLES / "ihiw_converters" / "HLAM_Fusion.csv").read_bytes(), "HLAM_Fusion.csv"
    )
    assert evaluate_qc(fusion.samples[0]).status == "pass"
    text = "Sample ID,Lot ID,Allele,Raw Value\nS1,1 2-SA1,A*01:01,100\n"
    [sample] = parse_file(text.encode(), "m.csv").samples
    assert evaluate_qc(sample).reasons == ["no control beads found: PC/NC QC not checked"]


@pytest.mark.parametrize(
    ("rejected_by", "reason", "status", "reasons"),
    [
        (None, None, "pass", []),
        ("HAML reject-assay", None, "fail", ["rejected by the sending laboratory (HAML reject-assay)"]),
        (
            "HAML reject-assay",
            "PC bead below limit",
            "fail",
            ["rejected by the sending laboratory (HAML reject-assay): PC bead below limit"],
        ),
    ],
)
def test_a_sample_the_sending_lab_rejected_fails_whatever_its_beads(rejected_by, reason, status, reasons):
    sample = _sample()  # controls and beads that pass
    sample.rejected_by_lab, sample.rejection_reason = rejected_by, reason
    verdict = evaluate_qc(sample)
    assert (verdict.status, verdict.reasons) == (status, reasons)


@pytest.mark.parametrize(
    ("qc_limits", "configured", "reason"),
    [
        ({"MinEvents": 100}, None, "bead count below 100 (the run's Min Events) on 2 bead(s)"),
        ({"MinEvents": 100}, {"min_bead_count": 20}, "bead count below 100 (the run's Min Events)"),
        ({}, {"min_bead_count": 80}, "bead count below 80 on 2 bead(s)"),
        ({}, None, "bead count below 50 on 1 bead(s)"),
    ],
)
def test_the_runs_min_events_sets_the_bead_count_limit(qc_limits, configured, reason):
    sample = _sample(counts=[100, 40, 100, 70, 100], qc_limits=qc_limits)
    verdict = evaluate_qc(sample, configured)
    assert verdict.status == "warn" and verdict.reasons[0].startswith(reason)


@pytest.mark.parametrize("size", [1, 2, 5, 7, 78, 79, 80, 96, 200, 501])
def test_percentiles_are_numpys_to_the_last_bit(size):
    rng = random.Random(size)
    for _ in range(50):
        values = [
            rng.choice([rng.random() * 20000, float(rng.randint(0, 30)), 1e-7 * rng.random()])
            for _ in range(size)
        ]
        expected = np.percentile(np.array(values, dtype=np.float64), [0, 10, 50, 90, 100]).tolist()
        assert percentiles(sorted(values), (0, 10, 50, 90, 100)) == expected
