"""Which recipient each sample of a file belongs to, and why the others are not stored.

A Luminex run holds the day's patients of many services, the kit's control sera and the lab's own
controls: an upload stores the samples of enrolled recipients (by the lab's patient ID, else the
sample name, matched against lab IDs and subject codes) and lists every other sample with its
reason. A sample named nearly like an enrolled lab ID is warned about, naming both. ``strict``
restores the old rule: any sample not enrolled refuses the whole file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlite_utils import Database

from ..errors import UnknownPatient
from ..sab.controls import is_control_serum
from ..sab.model import ParsedFile, SampleResult
from ..store.studies import enrolled_names, find_recipients
from .near_miss import NearMisses

CONTROL_SERUM = "control serum"
NOT_ENROLLED = "not enrolled"


@dataclass(slots=True)
class Placement:
    """Per sample of the file (in file order) its recipient, or None when it is not stored."""

    recipients: list[int | None]
    not_stored: list[dict] = field(default_factory=list)  # {"sample_id", "reason", ...}

    @property
    def unplaced(self) -> list[dict]:
        """The samples not stored because no enrolled recipient has their ID (controls aside)."""
        return [entry for entry in self.not_stored if entry["reason"] == NOT_ENROLLED]


def _keys(sample: SampleResult) -> list[tuple[str, bool]]:
    """The IDs a sample may be placed by, in order: the lab's patient ID, then the sample name
    (raw instrument exports such as xPONENT have no patient column; labs also enrol the
    accession a file names a serum by). Each with whether it is the sample name."""
    keys: list[tuple[str, bool]] = []
    pid = (sample.patient_id or "").strip()
    if pid:
        keys.append((pid, False))
    name = (sample.sample_id or "").strip()
    if name and name != pid:
        keys.append((name, True))
    return keys


def place_samples(
    db: Database,
    parsed: ParsedFile,
    study: int | str | None,
    warnings: list[str],
    *,
    strict: bool = False,
    control: re.Pattern[str] | None = None,
) -> Placement:
    """Each sample's recipient within the study (or all studies), or why it is not stored.

    Refused whole: a patient ID naming several recipients (the study must be named), a file with
    no sample of an enrolled recipient, and under ``strict`` any sample not enrolled.
    """
    keys = [_keys(sample) for sample in parsed.samples]
    candidates = find_recipients(db, {key for each in keys for key, _ in each}, study)
    placement = Placement(recipients=[])
    ambiguous: set[str] = set()
    for sample, sample_keys in zip(parsed.samples, keys, strict=True):
        recipient = None
        for key, by_sample_name in sample_keys:
            matches = candidates.get(key, set())
            if len(matches) > 1:
                ambiguous.add(key)
            if len(matches) == 1:
                recipient = next(iter(matches))
                if by_sample_name:
                    warnings.append(_by_sample_name(sample))
                break
        placement.recipients.append(recipient)
        if recipient is not None or any(len(candidates.get(k, ())) > 1 for k, _ in sample_keys):
            continue
        reason = (
            CONTROL_SERUM
            if is_control_serum((sample.sample_id, sample.patient_id), control)
            else NOT_ENROLLED
        )
        placement.not_stored.append(
            {
                "sample_id": sample.sample_id,
                "patient_id": sample.patient_id,
                "hla_class": sample.hla_class,
                "reason": reason,
            }
        )
    if ambiguous:
        raise UnknownPatient(
            f"{parsed.file_name}: patient IDs matching several recipients:"
            f" {', '.join(sorted(ambiguous))} (name the study the upload is for)",
            file=parsed.file_name,
            ambiguous=sorted(ambiguous),
        )
    if placement.unplaced:
        _warn_near_misses(db, study, placement.unplaced, warnings)
    if strict and placement.unplaced:
        unknown = sorted({_unknown_name(entry) for entry in placement.unplaced})
        raise UnknownPatient(
            f"{parsed.file_name}: unknown patient IDs: {', '.join(unknown)} (strict upload: every"
            " sample must belong to an enrolled recipient; register them as a recipient's lab ID"
            " first)",
            file=parsed.file_name,
            unknown=unknown,
            not_stored=placement.not_stored,
        )
    if all(recipient is None for recipient in placement.recipients):
        told = "; ".join(f"{_described(e)}: {e['reason']}" for e in placement.not_stored)
        raise UnknownPatient(
            f"{parsed.file_name}: no sample belongs to an enrolled recipient ({told}); enrol the"
            " recipients or add these IDs as their lab IDs first",
            file=parsed.file_name,
            not_stored=placement.not_stored,
        )
    return placement


def _by_sample_name(sample: SampleResult) -> str:
    if sample.patient_id:
        return (
            f"sample {sample.sample_id}: its patient ID {sample.patient_id} is not enrolled;"
            " placed by its sample name, which is a recipient's lab ID"
        )
    return (
        f"sample {sample.sample_id}: the file gives no patient ID; placed by its sample "
        "name, which is a recipient's lab ID"
    )


def _described(entry: dict) -> str:
    if entry["patient_id"]:
        return f"sample {entry['sample_id']} of patient {entry['patient_id']}"
    return f"sample {entry['sample_id']}"


def _unknown_name(entry: dict) -> str:
    if entry["patient_id"]:
        return entry["patient_id"]
    return f"{entry['sample_id']} (sample name; the file has no patient ID)"


def _warn_near_misses(
    db: Database, study: int | str | None, unplaced: list[dict], warnings: list[str]
) -> None:
    """Name both the sample and the enrolled ID it nearly is, so that a typo never hides a DSA."""
    enrolled = enrolled_names(db, study)
    index = NearMisses(enrolled)
    for entry in unplaced:
        names = [n for n in (entry["patient_id"], entry["sample_id"]) if n and n.strip()]
        near = sorted(
            {(name, hit) for name in dict.fromkeys(n.strip() for n in names) for hit in index.near(name)}
        )
        if not near:
            continue
        said = "; ".join(
            f"{name!r} is nearly the lab ID {hit!r} of {', '.join(enrolled[hit])}" for name, hit in near
        )
        entry["near"] = sorted({hit for _, hit in near})
        warnings.append(
            f"sample {entry['sample_id']} was not stored (not enrolled), but {said}:"
            " check the sample's ID (a typo would hide this serum's results)"
        )
