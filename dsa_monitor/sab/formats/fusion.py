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
from collections.abc import Iterator
from itertools import groupby, repeat

from ...errors import FileFormatError, InvalidHLAName
from ..csvtable import Row, Table, column_key, header_keys, read_table
from ..dates import read_dates
from ..model import BeadResult, ParsedFile, ParseOptions, SampleResult
from ..specificity import parse_specificity
from .assembly import SampleAssembler, headers, parsed_file, phi_columns, read_specificity

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
    wanted = {"SampleIDName": SAMPLE, "BeadID": BEAD, "Specificity": SPECIFICITY, "RawData": RAW + NORMAL}
    missing = [
        label for label, names in wanted.items() if not any(column_key(name) in keys for name in names)
    ]
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
    del text  # parse_file keeps no reference: the text (a file's size) is freed before the beads are made
    at = table.require({"SampleIDName": SAMPLE, "BeadID": BEAD, "Specificity": SPECIFICITY})
    raw, normal = table.find(*RAW), table.find(*NORMAL)
    if raw is None and normal is None:
        raise FileFormatError(
            "missing required column(s): RawData (or Raw Value / NormalValue / NormalData)",
            file=file_name,
            line=table.header_line,
            expected="an MFI column",
        )
    optional = {
        name: table.find(*names)
        for name, names in (
            ("bcm", BCM),
            ("count", COUNT),
            ("rxn", RXN),
            ("patient", PATIENT),
            ("run", RUN_DATE),
            ("draw", DRAW_DATE),
            ("catalog", CATALOG),
            ("serology", SEROLOGY),
        )
    }
    keys = [column_key(column) for column in table.columns]
    nc_columns = [i for i, key in enumerate(keys) if _NC.match(key)]
    pc_columns = [i for i, key in enumerate(keys) if _PC.match(key)]
    phi = phi_columns(table)
    used = {*at.values(), raw, normal, *optional.values(), *nc_columns, *pc_columns, *phi}
    extra = [(i, column) for i, column in enumerate(table.columns) if i not in used]
    rows = _Rows(
        table,
        SampleAssembler(
            file_name,
            headers(
                table, patient_id=optional["patient"], run_date=optional["run"], draw_date=optional["draw"]
            ),
        ),
        at["SampleIDName"],
        at["BeadID"],
        nc_columns,
        pc_columns,
        extra,
        optional,
        _dates(table, optional["run"], options),
        _dates(table, optional["draw"], options),
    )
    numbers = (raw, normal, optional["bcm"], optional["count"], at["Specificity"])
    columns = _column_values(table, *numbers)
    if columns is None:
        rows.read_by_row(_cell_values(table, *numbers))
    else:
        table.release(*(index for index in numbers[:4] if index is not None))  # read: the floats stay
        rows.read_by_sample(columns)
    assembler, controls = rows.assembler, rows.controls
    samples = assembler.finish()
    for sample in samples:
        _mark_controls(sample, *controls[id(sample)], file_name)
    return parsed_file(
        NAME,
        file_name,
        samples,
        table,
        phi,
        {
            "sample_id": at["SampleIDName"],
            "patient_id": optional["patient"],
            "raw_mfi": raw,
            "normalized_mfi": normal,
            "bcm": optional["bcm"],
            "count": optional["count"],
            "lot": optional["catalog"],
            "kit": optional["catalog"],
        },
    )


# A bead row's values: raw MFI, normalised MFI, BCM, bead count, specificity.
BeadValues = tuple[float | None, float | None, float | None, int | None, tuple[str, ...]]
# The same values as a list per column, a value per row.
ColumnValues = tuple[
    list[float | None],
    list[float | None],
    list[float | None],
    list[int | None],
    list[tuple[str, ...]],
]


