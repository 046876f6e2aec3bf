"""Reading a bulk-enrolment CSV: every row checked, every problem named by line and column.

A coordinator enrols a study's recipients, their donors and exposures from one spreadsheet
(``docs/enrolment.md``). The file is refused whole when any cell is wrong, and the refusal lists
every wrong cell, not only the first, so that one round of corrections is enough. Typings are GL
Strings read with the reference release in force, as the API reads them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import DSAMonitorError, EnrolmentRefused, Problem
from ..hla.reference import ReferenceData
from ..hla.typing import HLATyping
from ..store.exposures import check_exposure_date
from ..store.schema import DONOR_KINDS, EXPOSURE_KINDS

COLUMNS = (
    "study",
    "subject_code",
    "lab_ids",
    "recipient_typing",
    "donor_code",
    "donor_kind",
    "donor_typing",
    "exposure_date",
    "exposure_kind",
)
REQUIRED = ("study", "subject_code")
MAX_CODE = 100


@dataclass(frozen=True, slots=True)
class EnrolmentRow:
    """One row as read: codes stripped, lab IDs split, typings read, the date a date."""

    line: int
    study: str
    subject_code: str
    lab_ids: tuple[str, ...]
    recipient_typing: HLATyping | None
    donor_code: str
    donor_kind: str
    donor_typing: HLATyping | None
    exposure_date: dt.date | None
    exposure_kind: str

    @property
    def recipient_key(self) -> tuple[str, str]:
        return self.study, self.subject_code


def read_rows(
    data: bytes, file_name: str, reference: ReferenceData
) -> tuple[list[EnrolmentRow], list[Problem]]:
    """The rows that read well, and the problems of the others (by line); a file whose header
    or encoding is wrong raises ``EnrolmentRefused`` at once (no row can be read)."""
    problems: list[Problem] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise EnrolmentRefused(
            file_name, [Problem(1, None, "not UTF-8 text: save the sheet as CSV UTF-8")]
        ) from error
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None or not any(cell.strip() for cell in header):
        raise EnrolmentRefused(
            file_name,
            [Problem(1, None, f"empty file: the first line must name the columns {','.join(COLUMNS)}")],
        )
    columns = [cell.strip() for cell in header]
    problems += _header_problems(columns)
    if problems:
        raise EnrolmentRefused(file_name, problems)
    rows: list[EnrolmentRow] = []
    line = reader.line_num + 1
    for cells in reader:
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(columns):
            problems.append(
                Problem(
                    start,
                    None,
                    f"{len(cells)} cells where the header names"
                    f" {len(columns)} columns (a comma inside a cell must be"
                    " quoted)",
                )
            )
            continue
        row = _read_row(
            start, dict(zip(columns, (c.strip() for c in cells), strict=True)), reference, problems
        )
        if row is not None:
            rows.append(row)
    if not rows and not problems:
        problems.append(Problem(line, None, "no rows: the file holds only its header"))
    problems += _disagreements(rows)
    return rows, sorted(problems, key=lambda p: p.line)


def _header_problems(columns: list[str]) -> list[Problem]:
    if len(columns) == 1 and ";" in columns[0]:
        return [
            Problem(
                1,
                None,
                "the columns are separated by ';': separate them by commas"
                " (';' separates lab IDs within a cell)",
                columns[0],
            )
        ]
    problems = [
        Problem(1, name or None, f"unknown column: the columns are exactly {', '.join(COLUMNS)}", name)
        for name in columns
        if name not in COLUMNS
    ]
    problems += [
        Problem(1, name, "column named twice") for name in sorted(set(columns)) if columns.count(name) > 1
    ]
    problems += [Problem(1, name, "missing column") for name in COLUMNS if name not in columns]
    return problems


def _read_row(
    line: int, cells: dict[str, str], reference: ReferenceData, problems: list[Problem]
) -> EnrolmentRow | None:
    """The row, or None with its problems added."""
    found: list[Problem] = []

    def problem(column: str, message: str) -> None:
        found.append(Problem(line, column, message, cells[column] or None))

    for column in REQUIRED:
        if not cells[column]:
            problem(column, "required")
    for column in ("study", "subject_code", "donor_code"):
        if len(cells[column]) > MAX_CODE:
            problem(column, f"longer than {MAX_CODE} characters")
    lab_ids = tuple(dict.fromkeys(p.strip() for p in cells["lab_ids"].split(";") if p.strip()))
    if any(len(lab_id) > MAX_CODE for lab_id in lab_ids):
        problem("lab_ids", f"a lab ID longer than {MAX_CODE} characters")
    donor = cells["donor_code"]
    if cells["donor_kind"] and cells["donor_kind"] not in DONOR_KINDS:
        problem("donor_kind", f"not one of {', '.join(DONOR_KINDS)}")
    for column in ("donor_kind", "donor_typing", "exposure_date", "exposure_kind"):
        if cells[column] and not donor:
            problem(column, "given without a donor_code")
    if cells["exposure_kind"] and cells["exposure_kind"] not in EXPOSURE_KINDS:
        problem("exposure_kind", f"not one of {', '.join(EXPOSURE_KINDS)}")
    if bool(cells["exposure_date"]) != bool(cells["exposure_kind"]):
        missing = "exposure_kind" if cells["exposure_date"] else "exposure_date"
        problem(missing, "an exposure needs both exposure_date and exposure_kind")
    date = _date(cells["exposure_date"], problem)
    typings = {
        column: _typing(cells[column], reference, column, problem)
        for column in ("recipient_typing", "donor_typing")
    }
    problems += found
    if found:
        return None
    return EnrolmentRow(
        line,
        cells["study"],
        cells["subject_code"],
        lab_ids,
        typings["recipient_typing"],
        donor,
        cells["donor_kind"],
        typings["donor_typing"],
        date,
        cells["exposure_kind"],
    )


def _date(text: str, problem) -> dt.date | None:
    if not text:
        return None
    try:
        date = dt.date.fromisoformat(text)
    except ValueError:
        problem("exposure_date", "not a date written YYYY-MM-DD")
        return None
    try:
        check_exposure_date(date)
    except DSAMonitorError as error:
        problem("exposure_date", error.message)
    return date


def _typing(text: str, reference: ReferenceData, column: str, problem) -> HLATyping | None:
    if not text:
        return None
    try:
        typing = HLATyping.from_gl_string(text, reference)
    except DSAMonitorError as error:
        problem(column, error.message)
        return None
    if not typing.loci:
        problem(column, "the typing has no typed locus")
    return typing


def _disagreements(rows: Iterable[EnrolmentRow]) -> list[Problem]:
    """Rows naming one recipient, donor or exposure again must not say something else of it."""
    problems: list[Problem] = []
    seen: dict[tuple, tuple[int, object]] = {}

    def agree(key: tuple, value: object, line: int, column: str, what: str) -> None:
        if value is None or value == "":
            return
        first = seen.setdefault(key, (line, value))
        if first[1] != value:
            problems.append(Problem(line, column, f"{what} differs from line {first[0]}"))

    for row in rows:
        recipient = f"recipient {row.study} {row.subject_code}"
        agree(
            ("rt", *row.recipient_key),
            _typed(row.recipient_typing),
            row.line,
            "recipient_typing",
            f"the typing of {recipient}",
        )
        if row.donor_code:
            agree(
                ("dk", row.donor_code),
                row.donor_kind,
                row.line,
                "donor_kind",
                f"the kind of donor {row.donor_code}",
            )
            agree(
                ("dt", row.donor_code),
                _typed(row.donor_typing),
                row.line,
                "donor_typing",
                f"the typing of donor {row.donor_code}",
            )
        if row.exposure_date is not None:
            agree(
                ("ek", *row.recipient_key, row.exposure_date),
                row.exposure_kind,
                row.line,
                "exposure_kind",
                f"the kind of {recipient}'s exposure on {row.exposure_date}",
            )
    return problems


def _typed(typing: HLATyping | None) -> dict | None:
    return None if typing is None else typing.to_dict()
