"""Candidate target eplets of real DSA calls through the API (``GET /recipients/{id}/dsa``) and
in the alert's payload: the worked examples of test_eplet_loads (a class I pair, a DQ pair with
alpha and beta eplets, an allele absent from the table, an ambiguous typing), each with one serum
uploaded through the real door on the demo's bead panels and evaluated by the scheduler's path.

Which eplets are candidates is the hand-computed load (the DSA bead carries every one of them);
how many negative beads of the panel carry each is counted from the CSV cells alone
(``eplet_examples.cells_v3``), never by the code under test.
"""

from __future__ import annotations

import datetime as dt
import functools

import pytest
from eplet_examples import (
    DQ_DONOR,
    DQ_MISMATCHED,
    DQ_RECIPIENT,
    EPLETS_HLAR,
    SAME_B_C,
    beads_carrying,
    cells_v3,
)
from evaluation.worked_sera import upload_serum
from reference_paths import need_shared

from dsa_monitor import store
from dsa_monitor.alerts import MailSettings
from dsa_monitor.alerts.evaluation import record_changes
from dsa_monitor.app import create_app
from dsa_monitor.demo.seed import store_typing
from dsa_monitor.demo.trial import CLASS_I_ALLELES, CLASS_II_BEADS
from dsa_monitor.evaluation import evaluate_pending
from dsa_monitor.hla.typing import HLATyping
from dsa_monitor.reference import eplets as installed
from dsa_monitor.reference import service as reference_service
from dsa_monitor.store import tokens

RECIPIENT = {"A": ["A*02:01", "A*03:01"], **SAME_B_C, **DQ_RECIPIENT}
CLASS_I_FIVE = ["163RG", "166DG", "44KM", "76ANT", "77NGT"]  # A*01:01 vs A*02:01/A*03:01
CASES = {  # subject: (donor typing, class of the serum, the bead's allele at 6,000 MFI)
    "CLASS-I": ({"A": ["A*01:01", "A*02:01"], **SAME_B_C, **DQ_RECIPIENT}, "I", "A*01:01"),
    "DQ": ({"A": ["A*02:01", "A*03:01"], **SAME_B_C, **DQ_DONOR}, "II", "DQB1*02:01"),
    "ABSENT": ({"A": ["A*01:01", "A*02:113"], **SAME_B_C, **DQ_RECIPIENT}, "I", "A*01:01"),
    "AMBIGUOUS": ({"A": ["A*01:01/A*01:07", "A*02:01"], **SAME_B_C, **DQ_RECIPIENT}, "I", "A*01:01"),
}
INFUSION = dt.date(2026, 1, 10)


def _gl(loci: dict) -> str:
    return HLATyping.from_loci(loci).to_gl_string()


@pytest.fixture(scope="module")
def answers(tmp_path_factory):
    """Each case's DSA (``GET .../dsa``) and its alert's payload, with v3 installed: built once
    for the module (an app of its own, as ``conftest.app`` makes it)."""
    folder = tmp_path_factory.mktemp("dsa-eplets")
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": str(folder / "test.sqlite3"),
            "REFERENCE_DIR": str(folder / "reference"),
        }
    )
    db = store.open_database(app.config["DATABASE"])
    installed.install_tables(app.config["REFERENCE_DIR"], need_shared(EPLETS_HLAR), "v3")
    store.create_study(db, "EP-2", user="setup")
    ids = {}
    for number, (subject, (donor_typing, hla_class, allele)) in enumerate(CASES.items(), 1):
        recipient = store.create_recipient(db, "EP-2", subject, lab_ids=[f"P{number}"], user="setup")["id"]
        donor = store.create_donor(db, f"D-{subject}", kind="living", user="setup")["id"]
        store_typing(db, "recipient", recipient, _gl(RECIPIENT), user="setup")
        store_typing(db, "donor", donor, _gl(donor_typing), user="setup")
        store.create_exposure(db, recipient, [donor], INFUSION, "infusion", user="setup")
        upload_serum(
            db,
            f"S{number}",
            dt.date(2026, 4, 11),
            patient=f"P{number}",
            hla_class=hla_class,
            mfi={allele: 6000.0},
        )
        ids[subject] = recipient
    with app.app_context():  # as the scheduler runs it: the e-mails read the active table
        evaluate_pending(
            db,
            reference=reference_service.current(app),
            record=functools.partial(record_changes, settings=MailSettings.from_config(app.config)),
        )
    _, secret = tokens.create_token(db, "reader", "clinician", user="test")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    found = {}
    for subject, recipient in ids.items():
        body = client.get(f"/api/v1/recipients/{recipient}/dsa", headers=headers).get_json()
        [evaluation] = body["evaluations"]
        events = [e for e in store.list_events(db) if e["recipient_id"] == recipient]
        [load] = client.get(f"/api/v1/recipients/{recipient}/eplets", headers=headers).get_json()["donors"]
        found[subject] = (evaluation, {e["antigen"]: e["payload"] for e in events}, load)
    db.close()
    return found