class _Rows:
    """Turns a table's rows into beads of samples: row by row, or a sample's rows at a time."""

    def __init__(
        self,
        table: Table,
        assembler: SampleAssembler,
        sample_at: int,
        bead_at: int,
        nc_columns: list[int],
        pc_columns: list[int],
        extra: list[tuple[int, str]],
        optional: dict[str, int | None],
        run_dates: dict,
        draw_dates: dict,
    ) -> None:
        self.table, self.assembler = table, assembler
        self.sample_at, self.bead_at, self.extra = sample_at, bead_at, extra
        self.nc_columns, self.pc_columns, self.optional = nc_columns, pc_columns, optional
        self.run_dates, self.draw_dates = run_dates, draw_dates
        self.controls: dict[int, tuple[set[str], set[str]]] = {}
        self.classes: dict[str | None, tuple[str | None, str | None]] = {}
        # The cells that place a row in its sample: while they repeat, so does the sample.
        sample_level = (optional[name] for name in ("catalog", "patient", "run", "draw"))
        self.placing = [sample_at, *(i for i in sample_level if i is not None), *nc_columns, *pc_columns]

    def place(self, row: Row) -> SampleResult:
        """The sample of a row whose placing cells differ from the row before it."""
        cells, table, optional = row.cells, self.table, self.optional
        if not cells[self.sample_at]:
            raise table.error("empty sample ID", row, self.sample_at, expected="a sample ID")
        if not cells[self.bead_at]:
            raise table.error("empty bead ID", row, self.bead_at, expected="a bead number")
        catalog = _cell(cells, optional["catalog"])
        if catalog not in self.classes:
            self.classes[catalog] = kit_and_class(catalog)
        kit, hla_class = self.classes[catalog]
        sample = self.assembler.sample(
            cells[self.sample_at],
            catalog,
            row.line,
            patient_id=_cell(cells, optional["patient"]),
            run_date=self.run_dates.get(_cell(cells, optional["run"]) or ""),
            draw_date=self.draw_dates.get(_cell(cells, optional["draw"]) or ""),
            vendor="onelambda",
            kit=kit,
            hla_class=hla_class,
        )
        nc_ids, pc_ids = self.controls.setdefault(id(sample), (set(), set()))
        nc_ids.update(cells[i] for i in self.nc_columns if cells[i])
        pc_ids.update(cells[i] for i in self.pc_columns if cells[i])
        return sample

    def read_by_row(self, values: Iterator[BeadValues]) -> None:
        """Every row in turn, its values read when reached: errors come in file order."""
        table, bead_at, extra = self.table, self.bead_at, self.extra
        rxn, serology = self.optional["rxn"], self.optional["serology"]
        last: tuple[str, ...] | None = None
        sample: SampleResult | None = None
        for row in table.rows:
            cells = row.cells
            key = tuple(map(cells.__getitem__, self.placing))
            if key != last:
                sample, last = self.place(row), key
            elif not cells[bead_at]:
                raise table.error("empty bead ID", row, bead_at, expected="a bead number")
            assert sample is not None
            raw_mfi, normalized, bcm, count, specificity = next(values)
            self.assembler.add(
                sample,
                BeadResult(
                    cells[bead_at],
                    specificity,
                    raw_mfi,
                    normalized,
                    bcm,
                    None,
                    None,
                    None,
                    count,
                    None if rxn is None else cells[rxn] or None,
                    None if serology is None else cells[serology] or None,
                    None,
                    row.line,
                    {column: cells[i] for i, column in extra if cells[i]} if extra else {},
                ),
            )

    def read_by_sample(self, values: ColumnValues) -> None:
        """``read_by_row`` for values already read (none faulty): beads made a column at a time,
        added a sample's rows at a time; the same errors, met in the same order."""
        table, rows = self.table, self.table.rows
        bead_ids = table.cells(self.bead_at)
        blank = [None] * len(rows)
        beads = list(
            map(
                BeadResult,
                bead_ids,
                values[4],
                values[0],
                values[1],
                values[2],
                blank,
                blank,
                blank,
                values[3],
                self.texts(self.optional["rxn"]),
                self.texts(self.optional["serology"]),
                blank,
                table.lines,
                [{name: cells[i] for i, name in self.extra if cells[i]} for _, cells in rows]
                if self.extra
                else map(dict, repeat((), len(rows))),
            )
        )
        start = 0
        for _, group in groupby(zip(*map(table.cells, self.placing), strict=True)):
            end = start + len(list(group))
            sample = self.place(rows[start])
            if "" in bead_ids[start:end]:
                empty = bead_ids.index("", start, end)
                self.assembler.add_many(sample, beads[start:empty])
                raise table.error("empty bead ID", rows[empty], self.bead_at, expected="a bead number")
            self.assembler.add_many(sample, beads[start:end])
            start = end

    def texts(self, index: int | None) -> list[str | None]:
        """A column's cells as ``_cell`` reads them: ``None`` when empty or the column absent."""
        if index is None:
            return [None] * len(self.table.rows)
        return [cell or None for cell in self.table.cells(index)]


