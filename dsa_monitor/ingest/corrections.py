"""Which stored sample an uploaded one corrects, if any.

The same serum is the same lab sample ID, class, lot and serum treatment, drawn on the same day,
of the same recipient: a file re-sent with corrected values replaces it (the old values are kept,
marked superseded). Labs reuse sample names, and files without a patient ID (MATCH IT!, xPONENT)
name each serum by the recipient's lab ID, so a later draw date is a new serum, stored beside the
earlier one. The same serum placed with another recipient is refused: one placement is wrong, and
replacing one patient's results by another's must never happen silently.
"""

from __future__ import annotations

import datetime as dt

from sqlite_utils import Database

from ..errors import FileFormatError, SampleClash
from ..sab.model import ParsedFile, SampleResult
from ..store import uploads
from ..store.studies import get_recipient


def identities(
    parsed: ParsedFile, draw_dates: list[dt.date], serum_treatment: str
) -> list[uploads.SampleIdentity]:
    """Each sample's serum identity, in file order; the same serum twice in one file is refused."""
    found: list[uploads.SampleIdentity] = []
    seen: set[uploads.SampleIdentity] = set()
    for sample, draw_date in zip(parsed.samples, draw_dates, strict=True):
        identity = (sample.sample_id, sample.hla_class, sample.lot, serum_treatment, draw_date.isoformat())
        if identity in seen:
            raise FileFormatError(
                f"sample {sample.sample_id!r} appears twice for class {sample.hla_class}"
                f" lot {sample.lot} drawn {draw_date.isoformat()}",
                file=parsed.file_name,
                line=sample.line,
            )
        found.append(identity)
        seen.add(identity)
    return found


def corrected_samples(
    db: Database,
    parsed: ParsedFile,
    serums: list[uploads.SampleIdentity],
    recipients: list[int],
    study: int | str | None = None,
) -> list[int | None]:
    """For each sample, the stored sample it corrects (same serum, same recipient) or None;
    a serum stored for another recipient refuses the whole upload (``study``: the uploader's
    scope, outside which the other recipient is not named)."""
    stored = uploads.current_samples(db, serums)
    corrects: list[int | None] = []
    clashes: list[tuple[SampleResult, uploads.SampleIdentity, int, int, int]] = []
    for sample, serum, recipient_id in zip(parsed.samples, serums, recipients, strict=True):
        old_id, old_recipient = stored.get(serum, (None, recipient_id))
        if old_id is not None and old_recipient != recipient_id:
            clashes.append((sample, serum, old_id, old_recipient, recipient_id))
        corrects.append(old_id)
    if clashes:
        raise _clash(db, parsed.file_name, clashes, study)
    return corrects


def _clash(db: Database, file_name: str, clashes: list, study: int | str | None) -> SampleClash:
    """The refusal: each serum, the recipient it is stored for, the one the file names."""
    people: dict[int, dict] = {}

    def who(recipient_id: int) -> dict:
        if recipient_id not in people:
            r = get_recipient(db, recipient_id)
            hidden = study is not None and study not in (r["study_id"], r["study_code"])
            people[recipient_id] = (
                {"subject_code": "a recipient of another study", "study": "another", "lab_ids": []}
                if hidden
                else {"subject_code": r["subject_code"], "study": r["study_code"], "lab_ids": r["lab_ids"]}
            )
        return people[recipient_id]

    def named(recipient_id: int) -> str:
        r = who(recipient_id)
        return f"{r['subject_code']} (study {r['study']}, lab IDs {', '.join(r['lab_ids']) or 'none'})"

    parts = [
        f"sample {sample.sample_id!r} (class {sample.hla_class}, lot {sample.lot}, drawn "
        f"{serum[4]}) is stored as sample {old_id} of recipient {named(old)}, but this file"
        f" places it with recipient {named(new)}"
        for sample, serum, old_id, old, new in clashes
    ]
    return SampleClash(
        f"{file_name}: {'; '.join(parts)}. A corrected file cannot move a serum to another "
        "recipient. Check the patient ID (or, without one, the sample name) of these samples in "
        "the file and the recipients' lab IDs; if this is another serum, give it its own sample "
        "ID or its own draw date (a manifest), then upload again. Nothing from this file was "
        "stored.",
        file=file_name,
        samples=[
            {
                "lab_sample_id": sample.sample_id,
                "draw_date": serum[4],
                "stored_sample_id": old_id,
                "stored_recipient": who(old),
                "file_recipient": who(new),
            }
            for sample, serum, old_id, old, new in clashes
        ],
    )
