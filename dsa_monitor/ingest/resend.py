"""The same file sent again: nothing is stored twice, the answer names the first upload, and the
samples it listed as not enrolled are stored once their recipients are (``upload._store`` with
``into``), so a lab that adds a lab ID and sends the file again loses nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlite_utils import Database

from ..errors import Conflict
from ..sab.model import ParsedFile
from ..store import audit, get_recipient, get_study, uploads
from ..store.connection import write_transaction
from .attempt import Attempt
from .placement import NOT_ENROLLED, Placement
from .result import StoredSample, UploadResult


def _sees_every_sample(db: Database, stored: list[dict], study: int | str | None) -> bool:
    """Whether a sender scoped to ``study`` may see every sample of an upload."""
    if study is None:
        return True
    study_id = study if isinstance(study, int) else get_study(db, study)["id"]
    return all(get_recipient(db, s["recipient_id"])["study_id"] == study_id for s in stored)


def waiting_samples(upload: dict) -> set[str]:
    """The sample IDs a stored upload listed as not enrolled: they may place once enrolled."""
    return {
        entry["sample_id"]
        for entry in (upload.get("summary") or {}).get("not_stored", [])
        if entry.get("reason") == NOT_ENROLLED
    }


def now_enrolled(placement: Placement, parsed: ParsedFile, waiting: set[str]) -> Placement | None:
    """Of a file stored before, only the samples that waited and now place (None if none do):
    the others were stored then, or still wait, and stay listed as not stored."""
    recipients = [
        r if r is not None and s.sample_id in waiting else None
        for s, r in zip(parsed.samples, placement.recipients, strict=True)
    ]
    if not any(recipients):
        return None
    placed = {s.sample_id for s, r in zip(parsed.samples, recipients, strict=True) if r}
    still = [e for e in placement.not_stored if e["sample_id"] not in placed]
    return Placement(recipients=recipients, not_stored=still)


def completed_summary(first: dict, added: dict) -> dict:
    """The first upload's answer with the samples stored since: one record of what the file
    gave, whichever sending stored each sample."""
    summary = dict(first.get("summary") or {})
    summary["samples"] = list(summary.get("samples", [])) + added["samples"]
    summary["not_stored"] = added["not_stored"]
    summary["warnings"] = list(summary.get("warnings", [])) + added["warnings"][:1]
    return summary


def duplicate_answer(
    db: Database,
    first: dict,
    attempt: Attempt,
    manifest: Mapping[str, dt.date] | None = None,
    study: int | str | None = None,
) -> UploadResult:
    """The same bytes again: nothing is stored twice; the answer names the first upload. A
    manifest giving other draw dates than the stored ones is refused, never silently dropped;
    the refusal names the first upload only to a sender of its study (``study``: the sender's
    scope, None for every study)."""
    stored = uploads.list_samples(db, upload_id=first["id"], include_superseded=True)
    moved = sorted(
        {
            (s["lab_sample_id"], s["draw_date"], manifest[s["lab_sample_id"]].isoformat())
            for s in stored
            if manifest
            and s["lab_sample_id"] in manifest
            and manifest[s["lab_sample_id"]].isoformat() != s["draw_date"]
        }
    )
    if moved:
        said = "; ".join(f"{sample} drawn {old}, the manifest says {new}" for sample, old, new in moved)
        if _sees_every_sample(db, stored, study):
            raise Conflict(
                f"{attempt.file_name}: these bytes were stored as upload {first['id']}"
                f" ({first['file_name']}) with other draw dates: {said}. Sending the same file"
                " again does not change a stored draw date; nothing was stored",
                upload_id=first["id"],
            )
        raise Conflict(
            f"{attempt.file_name}: these bytes were stored before, with results of a study you"
            " cannot see, and with other draw dates; sending the same file again does not change"
            " a stored draw date; nothing was stored"
        )
    with write_transaction(db):
        audit.record(
            db,
            user=attempt.user,
            action="upload_duplicate",
            entity="upload",
            entity_id=first["id"],
            details={"file_name": attempt.file_name, "sha256": attempt.sha256},
        )
    samples = [
        StoredSample(
            sample_id=s["id"],
            lab_sample_id=s["lab_sample_id"],
            patient_id=s["patient_id"],
            recipient_id=s["recipient_id"],
            hla_class=s["hla_class"],
            lot=s["lot"],
            draw_date=dt.date.fromisoformat(s["draw_date"]),
            draw_date_source=s["draw_date_source"],
            qc_status=s["qc_status"],
            qc_reasons=s["qc_reasons"],
            excluded=s["excluded"],
            beads=s["bead_count"],
        )
        for s in stored
    ]
    return UploadResult(
        outcome="duplicate",
        upload_id=first["id"],
        sha256=attempt.sha256,
        file_name=attempt.file_name,
        format=first["format"],
        samples=samples,
        duplicate_of=first["id"],
        not_stored=list((first.get("summary") or {}).get("not_stored", [])),
        warnings=[
            f"the same file was uploaded as upload {first['id']} ({first['file_name']}, "
            f"{first['uploaded_at']} by {first['uploaded_by']}); nothing new was stored"
        ],
    )