def _column_values(
    table: Table,
    raw: int | None,
    normal: int | None,
    bcm: int | None,
    count: int | None,
    specificity: int,
) -> ColumnValues | None:
    """Every row's values read a column at a time, or ``None`` if a cell needs ``_cell_values``.

    Only files without a single faulty value take this path: the errors, and where they are
    reported first, are those of the row-by-row reading.
    """
    blank: list = [None] * len(table.rows)
    raws = blank if raw is None else table.numbers(raw)
    normals = blank if normal is None else table.numbers(normal, negative=True)
    bcms = blank if bcm is None else table.numbers(bcm, negative=True)
    counts = blank if count is None else table.integers(count)
    if raws is None or normals is None or bcms is None or counts is None:
        return None
    if None in raws and any(r is None and n is None for r, n in zip(raws, normals, strict=True)):
        return None  # a row without MFI
    texts = table.cells(specificity)
    alleles: dict[str, tuple[str, ...]] = {}
    for text in set(texts):
        try:
            alleles[text] = parse_specificity(text)
        except InvalidHLAName:
            return None
    return raws, normals, bcms, counts, list(map(alleles.__getitem__, texts))


def _cell_values(
    table: Table,
    raw: int | None,
    normal: int | None,
    bcm: int | None,
    count: int | None,
    specificity: int,
) -> Iterator[BeadValues]:
    """Every row's values read cell by cell, each error located to its row and column."""
    for row in table.rows:
        raw_mfi = table.number(row, raw) if raw is not None else None
        normalized = table.number(row, normal, negative=True) if normal is not None else None
        if raw_mfi is None and normalized is None:
            column = raw if raw is not None else normal
            assert column is not None
            raise table.error("no MFI value", row, column, expected="a number")
        yield (
            raw_mfi,
            normalized,
            table.number(row, bcm, negative=True) if bcm is not None else None,
            table.integer(row, count) if count is not None else None,
            read_specificity(table, row, specificity),
        )


def _cell(cells: tuple[str, ...], index: int | None) -> str | None:
    if index is None:
        return None
    return cells[index] or None


def _dates(table: Table, index: int | None, options: ParseOptions):
    if index is None:
        return {}
    return read_dates(
        zip(table.lines, table.cells(index), strict=True),
        file=table.file_name,
        column=table.columns[index],
        date_format=options.date_format,
    )


def _bead_number(bead_id: str) -> str:
    return bead_id.lstrip("0") or "0"


def _mark_controls(sample: SampleResult, nc_ids: set[str], pc_ids: set[str], file: str) -> None:
    """Set ``control`` on NC/PC beads; a bead without specificity must be one of them."""
    by_number = {bead.bead_id.lstrip("0") or "0": bead for bead in sample.beads}
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
            elif named and bead is not None:
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
                file=file,
                line=bead.line,
                column="Specificity",
                value="",
                expected="allele names, or the bead named in NC*/PC*BeadID",
            )
