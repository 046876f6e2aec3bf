"""Candidate target eplets of a DSA, worked by hand on a DQ panel of seven beads (hlaR v3).

The donor's foreign DQ is DQA1*05:01-DQB1*02:01 (the DQ pair of test_eplet_loads: eleven
mismatched eplets). The serum is positive on beads 1 and 2 (DQ2), negative on 3 to 7. Read off
the bead alleles' columns, each mismatched eplet is carried by (positive, negative) beads:
52LL 71K rq70RR/K (2, 0); 66D 67I 76L 77R qp77RV (2, 1); 75V (2, 2); 40GR 75S (1, 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from eplet_examples import DQ_DONOR, DQ_RECIPIENT, eplets_of

from dsa_monitor.dsa.panel import BeadPanel
from dsa_monitor.eplets import explain
from dsa_monitor.errors import DSAMonitorError

DQ_PANEL = [
    "DQA1*05:01/DQB1*02:01",
    "DQA1*02:01/DQB1*02:02",
    "DQA1*03:01/DQB1*03:02",
    "DQA1*01:02/DQB1*06:02",
    "DQA1*05:05/DQB1*03:01",
    "DQA1*01:01/DQB1*05:01",
    "DQA1*03:03/DQB1*04:02",
]


@dataclass(frozen=True)
class Bead:
    bead_id: str
    specificity: tuple[str, ...]


def _explained(v3, panel, positive=("1", "2"), dsa=("1",)):
    return explain(dsa, panel, set(positive), eplets_of(v3, DQ_DONOR), eplets_of(v3, DQ_RECIPIENT), v3)


def test_candidates_are_ranked_by_positive_then_negative_beads_then_verified(v3):
    # a real panel object, its control beads first (ids 1 and 2): the DQ beads are 3 to 9
    panel = BeadPanel.from_specificities(["NC", "PC", *DQ_PANEL]).beads
    found = _explained(v3, panel, positive=("3", "4"), dsa=("3",))
    ranked = [(c.eplet.name, c.positive, c.negative) for c in found.candidates]
    assert ranked == [
        ("52LL", 2, 0),
        ("rq70RR/K", 2, 0),
        ("71K", 2, 0),
        ("77R", 2, 1),
        ("66D", 2, 1),
        ("67I", 2, 1),
        ("76L", 2, 1),
        ("qp77RV", 2, 1),
        ("75V", 2, 2),
        ("40GR", 1, 1),
        ("75S", 1, 1),
    ]
    assert (found.group, found.positive_beads, found.negative_beads) == ("DQ", 2, 5)
    assert found.line() == (
        "52LL (antibody-verified), explains 2 of 2 positive beads, 0 of 5 negative (eplet table v3)"
    )
    assert found.candidates[0].to_dict()["text"] == "explains 2 of 2 positive beads, 0 of 5 negative"


def test_the_panels_own_bead_list_decides_and_beads_the_table_lacks_are_said(v3):
    # A panel without bead 5 (DQA1*05:05-DQB1*03:01), the only negative bead carrying 40GR,
    # 75S and 76L: they now explain with no negative bead; 66D (beads 1, 2, 7) is unchanged.
    beads = [Bead(str(i), tuple(s.split("/"))) for i, s in enumerate(DQ_PANEL, start=1)]
    kept = [b for b in beads if b.bead_id != "5"]
    kept.append(Bead("9", ("DQA1*05:01", "DQB1*02:99")))  # not in the table
    found = _explained(v3, kept)
    by_name = {c.eplet.name: (c.positive, c.negative) for c in found.candidates}
    assert {n: by_name[n] for n in ("40GR", "75S", "76L", "66D")} == {
        "40GR": (1, 0),
        "75S": (1, 0),
        "76L": (2, 0),
        "66D": (2, 1),
    }
    assert found.negative_beads == 4
    assert found.not_in_table == ("DQA1*05:01/DQB1*02:99",)


def test_no_bead_of_the_dsa_on_the_panel_is_refused(v3):
    beads = [Bead("1", ("DQA1*05:01", "DQB1*02:01"))]
    with pytest.raises(DSAMonitorError, match="none of the DSA's beads is on the panel"):
        _explained(v3, beads, dsa=("7",))
