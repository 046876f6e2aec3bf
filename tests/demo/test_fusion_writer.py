"""Files the demo writes are read back by the real HLA Fusion parser exactly as written."""

from __future__ import annotations

import datetime as dt

import pytest

from dsa_monitor.demo.fusion_writer import (
    FusionBead,
    FusionPanel,
    FusionSample,
    specificity_text,
    write_fusion_csv,
)
from dsa_monitor.demo.trial import build_trial, demo_panel
from dsa_monitor.sab.formats import parse_file
from dsa_monitor.sab.qc import evaluate_qc


@pytest.mark.parametrize(
    "alleles, hla_class, expected",
    [
        (("A*01:01",), "I", "A*01:01,-,-,-,-,-"),
        (("B*07:02",), "I", "B*07:02,-,-,-,-,-"),
        (("DRB1*15:01",), "II", "DRB1*15:01,-,-,-,-,-,-,-,-,-,-,-"),
        (("DRB4*01:01",), "II", "-,-,DRB4*01:01,-,-,-,-,-,-,-,-,-"),
        (("DQA1*05:01", "DQB1*02:01"), "II", "-,-,-,-,DQA1*05:01,-,DQB1*02:01,-,-,-,-,-"),
        (("DPA1*01:03", "DPB1*04:01"), "II", "-,-,-,-,-,-,-,-,DPA1*01:03,-,DPB1*04:01,-"),
    ],
)
def test_specificity_slots(alleles, hla_class, expected):
    assert specificity_text(FusionBead("010", alleles), hla_class) == expected


def test_a_written_file_parses_back():
    panel = FusionPanel(
        "LS2A90DM_007_00",
        "II",
        (
            FusionBead("001", control="NC"),
            FusionBead("002", control="PC"),
            FusionBead("003", ("DRB1*04:01",)),
            FusionBead("004", ("DQA1*05:01", "DQB1*02:01")),
        ),
    )
    samples = [
        FusionSample("S-1", "P1", dt.date(2025, 3, 4), [55.0, 16000.0, 155.5, 4200.25]),
        FusionSample("S-2", "P2", dt.date(2025, 3, 5), [70.0, 300.0, 90.0, 80.0]),
    ]
    parsed = parse_file(write_fusion_csv(panel, samples, run_date=dt.date(2025, 3, 9)), "demo.csv")
    assert parsed.format == "fusion"
    first, second = parsed.samples
    assert (
        first.sample_id,
        first.patient_id,
        first.draw_date,
        first.run_date,
        first.hla_class,
        first.kit,
        first.lot,
    ) == ("S-1", "P1", dt.date(2025, 3, 4), dt.date(2025, 3, 9), "II", "LS2A90", "LS2A90DM_007_00")
    assert [b.control for b in first.beads] == ["NC", "PC", None, None]
    assert first.beads[3].specificity == ("DQA1*05:01", "DQB1*02:01")
    assert [b.raw_mfi for b in first.beads] == [55.0, 16000.0, 155.5, 4200.25]
    assert first.beads[3].normalized_mfi == pytest.approx(4200.25 - 55.0)
    assert evaluate_qc(first).status != "fail"
    assert evaluate_qc(second).status == "fail"  # PC bead at 300


def test_a_sample_must_give_a_value_per_bead():
    with pytest.raises(ValueError, match="2 values for 86 beads"):
        write_fusion_csv(
            demo_panel("I"),
            [FusionSample("S", "P", dt.date(2025, 1, 1), [1, 2])],
            run_date=dt.date(2025, 1, 2),
        )


def test_the_trial_is_deterministic_by_seed():
    first, again, other = build_trial(7), build_trial(7), build_trial(8)
    assert first.files == again.files
    assert first.files != other.files
    assert len(first.files) == 12 and len(first.sera) == 48
    assert {len(parse_file(data, name).samples) for name, data in first.files} == {8}


def test_the_panels_are_our_own_size_and_classes():
    class_i, class_ii = demo_panel("I"), demo_panel("II")
    assert (len(class_i.beads), len(class_ii.beads)) == (86, 60)
    assert class_i.controls == ("001", "002")
    assert class_ii.index("DQB1*02:01") == [class_ii.index("DQA1*05:01")[0]]
