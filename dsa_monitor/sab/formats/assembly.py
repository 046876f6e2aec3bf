"""Group bead rows into samples the same way for every row-per-bead export, with the same checks.

A sample is one serum on one lot: rows are grouped by (sample ID, lot). The same bead twice in a
sample, a sample whose patient or run date changes between rows, or beads of both classes in one
sample are errors located to the line. Patient names are protected health information: columns
holding them are dropped on reading, and only the fact that they were present is reported.
"""

from __future__ import annotations

import datetime as dt

from ...errors import FileFormatError, InvalidHLAName
from ..bcm import check_bcm
from ..csvtable import Row, Table, column_key
from ..model import BeadResult, ParsedFile, SampleResult
from ..specificity import parse_specificity, specificity_class

# What marks a header (lower case, without spaces, ``_ - .``) as a patient's name or birth date.
# Birth dates in the languages of the labs seen: English, German, French, Spanish.
_BIRTH_WORDS = ("birth", "dob", "geburt", "naissance", "nacimiento")
# "name" after one of these is a person's name: PatientName, Patient_Full_Name, Last Name...
_PERSON_NAME_WORDS = (
    "patient",
    "recipient",
    "donor",
    "person",
    "first",
    "last",
    "given",
    "family",
    "full",
    "sur",
    "maiden",
    "middle",
    "fore",
    "nick",
    "vor",
    "nach",
    "pat",
)
# Headers that are a person's name or initials in themselves (MATCH IT!'s "Patient Name" is
# caught by the rule above; these are the words without "name").
PHI_KEYS = frozenset(
    {"name", "nom", "nombre", "prenom", "apellido", "apellidos", "initials", "patientinitials", "fullname"}
)
# Technical columns with "name" in them that are kept, as they name no person: the sample,
# bead, catalogue, lot, kit, protocol, file, test, analyte, instrument, operator, user, locus,
# antigen or allele. (Fusion's "SampleIDName" is its sample ID.)
KEPT_NAME_KEYS = (
    "samplename",
    "sampleidname",
    "beadname",
    "catalogname",
    "cataloguename",
    "lotname",
    "kitname",
    "protocolname",
    "filename",
    "testname",
    "analytename",
    "instrumentname",
    "operatorname",
    "username",
    "locusname",
    "antigenname",
    "allelename",
)


def phi_key(key: str) -> bool:
    """True for a header key (``column_key``) that holds a patient's name or birth date."""
    key = key.replace(".", "")
    if key in PHI_KEYS or any(word in key for word in _BIRTH_WORDS):
        return True
    at = key.find("name")
    while at >= 0:
        if key.startswith(_PERSON_NAME_WORDS) or key[:at].endswith(_PERSON_NAME_WORDS):
            return True
        at = key.find("name", at + 1)
    return False


def phi_columns(table: Table) -> list[int]:
    """Indexes of the columns that hold patient names or birth dates."""
    return [i for i, column in enumerate(table.columns) if phi_key(column_key(column))]


def phi_warning(table: Table, indexes: list[int]) -> str | None:
    """The file-level note saying which PHI columns were present and not kept."""
    if not indexes:
        return None
    names = ", ".join(repr(table.columns[i]) for i in indexes)
    return f"column(s) {names} hold patient-identifying data: present in the file, not kept"


def parsed_file(
    name: str,
    file_name: str,
    samples: list[SampleResult],
    table: Table,
    phi: list[int],
    columns: dict[str, int | None],
) -> ParsedFile:
    """The end of every CSV reader: each sample's BCM column checked (once its control beads are
    known), the patient columns left out said, by header only, and the header of each field
    (``columns``: field -> index) kept for the refusals of ``sab.checks``."""
    for sample in samples:
        check_bcm(sample)
    parsed = ParsedFile(
        format=name,
        file_name=file_name,
        samples=samples,
        columns={field: table.columns[index] for field, index in columns.items() if index is not None},
    )
    note = phi_warning(table, phi)
    if note:
        parsed.warnings.append(note)
    return parsed


def optional_number(table: Table, row: Row, index: int | None) -> float | None:
    """A number from a column the file may not have (None when it has not)."""
    return None if index is None else table.number(row, index, negative=True)


def optional_text(row: Row, index: int | None) -> str | None:
    """A text from a column the file may not have (None when it has not, or it is empty)."""
    return None if index is None else (row.cells[index] or None)


