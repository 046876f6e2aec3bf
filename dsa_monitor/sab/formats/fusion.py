"""One Lambda HLA Fusion CSV exports (LABScreen Single Antigen), read by header name.

Columns vary with the lab's export template: ``PatientID;SampleIDName;RunDate;CatalogID;BeadID;
Specificity;RawData;NC1BeadID;PC1BeadID;NC2BeadID;PC2BeadID;Rxn`` in the IHIW example, with
``NormalValue``/``NormalData``, ``BCM``, ``CountValue``, ``SpecAbbr``, ``Ranking`` in others, and
the synthetic ``Sample ID, Bead ID, Specificity, Raw Value, BCM, Ranking, Bead Count`` layout.
Unknown columns are kept verbatim in ``BeadResult.extra``. ``Rxn`` is Fusion's reaction score
(1, 2, 4, 6, 8), not an MFI: it goes to ``vendor_assignment``. Control beads are those the
``NC*BeadID``/``PC*BeadID`` columns name; without such columns, One Lambda's convention (bead 1
negative, bead 2 positive control, both without specificity) is applied and said in a warning.
"""

from __future__ import annotations

import re

from ...errors import FileFormatError
from ..csvtable import Table, column_key, header_keys, read_table
from ..dates import read_dates
from ..model import BeadResult, ParsedFile, ParseOptions, SampleResult
from .assembly import SampleAssembler, phi_columns, phi_warning, read_specificity

NAME = "fusion"

SAMPLE = ("SampleIDName", "Sample ID", "SampleID")
BEAD = ("BeadID", "Bead ID")
SPECIFICITY = ("Specificity",)
RAW = ("RawData", "Raw Value", "RawValue")
NORMAL = ("NormalValue", "NormalData", "Normalized Value")
BCM = ("BCM",)
COUNT = ("CountValue", "Bead Count", "Count")
RXN = ("Rxn",)
PATIENT = ("PatientID", "Patient ID")
RUN_DATE = ("RunDate", "Run Date", "TestDate", "Test Date")
DRAW_DATE = ("SampleDate", "Sample Date", "DrawDate", "Draw Date", "CollectionDate")
CATALOG = ("CatalogID", "Catalog ID")
SEROLOGY = ("SpecAbbr",)
_NC = re.compile(r"^nc\d*beadid$")
_PC = re.compile(r"^pc\d*beadid$")
_KIT = re.compile(r"^(LS([12])A\d{2})", re.IGNORECASE)


def sniff(text: str) -> bool:
    """A header with sample, bead, specificity and a Fusion MFI column (RawData, NormalValue)."""
    keys = header_keys(text)

    def has(names: tuple[str, ...]) -> bool:
        return any(column_key(name) in keys for name in names)

    return has(SAMPLE) and has(BEAD) and has(SPECIFICITY) and (has(RAW) or has(NORMAL))


def near_miss(text: str) -> str | None:
    """What a header that looks like a Fusion export lacks, for the "unknown layout" message."""
    keys = header_keys(text)
    wanted = {"SampleIDName": SAMPLE, "BeadID": BEAD, "Specificity": SPECIFICITY,
              "RawData": RAW + NORMAL}
    missing = [label for label, names in wanted.items()
               if not any(column_key(name) in keys for name in names)]
    if 0 < len(missing) <= 2:
        return f"looks like an HLA Fusion export but lacks column(s) {', '.join(missing)}"
    return None


def kit_and_class(catalog: str | None) -> tuple[str | None, str | None]:
    """``LS2A01NC21_013_00`` -> (``LS2A01``, ``II``); unknown catalogue names give (None, None)."""
    match = _KIT.match(catalog or "")
    if not match:
        return None, None
    return match[1].upper(), "I" if match[2] == "1" else "II"


