"""Which MFI a call uses: vendor-normalized, BCM, raw minus NC bead, raw; per bead and sample."""

from __future__ import annotations

import numpy as np
import pytest

from dsa_monitor.sab.model import BeadResult, SampleResult
from dsa_monitor.sab.normalise import NoMFIValue, nc_raw_mfi, sample_values, value_used


def _bead(raw=None, normalized=None, bcm=None, control=None):
    return BeadResult("b", (), raw_mfi=raw, normalized_mfi=normalized, bcm=bcm, control=control)


@pytest.mark.parametrize(
    "bead, nc, expected",
    [
        (_bead(raw=5000, normalized=4800, bcm=4700), 60.0, ("normalized", 4800)),
        (_bead(raw=5000, normalized=-20), 60.0, ("normalized", -20)),
        (_bead(raw=5000, bcm=4700), 60.0, ("bcm", 4700)),
        (_bead(raw=5000), 60.0, ("raw_minus_nc", 4940.0)),
        (_bead(raw=40), 60.0, ("raw_minus_nc", 0.0)),  # floored at 0
        (_bead(raw=5000), None, ("raw", 5000)),
    ],
)
def test_value_used(bead, nc, expected):
    assert value_used(bead, nc) == expected


def test_value_used_without_any_mfi_is_an_error():
    with pytest.raises(NoMFIValue, match="bead b has no MFI value"):
        value_used(_bead())


def test_sample_values_vectorised_matches_value_used():
    beads = [
        BeadResult("001", (), raw_mfi=60.0, control="NC"),
        BeadResult("002", (), raw_mfi=15000.0, control="PC"),
        BeadResult("003", ("A*01:01",), raw_mfi=5000.0),
        BeadResult("004", ("A*02:01",), raw_mfi=30.0),
        BeadResult("005", ("B*07:02",), raw_mfi=900.0, bcm=850.0),
        BeadResult("006", ("B*08:01",), raw_mfi=900.0, normalized_mfi=810.0),
    ]
    sample = SampleResult("S1", beads=beads)
    assert nc_raw_mfi(sample) == 60.0
    values = sample_values(sample)
    assert values.bead_ids == ("001", "002", "003", "004", "005", "006")
    np.testing.assert_allclose(values.values, [0.0, 14940.0, 4940.0, 0.0, 850.0, 810.0])
    assert values.kinds.tolist() == ["raw_minus_nc"] * 4 + ["bcm", "normalized"]
    assert values.kind == "mixed"
    for bead, kind, value in zip(beads, values.kinds, values.values, strict=True):
        assert value_used(bead, 60.0) == (kind, pytest.approx(value))


@pytest.mark.parametrize(
    "beads, kind",
    [
        ([BeadResult("3", ("A*01:01",), raw_mfi=10.0)], "raw"),
        ([BeadResult("3", ("A*01:01",), raw_mfi=10.0, normalized_mfi=5.0)], "normalized"),
        ([], "none"),
    ],
)
def test_sample_kind(beads, kind):
    assert sample_values(SampleResult("S", beads=beads)).kind == kind


def test_sample_values_refuses_a_bead_without_mfi():
    sample = SampleResult(
        "S", beads=[BeadResult("3", ("A*01:01",), raw_mfi=1.0), BeadResult("4", ("A*02:01",))]
    )
    with pytest.raises(NoMFIValue, match="bead 4"):
        sample_values(sample)
