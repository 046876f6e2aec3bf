"""Self beads (DSA_RULES.md §3): positive beads the recipient shares with the donor, flagged."""

from __future__ import annotations

import numpy as np
import pytest

from dsa_monitor.dsa.calls import evaluate
from dsa_monitor.dsa.donor import DonorHLA
from dsa_monitor.dsa.matching import BeadPanel, match_donor
from dsa_monitor.dsa.self_beads import SELF_REASON, self_bead_calls
from dsa_monitor.reference.service import embedded

PANEL = BeadPanel.from_specificities(
    ["NC", "PC", "A*01:01", "A*02:01", "A*03:01", "B*44:02", "B*07:02", "DRB1*15:01"]
)


@pytest.mark.parametrize(
    ("recipient", "mfi", "expected"),
    [
        # the recipient carries A*02:01 and B*44:02 like the donor: their positive beads are self
        (
            ["A*02:01", "A*01:01", "B*44:02", "B*08:01"],
            {"A*02:01": 4000, "B*44:02": 6000},
            [("B*44:02", "B*44:02", 6000.0), ("A*02:01", "A*02:01", 4000.0)],
        ),
        # shared but negative: nothing to flag
        (["A*02:01", "A*01:01"], {"A*03:01": 3000}, []),
        # an untyped recipient: nothing can be told from self
        ([], {"A*02:01": 4000}, []),
    ],
)
def test_positive_shared_beads_are_flagged_highest_first(recipient, mfi, expected):
    reference = embedded()
    donor = DonorHLA.from_names("D1", ["A*02:01", "A*03:01", "B*44:02", "B*07:02"])
    recipient_hla = DonorHLA.from_names("R1", recipient) if recipient else None
    match = match_donor(PANEL, donor, reference, recipient_hla)
    row = np.full(len(PANEL), 50.0, dtype=np.float32)
    for b, bead in enumerate(PANEL.beads):
        row[b] = mfi.get(bead.label, row[b])
    evaluation = evaluate(row, match)
    found = self_bead_calls(evaluation, 0)
    assert [(s.target, s.specificity, s.mfi) for s in found] == expected
    assert all(s.reason == SELF_REASON for s in found)
    assert not {s.target for s in found} & {c.target for c in evaluation.sample(0).calls}