def _negatives(cells, beads, names, dsa_bead):
    return {n: beads_carrying(cells, [b for b in beads if b != dsa_bead], n) for n in names}


def test_a_class_i_pair_explained_by_the_five_mismatched_eplets(answers):
    evaluation, payloads, _ = answers["CLASS-I"]
    assert evaluation["eplet_table"] == "v3"
    [dsa] = evaluation["dsa"]
    eplets = dsa["eplets"]
    beads = [(a,) for a in CLASS_I_ALLELES]
    expected = _negatives(cells_v3(), beads, CLASS_I_FIVE, ("A*01:01",))
    assert {c["name"]: c["negative"] for c in eplets["candidates"]} == expected
    assert all((c["positive"], c["positive_beads"]) == (1, 1) for c in eplets["candidates"])
    assert (eplets["group"], eplets["negative_beads"], eplets["notes"]) == ("ABC", 83, [])
    best = min(expected.items(), key=lambda item: (item[1], item[0]))
    assert eplets["line"].startswith(
        f"{best[0]} (antibody-verified), explains 1 of 1 positive"
        f" beads, {best[1]} of 83 negative (eplet table v3)"
    )
    assert payloads["A*01:01"]["eplet"] == eplets["line"]  # the e-mail's "Candidate eplet"


def test_a_dq_pair_counts_alpha_and_beta_eplets_on_the_heterodimer_beads(answers):
    evaluation, _, _ = answers["DQ"]
    assert evaluation["dsa"], "the DQ2 bead must be called a DSA"
    dq_beads = [b for b in CLASS_II_BEADS if b[0].startswith("DQ")]
    cells = cells_v3()
    for dsa in evaluation["dsa"]:  # one DSA, or one per chain: the same bead either way
        eplets = dsa["eplets"]
        by_chain = {
            chain: sorted(c["name"] for c in eplets["candidates"] if c["chain"] == chain)
            for chain in ("alpha", "beta")
        }
        assert by_chain == DQ_MISMATCHED
        names = DQ_MISMATCHED["alpha"] + DQ_MISMATCHED["beta"]
        assert {c["name"]: c["negative"] for c in eplets["candidates"]} == _negatives(
            cells, dq_beads, names, ("DQA1*05:01", "DQB1*02:01")
        )
        assert (eplets["group"], eplets["positive_beads"], eplets["negative_beads"]) == (
            "DQ",
            1,
            len(dq_beads) - 1,
        )


def test_an_allele_absent_from_the_table_is_said_beside_the_candidates(answers):
    evaluation, payloads, load = answers["ABSENT"]
    [dsa] = evaluation["dsa"]
    eplets = dsa["eplets"]
    assert sorted(c["name"] for c in eplets["candidates"]) == sorted(CLASS_I_FIVE)
    note = "donor A*02:113: not in eplet table v3: its eplets are not counted"
    assert eplets["notes"] == [note]
    assert eplets["line"].endswith(f"(eplet table v3); {note}")
    assert payloads["A*01:01"]["eplet"].endswith(note)
    abc = next(g for g in load["load"]["groups"] if g["group"] == "ABC")  # the load says it too
    assert (sorted(e["name"] for e in abc["eplets"]), abc["complete"]) == (sorted(CLASS_I_FIVE), False)
    assert {
        "locus": "A",
        "entry": "A*02:113",
        "status": "not in table",
        "missing": ["A*02:113"],
        "note": "not in eplet table v3: its eplets are not counted",
    } in load["placements"]


def test_an_ambiguous_typing_gives_the_eplets_every_candidate_carries_and_says_so(answers):
    evaluation, _, load = answers["AMBIGUOUS"]
    [dsa] = [d for d in evaluation["dsa"] if d["antigen"].startswith("A*01")]
    eplets = dsa["eplets"]
    cells = cells_v3()
    recipient = set().union(
        *(cells[a] for a in ("A*02:01", "A*03:01", *[a for copies in SAME_B_C.values() for a in copies]))
    )
    # of the five, A*01:07 lacks 44KM and 76ANT: only 163RG, 166DG and 77NGT are certain
    both = (cells["A*01:01"] & cells["A*01:07"]) - recipient
    assert sorted(both) == ["163RG", "166DG", "77NGT"]
    assert sorted(c["name"] for c in eplets["candidates"]) == sorted(both)
    assert eplets["notes"] == [
        "donor A*01:01/A*01:07: ambiguous: the eplets all 2 expressed candidates carry"
    ]
    abc = next(g for g in load["load"]["groups"] if g["group"] == "ABC")  # the load says it too
    assert sorted(e["name"] for e in abc["eplets"]) == sorted(both)
    assert next(p for p in load["placements"] if p["locus"] == "A")["status"] == "ambiguous"
