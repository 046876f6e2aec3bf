"""QC-failure events, read from stored samples: a failed run is told to the laboratory.

DSA_RULES.md §2: a sample that fails control-bead QC yields no DSA call; the lab must know so
that it can retest. One event per sample identity (lab sample ID, class, lot, serum treatment):
a corrected file of the same run that fails again is the same fact.
"""

from __future__ import annotations

from sqlite_utils import Database

from ..store import events as stored
from .events import CORRECTION, QC_FAILURE, EventFact


def qc_failure_facts(db: Database, *, after_sample_id: int) -> tuple[list[EventFact], int]:
    """Facts for the QC-failed samples stored after a sample id, and the new watermark."""
    watermark = stored.last_sample_id(db)
    facts = [
        EventFact(
            kind=QC_FAILURE,
            recipient_id=row["recipient_id"],
            visit=(
                f"sample {row['lab_sample_id']} (class {row['hla_class'] or '?'},"
                f" lot {row['lot'] or '?'}, {row['serum_treatment']})"
            ),
            sample_id=row["id"],
            payload={
                "lab_sample_id": row["lab_sample_id"],
                "draw_date": row["draw_date"],
                "hla_class": row["hla_class"],
                "lot": row["lot"],
                "serum_treatment": row["serum_treatment"],
                "qc_reasons": row["qc_reasons"],
                "upload_id": row["upload_id"],  # not its file name: a name may be a person's
            },
        )
        for row in stored.failed_samples_between(db, after_sample_id, watermark)
    ]
    return facts, watermark


def qc_correction_facts(db: Database) -> list[EventFact]:
    """Corrections for QC failures a corrected upload resolved: the lab's alert is withdrawn."""
    return [
        EventFact(
            kind=CORRECTION,
            withdraws=QC_FAILURE,
            recipient_id=row["recipient_id"],
            visit=row["visit"],
            sample_id=row["sample_id"],
            payload={
                "lab_sample_id": row["lab_sample_id"],
                "reason": (
                    f"a corrected upload ({row['upload_id']}) replaces the run; it"
                    f" passes QC ({row['qc_status']})"
                ),
            },
        )
        for row in stored.corrected_qc_failures(db)
    ]
