"""Immucor MATCH IT! Antibody CSV exports (LIFECODES LSA), read by header name.

Columns: ``Sample ID,Patient Name,Lot ID,Run Date,Allele,Assignment,Raw Value``, space-padded.
The export has no bead numbers: a bead is named by its allele text. A class II heterodimer bead
is written as two consecutive rows, alpha then beta (``DQA1*05:01`` then ``DQB1*02:01``), with the
same value: such pairs are joined into one bead ``DQA1*05:01~DQB1*02:01``. ``Lot ID`` ends in
``-SA1`` (class I) or ``-SA2`` (class II). ``Assignment`` is MATCH IT!'s own ratio-based call: kept
in ``vendor_assignment`` beside the MFI. ``Patient Name`` is PHI: never kept.
The export carries no control-bead rows, so QC reports the controls as missing.
"""

from __future__ import annotations

import re

from ..csvtable import Row, Table, column_key, header_keys, read_table
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

NAME = "matchit"

SAMPLE = ("Sample ID", "SampleID")
LOT = ("Lot ID", "LotID", "Lot")
ALLELE = ("Allele",)
RAW = ("Raw Value", "RawValue", "Raw MFI")
ASSIGNMENT = ("Assignment",)
RUN_DATE = ("Run Date", "RunDate")
BCM = ("BCM",)
BCR = ("BCR",)
AD_BCR = ("AD-BCR", "ADBCR")
_CLASS = re.compile(r"-SA([12])\s*$", re.IGNORECASE)
_ALPHAS = ("DQA", "DPA")
_PARTNER = {"DQA1": "DQB1", "DPA1": "DPB1", "DQB1": "DQA1", "DPB1": "DPA1"}


def sniff(text: str) -> bool:
    """A header with ``Allele`` and ``Lot ID`` and a value column, and no bead numbers."""
    keys = header_keys(text)
    return "allele" in keys and "lotid" in keys and ("rawvalue" in keys or "bcm" in keys)


def near_miss(text: str) -> str | None:
    """What a header that looks like a MATCH IT! export lacks, for the "unknown layout" message."""
    keys = header_keys(text)
    wanted = {"Sample ID": SAMPLE, "Lot ID": LOT, "Allele": ALLELE, "Raw Value": RAW}
    missing = [
        label for label, names in wanted.items() if not any(column_key(name) in keys for name in names)
    ]
    if 0 < len(missing) <= 1 and "beadid" not in keys:
        return f"looks like a MATCH IT! export but lacks column(s) {', '.join(missing)}"
    return None


def lot_class(lot: str) -> tuple[str | None, str | None]:
    """``3008386 3008385-SA1`` -> (``LSA1``, ``I``); other lot texts give (None, None)."""
    match = _CLASS.search(lot)
    if not match:
        return None, None
    return f"LSA{match[1]}", "I" if match[1] == "1" else "II"


def parse(text: str, file_name: str, options: ParseOptions) -> ParsedFile:
    """Every sample of a MATCH IT! export; heterodimer row pairs joined into one bead."""
    table = read_table(text, file_name)
    at = table.require({"Sample ID": SAMPLE, "Lot ID": LOT, "Allele": ALLELE, "Raw Value": RAW})
    optional = {
        name: table.find(*names)
        for name, names in (
            ("assignment", ASSIGNMENT),
            ("run", RUN_DATE),
            ("bcm", BCM),
            ("bcr", BCR),
            ("ad_bcr", AD_BCR),
        )
    }
    phi = phi_columns(table)
    used = {*at.values(), *optional.values(), *phi}
    extra = [(i, column) for i, column in enumerate(table.columns) if i not in used]
    run = optional["run"]
    run_dates = (
        {}
        if run is None
        else read_dates(
            zip(table.lines, table.cells(run), strict=True),
            file=file_name,
            column=table.columns[run],
            date_format=options.date_format,
        )
    )

    assembler = SampleAssembler(file_name, headers(table, run_date=run))
    rows = list(table.rows)
    index = 0
    while index < len(rows):
        row = rows[index]
        partner = rows[index + 1] if index + 1 < len(rows) else None
        paired = partner is not None and _pairs(table, at, row, partner)
        index += 2 if paired else 1
        sample_id, lot = row.cells[at["Sample ID"]], " ".join(row.cells[at["Lot ID"]].split())
        if not sample_id:
            raise table.error("empty sample ID", row, at["Sample ID"], expected="a sample ID")
        if not lot:
            raise table.error("empty lot", row, at["Lot ID"], expected="the kit lot")
        kit, hla_class = lot_class(lot)
        sample = assembler.sample(
            sample_id,
            lot,
            row.line,
            run_date=run_dates.get(row.cells[run]) if run is not None else None,
            vendor="immucor",
            kit=kit,
            hla_class=hla_class,
        )
        specificity = read_specificity(table, row, at["Allele"])
        if paired:
            assert partner is not None
            specificity += read_specificity(table, partner, at["Allele"])
            specificity = tuple(sorted(specificity, key=lambda name: name[:3] not in _ALPHAS))
        elif specificity and specificity[0].partition("*")[0] in _PARTNER:
            sample.warnings.append(
                f"line {row.line}: {specificity[0]} without its partner chain; kept as a single-allele bead"
            )
        raw = table.number(row, at["Raw Value"])
        if raw is None:
            raise table.error("no MFI value", row, at["Raw Value"], expected="a number")
        bead = BeadResult(
            bead_id="~".join(specificity),
            specificity=specificity,
            raw_mfi=raw,
            bcm=optional_number(table, row, optional["bcm"]),
            bcr=optional_number(table, row, optional["bcr"]),
            ad_bcr=optional_number(table, row, optional["ad_bcr"]),
            vendor_assignment=optional_text(row, optional["assignment"]),
            line=row.line,
            extra={column: row.cells[i] for i, column in extra if row.cells[i]},
        )
        assembler.add(sample, bead)
    return parsed_file(
        NAME,
        file_name,
        assembler.finish(),
        table,
        phi,
        {
            "sample_id": at["Sample ID"],
            "lot": at["Lot ID"],
            "raw_mfi": at["Raw Value"],
            **{field: optional[field] for field in ("bcm", "bcr", "ad_bcr")},
        },
    )


def _pairs(table: Table, at: dict[str, int], row: Row, partner: Row) -> bool:
    """Two rows of one sample are one heterodimer bead: partner loci, same lot and value."""
    locus = row.cells[at["Allele"]].partition("*")[0].strip().upper()
    other = partner.cells[at["Allele"]].partition("*")[0].strip().upper()
    keys = ("Sample ID", "Lot ID", "Raw Value")
    same = all(row.cells[at[key]] == partner.cells[at[key]] for key in keys)
    return same and _PARTNER.get(locus) == other
