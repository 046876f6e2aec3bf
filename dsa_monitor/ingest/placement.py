"""Which recipient each sample of a file belongs to: by the lab's patient ID or subject code."""

from __future__ import annotations

from sqlite_utils import Database

from ..errors import UnknownPatient
from ..sab.model import ParsedFile, SampleResult
from ..store.studies import find_recipients


def _patient_key(sample: SampleResult) -> tuple[str, bool]:
    """The ID a sample is placed by, and whether it is the sample name standing in for a patient ID.

    Raw instrument exports (xPONENT) have no patient column: the sample name the lab typed on the
    plate is then looked up among the lab IDs, and the result says so.
    """
    pid = (sample.patient_id or "").strip()
    if pid:
        return pid, False
    return (sample.sample_id or "").strip(), True


def place_samples(
    db: Database, parsed: ParsedFile, study: int | str | None, warnings: list[str]
) -> list[int]:
    """Each sample's recipient, by the lab's patient ID or subject code; unknown ones are listed."""
    keys = [_patient_key(sample) for sample in parsed.samples]
    candidates = find_recipients(db, {key for key, _ in keys if key}, study)
    placed: list[int] = []
    unknown: list[str] = []
    ambiguous: list[str] = []
    for sample, (pid, by_sample_name) in zip(parsed.samples, keys, strict=True):
        matches = candidates.get(pid, set())
        if len(matches) == 1:
            placed.append(next(iter(matches)))
            if by_sample_name:
                warnings.append(
                    f"sample {sample.sample_id}: the file gives no patient ID; placed by its sample "
                    "name, which is a recipient's lab ID"
                )
        elif not pid:
            unknown.append(f"(no patient ID: sample {sample.sample_id})")
        elif matches:
            ambiguous.append(pid)
        else:
            unknown.append(pid if not by_sample_name else f"{pid} (sample name; the file has no patient ID)")
    if unknown or ambiguous:
        unknown, ambiguous = sorted(set(unknown)), sorted(set(ambiguous))
        parts = []
        if unknown:
            parts.append(f"unknown patient IDs: {', '.join(unknown)}")
        if ambiguous:
            parts.append(f"patient IDs matching several recipients: {', '.join(ambiguous)}")
        raise UnknownPatient(
            f"{parsed.file_name}: {'; '.join(parts)} (register them as a recipient's lab ID first)",
            file=parsed.file_name,
            unknown=unknown or None,
            ambiguous=ambiguous or None,
        )
    return placed
