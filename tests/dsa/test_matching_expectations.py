"""Donor masks stay exactly what they were: stored DonorMatch outputs of random typings.

``tests/data/dsa/match_expectations.json`` was written by ``make_match_expectations.py`` (same
folder) with the per-bead implementation, before matching was rebuilt on cached panel serology;
cases on IPD-IMGT/HLA 3.58.0 are stored as digests (no table derived from the release is kept).
"""

from __future__ import annotations

import pytest
from dsa.match_cases import CASES, case_match, generator, panel
from reference_paths import IMGT_358, need_shared

from dsa_monitor.dsa.donor import DonorHLA
from dsa_monitor.dsa.matching import donor_notes, match_donor
from dsa_monitor.dsa.panel_serology import _PANELS, MAX_PANELS, panel_serology
from dsa_monitor.reference.service import embedded, load_release


def run(case, reference):
    return generator.as_json(case_match(case, reference))


def test_embedded_cases_reproduced():
    assert len(CASES["embedded"]) >= 100
    reference = embedded()
    wrong = [k for k, case in enumerate(CASES["embedded"]) if run(case, reference) != case["expected"]]
    assert wrong == []


def test_release_cases_reproduced():
    reference = load_release(need_shared(IMGT_358))
    cases = CASES.get("3.58.0")
    if not cases:
        pytest.skip("the fixture was written without ../shared: no 3.58.0 cases stored")
    wrong = [k for k, case in enumerate(cases) if generator.digest(run(case, reference)) != case["digest"]]
    assert wrong == []


def test_cases_cover_the_rules():
    """The stored cases exercise every level, self and shared beads, and every kind of note."""
    bodies = [case["expected"] for case in CASES["embedded"]]
    levels = {level for body in bodies for level in body["primary_level"] + body["alpha_level"]}
    assert levels == {0, 1, 2, 3}
    assert any(any(body["primary_self"]) for body in bodies)
    assert any(any(body["shared"]) for body in bodies)
    assert any(any(body["alpha_untyped"]) for body in bodies)
    assert any(t and "implied by" in t for body in bodies for t in body["primary_target"])
    notes = [note for body in bodies for note in body["notes"]]
    for kind in ("null allele", "not expanded", "not typed"):
        assert any(kind in note for note in notes), kind


def test_panel_serology_cache_is_bounded_and_by_identity():
    reference = embedded()
    first = panel_serology(panel("small"), reference)
    assert panel_serology(panel("small"), reference) is first
    rebuilt = generator.PANELS["small"]()  # an equal panel, another object: its own entry
    assert panel_serology(rebuilt, reference) is not first
    for _ in range(MAX_PANELS + 5):
        panel_serology(generator.PANELS["small"](), reference)
    assert len(_PANELS) <= MAX_PANELS


def test_entry_levels_cache_is_bounded_and_gives_the_same_answers():
    reference = embedded()
    fresh = generator.PANELS["small"]()
    known = panel_serology(fresh, reference)
    cases = [case for case in CASES["embedded"] if case["panel"] == "small"][:20]
    known.MAX_ENTRIES = 4  # refilled again and again: answers must not change
    for case in cases:
        recipient = case["recipient"]
        body = generator.as_json(
            match_donor(
                fresh,
                DonorHLA.from_names("D", case["donor"]),
                reference,
                None if recipient is None else DonorHLA.from_names("R", recipient),
            )
        )
        assert body == case["expected"]
        assert len(known._entries) <= 4


def _donors_by_panel(cases):
    by_panel: dict[str, list] = {}
    for case in cases:
        by_panel.setdefault(case["panel"], []).append(DonorHLA.from_names("D", case["donor"]))
    return by_panel


@pytest.mark.parametrize("source", ["embedded", "3.58.0"])
def test_batch_screen_masks_equal_match_donor(source):
    """The screen's masks for many donors at once (``PanelSerology.carried``) are the beads
    ``match_donor`` gives a level on either chain, donor by donor, over every stored case."""
    reference = embedded() if source == "embedded" else load_release(need_shared(IMGT_358))
    checked = 0
    for name, donors in _donors_by_panel(CASES["embedded"]).items():
        carried = panel_serology(panel(name), reference).carried(donors)
        for row, donor in enumerate(donors):
            one = match_donor(panel(name), donor, reference)
            expected = (one.primary_level > 0) | (one.alpha_level > 0)
            assert carried[row].tolist() == expected.tolist(), (name, donor)
            checked += int(expected.any())
    assert checked >= 50  # most cases carry some bead: the comparison is not all-False


def test_batch_screen_of_no_donor_and_of_an_untyped_donor():
    known = panel_serology(panel("demo-II"), embedded())
    assert known.carried([]).shape == (0, len(panel("demo-II")))
    assert not known.carried([DonorHLA("D", ())]).any()


def test_donor_notes_equal_those_of_match_donor():
    reference = embedded()
    for case in CASES["embedded"]:
        donor = DonorHLA.from_names("D", case["donor"])
        assert (
            donor_notes(panel(case["panel"]), donor, reference)
            == match_donor(panel(case["panel"]), donor, reference).notes
        )
