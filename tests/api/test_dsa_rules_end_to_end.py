"""The DSA rules of docs/dsa-rules.md through the doors a trial uses: typings by the API, One Lambda
Fusion files on the real LS1A04 / LS2A01 bead lists uploaded by the API, the scheduler's evaluation,
then the DSA reading and the events of the API.

Worked case: donor typed DQB1 without DQA1 and B*15 at allele-group level; the baseline serum is
negative; at M3 a DQ2 antibody at 9,500 MFI on three of the four DQB1*02:01 beads and a B72
(B*15:03) antibody at 4,200 MFI. Both are de novo DSA, each with its reason.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from beadlists import CATALOGUES, LS1A04, LS2A01
from reference_paths import need_shared

from dsa_monitor.api import PREFIX as API
from dsa_monitor.demo.fusion_writer import FusionBead, FusionPanel, FusionSample, write_fusion_csv
from dsa_monitor.evaluation import evaluate_pending
from dsa_monitor.reference import service as reference_service

INFUSION = dt.date(2026, 1, 12)
DONOR = (
    "HLA-A*01:01+HLA-A*03:01^HLA-B*15+HLA-B*08:01^HLA-DRB1*03:01+HLA-DRB1*15:01^HLA-DQB1*02:01+HLA-DQB1*06:02"
)
RECIPIENT = (
    "HLA-A*01:01+HLA-A*02:01^HLA-B*08:01+HLA-B*44:02^HLA-DRB1*03:01+HLA-DRB1*04:01"
    "^HLA-DQB1*02:02+HLA-DQB1*03:02"
)
DQ2_BEADS = ("DQA1*02:01&DQB1*02:01", "DQA1*03:01&DQB1*02:01", "DQA1*04:01&DQB1*02:01")


def real_fusion_panel(name: str, hla_class: str) -> FusionPanel:
    """A real bead list as a Fusion export names it: its lot, its bead numbers, controls 1 and 2."""
    with need_shared(CATALOGUES / name).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    beads = [FusionBead("1", control="NC"), FusionBead("2", control="PC")]
    beads += [
        FusionBead(r["bead_id"], tuple(r["specificity"].split("&")))
        for r in rows
        if r["bead_id"] not in ("1", "2")
    ]
    return FusionPanel(rows[0]["lot"], hla_class, tuple(beads))


def run_file(panel: FusionPanel, sample_id: str, drawn: dt.date, positive: dict[str, float]) -> bytes:
    raw = []
    for bead in panel.beads:
        if bead.control:
            raw.append(60.0 if bead.control == "NC" else 16000.0)
        else:
            raw.append(60.0 + positive.get("&".join(bead.alleles), 180.0))
    return write_fusion_csv(
        panel, [FusionSample(sample_id, "P-41", drawn, raw)], run_date=drawn + dt.timedelta(days=1)
    )


@pytest.fixture
def enrolled(client, token):
    """Study, recipient and donor created, typed and linked through the API."""
    admin = token("admin")

    def post(path, body):
        response = client.post(f"{API}{path}", json=body, headers=admin)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    post("/studies", {"code": "MSC-RULES", "title": "Rules through the doors"})
    recipient = post("/recipients", {"study": "MSC-RULES", "subject_code": "RUL-01", "lab_ids": ["P-41"]})
    donor = post("/donors", {"code": "UC-41", "kind": "cord", "study": "MSC-RULES"})
    for path, typing in (
        (f"/recipients/{recipient['id']}/typing", RECIPIENT),
        (f"/donors/{donor['id']}/typing", DONOR),
    ):
        response = client.put(f"{API}{path}", json={"gl_string": typing}, headers=admin)
        assert response.status_code in (200, 201), response.get_json()
    post(
        "/exposures",
        {
            "recipient_id": recipient["id"],
            "donor_ids": [donor["id"]],
            "date": INFUSION.isoformat(),
            "kind": "infusion",
        },
    )
    return recipient["id"]


def upload(client, headers, data: bytes, name: str) -> None:
    response = client.post(
        f"{API}/uploads",
        data={"file": (io.BytesIO(data), name)},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()


def test_alpha_untyped_and_allele_group_dsa_are_called_followed_and_alerted(app, client, token, db, enrolled):
    class_i, class_ii = real_fusion_panel(LS1A04, "I"), real_fusion_panel(LS2A01, "II")
    lab = token("lab")
    baseline, m3 = INFUSION - dt.timedelta(days=5), INFUSION + dt.timedelta(days=91)
    upload(client, lab, run_file(class_i, "S-BL-I", baseline, {}), "bl_i.csv")
    upload(client, lab, run_file(class_ii, "S-BL-II", baseline, {}), "bl_ii.csv")
    upload(client, lab, run_file(class_i, "S-M3-I", m3, {"B*15:03": 4200}), "m3_i.csv")
    upload(client, lab, run_file(class_ii, "S-M3-II", m3, dict.fromkeys(DQ2_BEADS, 9500)), "m3_ii.csv")
    subscribed = client.post(
        f"{API}/subscriptions",
        headers=token("admin"),
        json={"email": "hla-md@hospital.example", "study": "MSC-RULES", "kinds": ["de_novo"]},
    )
    assert subscribed.status_code == 201, subscribed.get_json()
    with app.app_context():
        evaluate_pending(db, reference=reference_service.current(app), as_of=m3)

    clinician = token("clinician")
    answer = client.get(f"{API}/recipients/{enrolled}/dsa", headers=clinician).get_json()
    [evaluation] = answer["evaluations"]
    dsa = {d["antigen"]: d for d in evaluation["dsa"]}
    assert set(dsa) == {"DQB1*02:01", "B*15"}
    dq = dsa["DQB1*02:01"]
    assert (dq["level"], dq["hla_class"], dq["origin"]) == ("allele", "II", "de_novo")
    assert any("DQA1 untyped: alpha attribution not possible" in w for w in dq["warnings"])
    b15 = dsa["B*15"]
    assert (b15["level"], b15["origin"]) == ("possible", "de_novo")
    assert any("does not resolve" in w for w in b15["warnings"])
    m3_point = next(v for v in evaluation["visits"] if v["visit"] == "M3")
    assert [(c["hla_class"], c["immunodominant_dsa"], c["sum_mfi"]) for c in m3_point["by_class"]] == [
        ("I", "B*15", 4200.0),
        ("II", "DQB1*02:01", 9500.0),
    ]
    assert m3_point["sum_mfi"] == 13700.0

    events = client.get(f"{API}/events?since=0&kind=de_novo", headers=token("integration")).get_json()
    assert sorted(e["antigen"] for e in events["events"]) == ["B*15", "DQB1*02:01"]

    mails = {
        row["subject"]: row["body_text"]
        for row in db.query("SELECT subject, body_text FROM outbox WHERE purpose = 'alert'")
    }
    assert len(mails) == 2
    [dq_mail] = [text for text in mails.values() if "DQB1*02:01" in text]
    assert "DQA1 untyped: alpha attribution not possible" in dq_mail
    assert "9,500" in dq_mail