def read_specificity(table: Table, row: Row, index: int) -> tuple[str, ...]:
    """A bead's alleles, or a ``FileFormatError`` at the cell naming what is wrong."""
    try:
        return parse_specificity(row.cells[index])
    except InvalidHLAName as error:
        raise table.error(
            f"bead specificity not understood: {error.reason}",
            row,
            index,
            expected="allele names like A*01:01 or DQA1*05:01,DQB1*02:01 ('-' for empty)",
        ) from None


def headers(table: Table, **indexes: int | None) -> dict[str, str]:
    """Field -> the file's header of the column holding it, for the fields the file has."""
    return {field: table.columns[index] for field, index in indexes.items() if index is not None}


class SampleAssembler:
    """Collects beads into ``SampleResult``s in file order; checks duplicates and consistency.

    ``columns`` names the file's header of the sample-level fields (``patient_id``,
    ``run_date``, ``draw_date``: see ``headers``), so that a sample whose field changes between
    rows is refused at its cell, the column named like every other cell refusal.
    """

    def __init__(self, file_name: str, columns: dict[str, str] | None = None) -> None:
        self.file_name = file_name
        self.columns = columns or {}
        self._samples: dict[tuple[str, str | None], SampleResult] = {}
        self._bead_lines: dict[tuple[str, str | None], dict[str, int]] = {}

    def sample(
        self,
        sample_id: str,
        lot: str | None,
        line: int,
        *,
        patient_id: str | None = None,
        run_date: dt.date | None = None,
        draw_date: dt.date | None = None,
        **fixed: str | None,
    ) -> SampleResult:
        """The sample a row belongs to, created on its first row; its fields must not change."""
        key = (sample_id, lot)
        sample = self._samples.get(key)
        if sample is None:
            sample = SampleResult(
                sample_id=sample_id,
                lot=lot,
                line=line,
                patient_id=patient_id,
                run_date=run_date,
                draw_date=draw_date,
                **fixed,  # type: ignore[arg-type]
            )
            self._samples[key] = sample
            self._bead_lines[key] = {}
            return sample
        for field, name, first, value in (
            ("patient_id", "patient", sample.patient_id, patient_id),
            ("run_date", "run date", sample.run_date, run_date),
            ("draw_date", "draw date", sample.draw_date, draw_date),
        ):
            if value is not None and first is not None and value != first:
                raise FileFormatError(
                    f"sample {sample_id!r} changes {name} from {first} (line {sample.line})",
                    file=self.file_name,
                    line=line,
                    column=self.columns.get(field),
                    value=str(value),
                    expected=f"one {name} per sample",
                )
        return sample

    def add(self, sample: SampleResult, bead: BeadResult) -> None:
        """Add a bead; the same bead twice in one sample is an error naming both lines."""
        lines = self._bead_lines[(sample.sample_id, sample.lot)]
        first = lines.get(bead.bead_id)
        if first is not None:
            raise FileFormatError(
                f"bead {bead.bead_id!r} of sample {sample.sample_id!r} appears twice (first on line {first})",
                file=self.file_name,
                line=bead.line,
                expected="one row per sample and bead",
            )
        lines[bead.bead_id] = bead.line or 0
        sample.beads.append(bead)

    def add_many(self, sample: SampleResult, beads: list[BeadResult]) -> None:
        """``add`` for consecutive beads of one sample: the same errors, checked at once."""
        lines = self._bead_lines[(sample.sample_id, sample.lot)]
        ids = [bead.bead_id for bead in beads]
        if len(set(ids)) == len(ids) and lines.keys().isdisjoint(ids):
            lines.update(zip(ids, [bead.line or 0 for bead in beads], strict=True))
            sample.beads.extend(beads)
            return
        for bead in beads:
            self.add(sample, bead)

    def finish(self) -> list[SampleResult]:
        """The samples, each with its HLA class settled from the file or from its beads."""
        classes: dict[tuple[str, ...], str | None] = {}
        for sample in self._samples.values():
            for bead in sample.beads:
                bead_class = classes.get(bead.specificity, "")
                if bead_class == "":
                    bead_class = classes[bead.specificity] = specificity_class(bead.specificity)
                if bead_class is None:
                    continue
                if sample.hla_class is None:
                    sample.hla_class = bead_class
                elif bead_class != sample.hla_class:
                    raise FileFormatError(
                        f"bead {bead.bead_id!r} carries class {bead_class} alleles"
                        f" ({', '.join(bead.specificity)}) in a class {sample.hla_class} sample"
                        f" {sample.sample_id!r}",
                        file=self.file_name,
                        line=bead.line,
                        expected="one HLA class per sample and lot",
                    )
        return list(self._samples.values())
