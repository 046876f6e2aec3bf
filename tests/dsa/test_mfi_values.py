"""MFI values come out as the file gave them, and their strength band agrees with the value shown."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dsa_monitor.dsa.calls import evaluate
from dsa_monitor.dsa.donor import DonorHLA
from dsa_monitor.dsa.matching import BeadPanel, match_donor
from dsa_monitor.reference.service import embedded
from dsa_monitor.sab.values import reported


@pytest.mark.parametrize("given", [2589.83, 2999.99, 9999.5, 0.0, -12.25, 123456.78, 18000.0])
def test_a_stored_float32_reads_back_as_the_files_value(given):
    assert reported(np.float32(given)) == given


def test_a_call_shows_the_files_mfi_and_a_band_that_agrees_with_it():
    panel = BeadPanel.from_specificities(["NC", "PC", "A*02:01", "A*24:02"])
    match = match_donor(panel, DonorHLA.from_names("D", ["A*02:01", "A*24:02"]), embedded())
    mfi = np.array([[40.0, 15000.0, 2999.99, 2589.83]], dtype=np.float32)
    sample = evaluate(mfi, match).sample(0)
    shown = {c.target: (c.mfi, c.category) for c in sample.calls}
    assert shown == {"A*02:01": (2999.99, "weak"), "A*24:02": (2589.83, "weak")}
    assert sample.sum_mfi == 5589.82
    assert "2589.83" in json.dumps(sample.to_dict()) and "2589.830078125" not in json.dumps(sample.to_dict())