def parse(text: str, file_name: str, options: ParseOptions) -> ParsedFile:
    """Every sample of a Fusion export, with beads in file order and control beads marked."""
    table = read_table(text, file_name)
    at = table.require({"SampleIDName": SAMPLE, "BeadID": BEAD, "Specificity": SPECIFICITY})
    raw, normal = table.find(*RAW), table.find(*NORMAL)
    if raw is None and normal is None:
        raise FileFormatError(
            "missing required column(s): RawData (or Raw Value / NormalValue / NormalData)",
            file=file_name, line=table.header_line, expected="an MFI column",
        )
    optional = {name: table.find(*names) for name, names in (
        ("bcm", BCM), ("count", COUNT), ("rxn", RXN), ("patient", PATIENT),
        ("run", RUN_DATE), ("draw", DRAW_DATE), ("catalog", CATALOG), ("serology", SEROLOGY),
    )}
    keys = [column_key(column) for column in table.columns]
    nc_columns = [i for i, key in enumerate(keys) if _NC.match(key)]
    pc_columns = [i for i, key in enumerate(keys) if _PC.match(key)]
    phi = phi_columns(table)
    used = {*at.values(), raw, normal, *optional.values(), *nc_columns, *pc_columns, *phi}
    extra = [(i, column) for i, column in enumerate(table.columns) if i not in used]
    run_dates = _dates(table, optional["run"], options)
    draw_dates = _dates(table, optional["draw"], options)

    assembler = SampleAssembler(file_name)
    controls: dict[int, tuple[set[str], set[str]]] = {}
    for row in table.rows:
        cells = row.cells
        sample_id, bead_id = cells[at["SampleIDName"]], cells[at["BeadID"]]
        if not sample_id:
            raise table.error("empty sample ID", row, at["SampleIDName"], expected="a sample ID")
        if not bead_id:
            raise table.error("empty bead ID", row, at["BeadID"], expected="a bead number")
        catalog = _cell(cells, optional["catalog"])
        kit, hla_class = kit_and_class(catalog)
        sample = assembler.sample(
            sample_id, catalog, row.line,
            patient_id=_cell(cells, optional["patient"]),
            run_date=run_dates.get(_cell(cells, optional["run"]) or ""),
            draw_date=draw_dates.get(_cell(cells, optional["draw"]) or ""),
            vendor="onelambda", kit=kit, hla_class=hla_class,
        )
        nc_ids, pc_ids = controls.setdefault(id(sample), (set(), set()))
        nc_ids.update(cells[i] for i in nc_columns if cells[i])
        pc_ids.update(cells[i] for i in pc_columns if cells[i])
        raw_mfi = table.number(row, raw) if raw is not None else None
        normalized = table.number(row, normal, negative=True) if normal is not None else None
        if raw_mfi is None and normalized is None:
            column = raw if raw is not None else normal
            assert column is not None
            raise table.error("no MFI value", row, column, expected="a number")
        bcm = optional["bcm"]
        count = optional["count"]
        assembler.add(sample, BeadResult(
            bead_id=bead_id,
            specificity=read_specificity(table, row, at["Specificity"]),
            raw_mfi=raw_mfi,
            normalized_mfi=normalized,
            bcm=table.number(row, bcm, negative=True) if bcm is not None else None,
            count=table.integer(row, count) if count is not None else None,
            vendor_assignment=_cell(cells, optional["rxn"]),
            serology=_cell(cells, optional["serology"]),
            line=row.line,
            extra={column: cells[i] for i, column in extra if cells[i]},
        ))
    samples = assembler.finish()
    for sample in samples:
        _mark_controls(sample, *controls[id(sample)], file_name)
    parsed = ParsedFile(format=NAME, file_name=file_name, samples=samples)
    note = phi_warning(table, phi)
    if note:
        parsed.warnings.append(note)
    return parsed


def _cell(cells: tuple[str, ...], index: int | None) -> str | None:
    if index is None:
        return None
    return cells[index] or None


def _dates(table: Table, index: int | None, options: ParseOptions):
    if index is None:
        return {}
    return read_dates(
        ((row.line, row.cells[index]) for row in table.rows),
        file=table.file_name, column=table.columns[index], date_format=options.date_format,
    )


def _bead_number(bead_id: str) -> str:
    return bead_id.lstrip("0") or "0"


def _mark_controls(sample: SampleResult, nc_ids: set[str], pc_ids: set[str], file: str) -> None:
    """Set ``control`` on NC/PC beads; a bead without specificity must be one of them."""
    by_number = {_bead_number(bead.bead_id): bead for bead in sample.beads}
    named = bool(nc_ids or pc_ids)
    if not named:
        nc_ids, pc_ids = {"1"}, {"2"}
    assumed: list[str] = []
    for kind, ids in (("NC", nc_ids), ("PC", pc_ids)):
        for bead_id in sorted(ids):
            bead = by_number.get(_bead_number(bead_id))
            if bead is not None and not bead.specificity:
                bead.control = kind
                assumed.append(f"bead {bead.bead_id} as {kind}")
            elif named and bead is None:
                sample.warnings.append(f"{kind} bead {bead_id} named in the file has no row")
            elif named:
                sample.warnings.append(
                    f"{kind} bead {bead_id} carries {', '.join(bead.specificity)}: not a control"
                )
    if assumed and not named:
        sample.warnings.append(
            f"no NC/PC bead columns: {' and '.join(assumed)} by One Lambda's convention"
            " (bead 1 negative, bead 2 positive control)"
        )
    for bead in sample.beads:
        if not bead.specificity and bead.control is None:
            raise FileFormatError(
                f"bead {bead.bead_id!r} has no specificity and is not a control bead",
                file=file, line=bead.line, column="Specificity", value="",
                expected="allele names, or the bead named in NC*/PC*BeadID",
            )
