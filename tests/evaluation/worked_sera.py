"""A small world for worked examples: recipients typed against one donor, and their sera written
as HLA Fusion files (with or without ``NormalValue``) and uploaded through the real door.

Shared: the recipient carries A*02:01, B*44:02, DRB1*15:01 like the donor (self beads);
donor-specific: A*03:01, B*07:02, DRB1*04:01.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from sqlite_utils import Database

from dsa_monitor import store
from dsa_monitor.demo.fusion_writer import FusionSample, write_fusion_csv
from dsa_monitor.demo.seed import store_typing
from dsa_monitor.demo.trial import demo_panel
from dsa_monitor.ingest import UploadResult, import_upload

STUDY = "WX"
RECIPIENT_TYPING = "A*01:01+A*02:01^B*08:01+B*44:02^DRB1*03:01+DRB1*15:01"
DONOR_TYPING = "A*02:01+A*03:01^B*07:02+B*44:02^DRB1*15:01+DRB1*04:01"
EXPOSURE = dt.date(2026, 1, 10)
BASELINE = dt.date(2026, 1, 5)
M1 = dt.date(2026, 2, 9)
M3 = dt.date(2026, 4, 11)
AS_OF = dt.date(2026, 4, 20)


def make_world(
    db: Database, subjects: tuple[str, ...] = ("WX-1",), exposure: dt.date = EXPOSURE
) -> dict[str, int]:
    """The study, a typed donor, and each subject (lab ID ``P<n>``) typed and exposed to it."""
    store.create_study(db, STUDY, user="setup")
    donor = store.create_donor(db, "D-1", kind="living", user="setup")
    store_typing(db, "donor", donor["id"], DONOR_TYPING, user="setup")
    ids = {"D-1": donor["id"]}
    for number, subject in enumerate(subjects, start=1):
        recipient = store.create_recipient(db, STUDY, subject, lab_ids=[f"P{number}"], user="setup")
        store_typing(db, "recipient", recipient["id"], RECIPIENT_TYPING, user="setup")
        store.create_exposure(db, recipient["id"], [donor["id"]], exposure, "infusion", user="setup")
        ids[subject] = recipient["id"]
    return ids


def without_column(data: bytes, name: str) -> bytes:
    """A Fusion export as one without a column (``NormalValue``: a raw-only export)."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    drop = rows[0].index(name)
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(
        [value for i, value in enumerate(row) if i != drop] for row in rows
    )
    return out.getvalue().encode("utf-8")


def upload_serum(
    db: Database,
    serum: str,
    drawn: dt.date,
    *,
    patient: str = "P1",
    hla_class: str = "I",
    lot: str = "001",
    mfi: dict[str, float] | None = None,
    nc: float = 60.0,
    raw_only: bool = False,
    treatment: str = "neat",
) -> UploadResult:
    """One run of a serum: every bead at 150 over the NC bead, the beads of ``mfi``'s alleles at
    that value over it (raw = value + NC; NormalValue = raw − NC unless ``raw_only``)."""
    panel = demo_panel(hla_class, lot)
    raw = [nc, 18000.0] + [150.0 + nc] * (len(panel.beads) - 2)
    for allele, value in (mfi or {}).items():
        for at in panel.index(allele):
            raw[at] = value + nc
    data = write_fusion_csv(
        panel, [FusionSample(serum, patient, drawn, raw)], run_date=drawn + dt.timedelta(days=2)
    )
    if raw_only:
        data = without_column(data, "NormalValue")
    return import_upload(
        db, data, f"{serum}_{hla_class}_{lot}_{treatment}.csv", user="lab", serum_treatment=treatment
    )
