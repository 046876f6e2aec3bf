"""What an upload answers: JSON-ready, the same for the CLI and the HTTP API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields

# What a duplicate upload says to a caller who cannot see the study of the first one: nothing of it.
HIDDEN_DUPLICATE = "the same file was already stored, with results of a study you cannot see"


@dataclass(slots=True)
class StoredSample:
    """One sample of the upload as stored: its recipient, draw date, QC and what it replaced."""

    sample_id: int  # stored sample id
    lab_sample_id: str
    patient_id: str | None
    recipient_id: int
    hla_class: str | None
    lot: str | None
    draw_date: dt.date
    draw_date_source: str  # "file" | "manifest" | "run_date"
    qc_status: str  # "pass" | "warn" | "fail"
    qc_reasons: list[str]
    excluded: bool  # True: no DSA call is made from this sample (QC failed)
    beads: int
    supersedes: int | None = None  # the stored sample this corrected one replaces


@dataclass(slots=True)
class UploadResult:
    """The answer to one upload: stored, or a duplicate of an earlier upload (rejections raise)."""

    outcome: str  # "stored" | "duplicate"
    upload_id: int  # this upload, or for a duplicate the first upload of the same bytes
    sha256: str
    file_name: str
    format: str | None
    samples: list[StoredSample] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    duplicate_of: int | None = None
    # The file's samples not stored, each {"sample_id", "reason", ...}: "control serum" or
    # "not enrolled" (with "near": enrolled IDs it is nearly).
    not_stored: list[dict] = field(default_factory=list)

    @property
    def superseded(self) -> list[dict]:
        """Which stored samples the corrected values replaced."""
        return [
            {
                "lab_sample_id": s.lab_sample_id,
                "old_sample_id": s.supersedes,
                "new_sample_id": s.sample_id,
            }
            for s in self.samples
            if s.supersedes is not None
        ]

    def to_dict(self) -> dict:
        """Plain JSON types only (dates as ISO text)."""
        data = {name: getattr(self, name) for name in _UPLOAD_FIELDS}
        data["warnings"] = list(self.warnings)
        data["not_stored"] = [dict(entry) for entry in self.not_stored]
        data["samples"] = [{name: getattr(s, name) for name in _SAMPLE_FIELDS} for s in self.samples]
        for sample in data["samples"]:
            sample["draw_date"] = sample["draw_date"].isoformat()
            sample["qc_reasons"] = list(sample["qc_reasons"])
        data["superseded"] = self.superseded
        data["run_date_fallback"] = [
            s.lab_sample_id for s in self.samples if s.draw_date_source == "run_date"
        ]
        data["qc_failed"] = [s.lab_sample_id for s in self.samples if s.excluded]
        return data


_SAMPLE_FIELDS = tuple(f.name for f in fields(StoredSample))
_UPLOAD_FIELDS = tuple(f.name for f in fields(UploadResult))
