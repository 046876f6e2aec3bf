"""What every row-per-bead reader shares: patient names and birth dates are never kept."""

from __future__ import annotations

import pytest
from reference_paths import TEST_DATA

from dsa_monitor.sab.csvtable import column_key
from dsa_monitor.sab.formats import parse_file
from dsa_monitor.sab.formats.assembly import KEPT_NAME_KEYS, phi_key

PHI_VALUES = ("DOE^JANE", "Jane Doe", "Jane", "Doe", "1971-03-04", "04/03/1971", "04.03.1971")


@pytest.mark.parametrize(
    "header",
    [
        "PatientBirthDate",
        "PatientFullName",
        "Patient_Name",
        "Birthday",
        "Patient Name",
        "patient-name",
        "Name",
        "NAME",
        "DOB",
        "Patient DOB",
        "Date of Birth",
        "date_of_birth",
        "Geburtsdatum",
        "Date de naissance",
        "Fecha de nacimiento",
        "First Name",
        "Last_Name",
        "Surname",
        "Given Name",
        "Family-Name",
        "Full Name",
        "Maiden Name",
        "Middle Name",
        "Pat.Name",
        "Patient.Last.Name",
        "Recipient Name",
        "Donor Name",
        "Vorname",
        "Nachname",
        "Forename",
        "Nom",
        "Prenom",
        "Nombre",
        "Apellidos",
        "Initials",
        "Patient Initials",
    ],
)
def test_patient_name_and_birth_date_headers_are_blocked(header):
    assert phi_key(column_key(header))


@pytest.mark.parametrize(
    "header",
    [
        *KEPT_NAME_KEYS,
        "SampleIDName",
        "Sample Name",
        "Bead Name",
        "Catalog Name",
        "ProtocolName",
        "PatientID",
        "Patient ID",
        "Specificity",
        "RawData",
        "Rxn",
        "Lot ID",
    ],
)
def test_technical_headers_are_kept(header):
    assert not phi_key(column_key(header))


@pytest.mark.parametrize(
    ("path", "fmt", "dropped", "kept"),
    [
        (
            "fusion/phi_columns.csv",
            "fusion",
            ["PatientBirthDate", "PatientFullName", "Patient_Name", "Birthday", "Date of Birth"],
            {"CatalogName": "LS1A04 lot 015", "Sample Name": "serum 1"},
        ),
        (
            "generic/phi_columns.csv",
            "generic",
            [
                "First Name",
                "last_name",
                "Geburtsdatum",
                "Date de naissance",
                "fecha_de_nacimiento",
                "DOB",
                "Pat.Name",
            ],
            {"bead_name": "A1 bead"},
        ),
        (
            "matchit/phi_columns.csv",
            "matchit",
            ["Patient Name", "Surname", "Given Name", "Birthday", "Patient DOB"],
            {"Test Name": "LSA class I"},
        ),
    ],
)
def test_every_reader_drops_them_and_says_so_by_header_name(path, fmt, dropped, kept):
    parsed = parse_file((TEST_DATA / path).read_bytes(), path.rsplit("/", 1)[1])
    assert parsed.format == fmt
    shown = repr(parsed)
    for value in PHI_VALUES:
        assert value not in shown
    names = ", ".join(repr(name) for name in dropped)
    assert parsed.warnings == [
        f"column(s) {names} hold patient-identifying data: present in the file, not kept"
    ]
    target = [bead for bead in parsed.samples[0].beads if bead.control is None][-1]
    assert {name: target.extra.get(name) for name in kept} == kept
