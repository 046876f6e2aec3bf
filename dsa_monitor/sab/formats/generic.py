"""The documented generic CSV: one row per sample and bead, for any export we have no reader for.

The layout is specified in ``docs/generic-csv.md``: exact snake_case header names, ISO dates,
``;``/``,``/tab delimiters. Required columns: ``sample_id``, ``bead_id``, ``raw_mfi`` and
``specificity`` or ``control`` (each row needs one of them).
"""

from __future__ import annotations

from ...errors import FileFormatError
from ..csvtable import Row, Table, first_line, read_table, sniff_delimiter
from ..dates import read_dates
from ..model import BeadResult, ParsedFile, ParseOptions
from .assembly import (
    SampleAssembler,
    headers,
    optional_number,
    optional_text,
    parsed_file,
    phi_columns,
    read_specificity,
)

NAME = "generic"
ISO_DATE = "%Y-%m-%d"
REQUIRED = ("sample_id", "bead_id", "raw_mfi")
OPTIONAL = (
    "patient_id",
    "draw_date",
    "run_date",
    "vendor",
    "kit",
    "lot",
    "class",
    "specificity",
    "serology",
    "control",
    "normalized_mfi",
    "bcm",
    "count",
    "assignment",
)
CLASSES = {"I": "I", "1": "I", "II": "II", "2": "II"}
CONTROLS = {"NC": "NC", "PC": "PC"}


def sniff(text: str) -> bool:
    """A header naming ``sample_id``, ``bead_id`` and ``raw_mfi`` exactly (any case)."""
    keys = _exact_header(text)
    return all(name in keys for name in REQUIRED)


def near_miss(text: str) -> str | None:
    """What a header that looks like the generic CSV lacks, for the "unknown layout" message."""
    keys = _exact_header(text)
    missing = [name for name in REQUIRED if name not in keys]
    if 0 < len(missing) < len(REQUIRED) and len(keys & {*REQUIRED, *OPTIONAL}) >= 3:
        return f"looks like the generic CSV but lacks column(s) {', '.join(missing)}"
    return None


def _exact_header(text: str) -> set[str]:
    # column_key drops underscores; the generic layout is recognised by its exact names
    found = first_line(text[:8192])
    if not found:
        return set()
    delimiter = sniff_delimiter(found[1]) or ","
    return {cell.strip().strip('"').strip().lower() for cell in found[1].split(delimiter)}


def parse(text: str, file_name: str, options: ParseOptions) -> ParsedFile:
    """Every sample of a generic CSV; the header names must be the documented ones."""
    table = read_table(text, file_name)
    at = table.require({name: (name,) for name in REQUIRED})
    col = {name: table.find(name) for name in OPTIONAL}
    if col["specificity"] is None and col["control"] is None:
        raise FileFormatError(
            "missing required column(s): specificity (or control)",
            file=file_name,
            line=table.header_line,
            expected="see docs/generic-csv.md",
        )
    phi = phi_columns(table)
    used = {*at.values(), *col.values(), *phi}
    extra = [(i, column) for i, column in enumerate(table.columns) if i not in used]
    dates = {name: _dates(table, col[name]) for name in ("draw_date", "run_date")}

    assembler = SampleAssembler(
        file_name,
        headers(table, patient_id=col["patient_id"], run_date=col["run_date"], draw_date=col["draw_date"]),
    )
    for row in table.rows:
        cells = row.cells
        sample_id, bead_id = cells[at["sample_id"]], cells[at["bead_id"]]
        if not sample_id:
            raise table.error("empty sample ID", row, at["sample_id"], expected="a sample ID")
        if not bead_id:
            raise table.error("empty bead ID", row, at["bead_id"], expected="a bead ID")
        hla_class = _choice(table, row, col["class"], CLASSES, "I or II")
        vendor = optional_text(row, col["vendor"])
        sample = assembler.sample(
            sample_id,
            optional_text(row, col["lot"]),
            row.line,
            patient_id=optional_text(row, col["patient_id"]),
            draw_date=dates["draw_date"].get(optional_text(row, col["draw_date"]) or ""),
            run_date=dates["run_date"].get(optional_text(row, col["run_date"]) or ""),
            vendor=vendor.lower() if vendor else None,
            kit=optional_text(row, col["kit"]),
            hla_class=hla_class,
        )
        if hla_class and sample.hla_class != hla_class:
            assert col["class"] is not None
            raise table.error(
                f"sample {sample_id!r} changes class (line {sample.line} says {sample.hla_class})",
                row,
                col["class"],
                expected="one class per sample and lot",
            )
        control = _choice(table, row, col["control"], CONTROLS, "NC, PC or empty")
        specificity = (
            read_specificity(table, row, col["specificity"]) if col["specificity"] is not None else ()
        )
        if bool(specificity) == bool(control):
            index = col["specificity"] if col["specificity"] is not None else col["control"]
            assert index is not None
            raise table.error(
                "a bead needs a specificity or a control mark (not both)",
                row,
                index,
                expected="alleles for a bead, or NC/PC with an empty specificity",
            )
        raw = table.number(row, at["raw_mfi"])
        if raw is None:
            raise table.error("no raw MFI", row, at["raw_mfi"])
        assembler.add(
            sample,
            BeadResult(
                bead_id=bead_id,
                specificity=specificity,
                raw_mfi=raw,
                normalized_mfi=optional_number(table, row, col["normalized_mfi"]),
                bcm=optional_number(table, row, col["bcm"]),
                count=table.integer(row, col["count"]) if col["count"] is not None else None,
                vendor_assignment=optional_text(row, col["assignment"]),
                serology=optional_text(row, col["serology"]),
                control=control,
                line=row.line,
                extra={column: cells[i] for i, column in extra if cells[i]},
            ),
        )
    return parsed_file(NAME, file_name, assembler.finish(), table, phi, {**at, **col})


def _dates(table: Table, index: int | None):
    if index is None:
        return {}
    return read_dates(
        zip(table.lines, table.cells(index), strict=True),
        file=table.file_name,
        column=table.columns[index],
        date_format=ISO_DATE,
    )


def _choice(table: Table, row: Row, index: int | None, choices: dict[str, str], expected: str) -> str | None:
    text = optional_text(row, index)
    if text is None:
        return None
    assert index is not None
    value = choices.get(text.upper())
    if value is None:
        raise table.error("unknown value", row, index, expected=expected)
    return value
