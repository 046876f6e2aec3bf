"""A "BCM" column must behave like BCM (Median - background) before a DSA call relies on it."""

from __future__ import annotations

import pytest
from reference_paths import SAB_EXAMPLES, TEST_DATA, need_shared

from dsa_monitor.sab.bcm import check_bcm
from dsa_monitor.sab.formats import parse_file
from dsa_monitor.sab.model import BeadResult, SampleResult
from dsa_monitor.sab.normalise import sample_values


def sample(*beads: tuple[float, float | None], control: str | None = None) -> SampleResult:
    return SampleResult(
        "S",
        beads=[
            BeadResult(str(n), ("A*01:01",), raw_mfi=raw, bcm=bcm, control=control)
            for n, (raw, bcm) in enumerate(beads, start=3)
        ],
    )


@pytest.mark.parametrize(
    ("beads", "kept"),
    [
        ([(8542, 189.8), (7891, 175.4), (1245, 27.7)], False),  # raw/NC ratios
        ([(8542, 8362.0), (7891, 7700.0), (1245, 1050.0)], True),  # raw - background
        ([(2000, 1000.0)], True),  # background half the raw value: the limit, kept
        ([(2000, 999.0)], False),  # just under it
        ([(8542, -40.0), (3000, 10.0), (1500, 1400.0)], False),  # median 0.007
        ([(8542, 8300.0), (3000, 10.0), (1500, 1400.0)], True),  # one odd bead: median 0.93
        ([(999, 1.0), (400, 2.0)], True),  # no bead reaches 1000 MFI: nothing to judge by
        ([(8542, None), (3000, None)], True),  # no BCM at all
    ],
)
def test_rule_median_bcm_over_raw_of_beads_from_1000_mfi(beads, kept):
    checked = sample(*beads)
    before = [bead.bcm for bead in checked.beads]
    check_bcm(checked)
    if kept:
        assert [bead.bcm for bead in checked.beads] == before and checked.warnings == []
    else:
        assert all(bead.bcm is None for bead in checked.beads)
        assert [bead.extra.get("BCM") for bead in checked.beads] == [
            None if value is None else f"{value:.10g}" for value in before
        ]
        assert len(checked.warnings) == 1
        assert checked.warnings[0].startswith("BCM column not used as BCM")


def test_control_beads_do_not_count():
    checked = sample((18000, 100.0), (16000, 90.0), control="PC")
    check_bcm(checked)
    assert [bead.bcm for bead in checked.beads] == [100.0, 90.0] and checked.warnings == []


def test_file_whose_bcm_column_holds_ratios_is_called_on_raw_minus_nc():
    parsed = parse_file((TEST_DATA / "fusion" / "bcm_ratios.csv").read_bytes(), "bcm_ratios.csv")
    [checked] = parsed.samples
    a2 = checked.beads[3]
    assert (a2.bead_id, a2.raw_mfi, a2.bcm, a2.extra["BCM"]) == ("4", 8600.0, None, "172")
    assert checked.warnings[1] == (
        "BCM column not used as BCM: on the 3 bead(s) with raw MFI >= 1000 the median BCM is"
        " 2.0% of the raw MFI, where BCM (Median - background) should be at least 50% of it;"
        " the column may hold ratios. Its values are kept as extra field 'BCM'; calls use the"
        " normalized value, else raw MFI minus the NC bead"
    )
    values = sample_values(checked)
    assert values.kind == "raw_minus_nc" and values.values[3] == 8600.0 - 50.0


def test_file_with_a_plausible_bcm_column_keeps_it():
    parsed = parse_file((TEST_DATA / "fusion" / "bcm_plausible.csv").read_bytes(), "bcm_plausible.csv")
    [checked] = parsed.samples
    assert [bead.bcm for bead in checked.beads] == [None, None, 20.0, 8420.0, 5860.0, 1010.0, -60.0]
    assert not any("BCM" in warning for warning in checked.warnings)
    assert all("BCM" not in bead.extra for bead in checked.beads)
    assert sample_values(checked).values[3] == 8420.0


@pytest.mark.parametrize(("name", "beads"), [("sample_sab_class1.csv", 12), ("sample_sab_class2.csv", 7)])
def test_real_haml_demo_files_bcm_is_not_used(name, beads):
    path = need_shared(SAB_EXAMPLES / "haml-demo" / name)
    [checked] = parse_file(path.read_bytes(), name).samples
    assert all(bead.bcm is None for bead in checked.beads)
    assert any(f"on the {beads} bead(s) with raw MFI >= 1000" in w for w in checked.warnings)
