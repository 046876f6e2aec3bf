"""Bulk enrolment: one CSV of recipients, lab IDs, donors, typings and exposures, all or nothing.

Every door (``dsa-monitor enrol``, the enrolment page, ``POST /api/v1/enrolments``) calls
``enrol_file``. The rows are applied in one transaction through the same store functions as a
single enrolment (each write audited there); any problem rolls the whole file back and is
reported with its line and column. What is already stored is left as it is, so the same file
sent again changes nothing, and the answer says so. Rows naming the same recipient, donor and
exposure date are one exposure with several donors (a double cord infusion).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass

from sqlite_utils import Database

from ..errors import DSAMonitorError, EnrolmentRefused, NotFound, Problem
from ..hla.reference import ReferenceData
from ..hla.typing import HLATyping
from ..store import audit, donors, exposures, studies, typings
from ..store.transaction import write_transaction
from .enrolment_file import EnrolmentRow, read_rows

COUNTED = ("recipients", "lab_ids", "donors", "typings", "exposures")


@dataclass(slots=True)
class EnrolmentResult:
    """What one file changed: how many of each thing it added (all zero: nothing changed)."""

    file_name: str
    sha256: str
    rows: int
    recipients: int = 0
    lab_ids: int = 0
    donors: int = 0
    typings: int = 0  # new typing versions (a changed typing adds one, an unchanged none)
    exposures: int = 0

    @property
    def changed(self) -> bool:
        return any(getattr(self, name) for name in COUNTED)

    def summary(self) -> str:
        if not self.changed:
            return (
                f"{self.file_name}: nothing changed; its {self.rows} row(s) were already enrolled as they say"
            )
        said = ", ".join(f"{getattr(self, name)} {name.replace('_', ' ')}" for name in COUNTED)
        return f"{self.file_name}: {self.rows} row(s) enrolled: added {said}"

    def to_dict(self) -> dict:
        return {**asdict(self), "changed": self.changed, "message": self.summary()}


def enrol_file(
    db: Database,
    data: bytes,
    file_name: str,
    *,
    reference: ReferenceData,
    user: str,
    study_scope: int | None = None,
) -> EnrolmentResult:
    """Enrol every row of the file, or nothing (``EnrolmentRefused`` lists each problem).

    ``study_scope``: the one study a scoped caller may enrol in; rows naming another are
    refused as naming no study (as the API answers 404 for a study out of scope)."""
    rows, problems = read_rows(data, file_name, reference)
    result = EnrolmentResult(file_name, hashlib.sha256(data).hexdigest(), len(rows))
    with write_transaction(db):  # the rows that read well are tried too: every problem is said
        run = _Run(db, user, study_scope, result)
        run.problems += problems
        for row in rows:
            run.apply(row)
        run.expose(rows)
        if run.problems:
            raise EnrolmentRefused(file_name, sorted(run.problems, key=lambda p: p.line))
        if result.changed:
            audit.record(
                db,
                user=user,
                action="enrol",
                entity="enrolment_file",
                entity_id=None,
                details={
                    "file_name": file_name,
                    "sha256": result.sha256,
                    **{name: getattr(result, name) for name in COUNTED},
                },
            )
    return result


class _Run:
    """One file's application: lookups cached by code, problems kept with their row."""

    def __init__(self, db: Database, user: str, scope: int | None, result: EnrolmentResult) -> None:
        self.db, self.user, self.scope, self.result = db, user, scope, result
        self.problems: list[Problem] = []
        self.studies: dict[str, int | None] = {}
        self.recipients: dict[tuple[str, str], int] = {}
        self.lab_ids: dict[int, set[str]] = {}
        self.donors: dict[str, int | None] = {}
        self.kinds: dict[str, str] = {}

    def _attempt(self, row: EnrolmentRow, column: str, value: str | None, write: Callable, *args, **kwargs):
        """Run one store write; its refusal becomes a problem at the row and column."""
        try:
            return write(self.db, *args, user=self.user, **kwargs)
        except DSAMonitorError as error:
            self.problems.append(Problem(row.line, column, error.message, value))
            return None

    def apply(self, row: EnrolmentRow) -> None:
        if row.donor_kind:
            self.kinds.setdefault(row.donor_code, row.donor_kind)
        study = self._study(row)
        if study is None:
            return
        recipient = self._recipient(row, study)
        if recipient is None:
            return
        for lab_id in row.lab_ids:
            if lab_id not in self.lab_ids[recipient]:
                failures = len(self.problems)
                self._attempt(row, "lab_ids", lab_id, studies.add_lab_id, recipient, lab_id)
                self.lab_ids[recipient].add(lab_id)
                self.result.lab_ids += len(self.problems) == failures
        self._type(row, "recipient", recipient, row.recipient_typing, "recipient_typing")
        if row.donor_code:
            donor = self._donor(row, study)
            if donor is not None:
                self._type(row, "donor", donor, row.donor_typing, "donor_typing")

    def _study(self, row: EnrolmentRow) -> int | None:
        if row.study not in self.studies:
            try:
                found = studies.get_study(self.db, row.study)["id"]
            except NotFound:
                found = None
            self.studies[row.study] = None if self.scope not in (None, found) else found
        study = self.studies[row.study]
        if study is None:
            self.problems.append(Problem(row.line, "study", "no such study (create it first)", row.study))
        return study

    def _recipient(self, row: EnrolmentRow, study: int) -> int | None:
        key = row.recipient_key
        if key not in self.recipients:
            found = studies.find_recipient(self.db, study, row.subject_code)
            if found is None:
                found = self._attempt(
                    row, "subject_code", row.subject_code, studies.create_recipient, study, row.subject_code
                )
                if found is None:
                    return None
                self.result.recipients += 1
            self.recipients[key] = found["id"]
            self.lab_ids[found["id"]] = set(found["lab_ids"])
        return self.recipients[key]

    def _donor(self, row: EnrolmentRow, study: int) -> int | None:
        code = row.donor_code
        if code in self.donors:
            return self.donors[code]
        try:
            found = donors.get_donor(self.db, code)
        except NotFound:
            found = None
        kind = self.kinds.get(code) or row.donor_kind
        if found is None:
            if not kind:
                self.problems.append(
                    Problem(row.line, "donor_kind", f"required: donor {code} is not registered yet")
                )
                self.donors[code] = None
                return None
            found = self._attempt(row, "donor_code", code, donors.create_donor, code, kind=kind, study=study)
            self.result.donors += found is not None
        elif not donors.seen_by_study(self.db, found, self.scope):
            self.problems.append(
                Problem(
                    row.line, "donor_code", "this donor code is already used (by another study's donor)", code
                )
            )
            found = None
        elif kind and kind != found["kind"]:
            self.problems.append(
                Problem(row.line, "donor_kind", f"donor {code} is registered as {found['kind']}", kind)
            )
            found = None
        self.donors[code] = None if found is None else found["id"]
        return self.donors[code]

    def _type(self, row: EnrolmentRow, kind: str, owner: int, typing: HLATyping | None, column: str) -> None:
        if typing is None:
            return
        before = typings.current_typing(self.db, kind, owner)
        data = typing.to_dict()
        after = self._attempt(
            row,
            column,
            None,
            typings.set_typing,
            kind,
            owner,
            data["gl_string"] or "",
            data,
            typing.reference_release,
            "enrolment",
        )
        if after is not None and (before is None or after["version"] != before["version"]):
            self.result.typings += 1

    def expose(self, rows: list[EnrolmentRow]) -> None:
        """One exposure per recipient and date, with every donor its rows name on that date."""
        groups: dict[tuple[str, str, dt.date], list[EnrolmentRow]] = {}
        for row in rows:
            if row.exposure_date is not None:
                groups.setdefault((*row.recipient_key, row.exposure_date), []).append(row)
        for (study, subject, date), named in groups.items():
            recipient = self.recipients.get((study, subject))
            donor_ids = [self.donors.get(row.donor_code) for row in named]
            if recipient is None or None in donor_ids:
                continue  # already a problem of its row
            wanted = sorted({donor for donor in donor_ids if donor is not None})
            first = named[0]
            existing = [
                e
                for e in exposures.list_exposures(self.db, recipient)
                if e["date"] == date.isoformat() and set(e["donor_ids"]) & set(wanted)
            ]
            if any(e["donor_ids"] == wanted for e in existing):
                continue
            if existing:
                self.problems.append(
                    Problem(
                        first.line,
                        "exposure_date",
                        "this recipient already"
                        f" has an exposure on {date} with other donors"
                        " (exposure ids "
                        f"{', '.join(str(e['id']) for e in existing)})",
                        date.isoformat(),
                    )
                )
                continue
            made = self._attempt(
                first,
                "exposure_date",
                date.isoformat(),
                exposures.create_exposure,
                recipient,
                wanted,
                date,
                first.exposure_kind,
            )
            self.result.exposures += made is not None
