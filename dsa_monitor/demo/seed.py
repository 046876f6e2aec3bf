"""Store a synthetic trial through the real doors: store functions, then each file's upload.

Kept apart from ``trial`` (pure) so that ``dsa-monitor demo`` and the tests share one way in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlite_utils import Database

from .. import store
from ..hla.typing import HLATyping
from ..ingest import UploadResult, import_upload
from .trial import Trial


@dataclass
class StoredTrial:
    """Ids the stored trial got, by the codes the trial uses."""

    study_id: int
    recipients: dict[str, int] = field(default_factory=dict)  # subject code -> id
    donors: dict[str, int] = field(default_factory=dict)  # donor code -> id
    exposures: dict[str, int] = field(default_factory=dict)  # subject code -> exposure id
    uploads: list[UploadResult] = field(default_factory=list)


def store_typing(
    db: Database, owner_kind: str, owner_id: int, gl_string: str, *, user: str, source: str = "demo"
) -> dict:
    """Read a GL String as a typing and store it as the owner's next typing version."""
    typing = HLATyping.from_gl_string(gl_string)
    return store.set_typing(
        db,
        owner_kind,
        owner_id,
        typing.to_gl_string(),
        typing.to_dict(),
        typing.reference_release,
        source,
        user,
    )


def store_trial(db: Database, trial: Trial, *, user: str = "demo", upload: bool = True) -> StoredTrial:
    """Create the study, recipients (with lab IDs), cord donors, typings, infusions; upload files."""
    study = store.create_study(
        db, trial.study_code, title=trial.title, visit_schedule=trial.visit_schedule, user=user
    )
    result = StoredTrial(study["id"])
    for person in trial.recipients:
        recipient = store.create_recipient(
            db, trial.study_code, person.subject_code, lab_ids=[person.lab_id], user=user
        )
        donor = store.create_donor(db, person.donor_code, kind="cord", user=user)
        store_typing(db, "recipient", recipient["id"], person.typing, user=user)
        store_typing(db, "donor", donor["id"], person.donor_typing, user=user)
        exposure = store.create_exposure(
            db, recipient["id"], [donor["id"]], person.infusion, "infusion", user=user
        )
        result.recipients[person.subject_code] = recipient["id"]
        result.donors[person.donor_code] = donor["id"]
        result.exposures[person.subject_code] = exposure["id"]
    if upload:
        for name, data in trial.files:
            result.uploads.append(import_upload(db, data, name, user=user, study=trial.study_code))
    return result
