"""Luminex xPONENT CSV exports: the raw instrument output, read with the lot's registered catalogue.

The file names bead regions only (``"103"``, ``"NC"``); what each region carries comes from the lot
catalogue the lab registered (Immucor .eds or One Lambda lot sheet), found by ``ProtocolName``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from dataclasses import dataclass, field

from ...errors import FileFormatError
from ..catalogue import CatalogueBead
from ..checks import value_refusal
from ..csvtable import thousands_separator_error
from ..dates import DAY_FIRST, MONTH_FIRST, DateError, date_order, parse_date
from ..model import BeadResult, ParsedFile, ParseOptions, SampleResult
from ..qc import RUN_MIN_EVENTS
from .xponent_lots import match_beads, run_catalogue

_WELL = re.compile(r"([A-P]\d{1,2})\)?\s*$")
_SLASH_DATE = re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{4}\b")
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")
_MISSING = frozenset({"", "NAN", "NONE", "N/A", "NA", "-"})


@dataclass(slots=True)
class _Block:
    name: str
    line: int
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


@dataclass(slots=True)
class _Export:
    header: dict[str, tuple[int, list[str]]]
    header_dates: list[tuple[int, str]]
    blocks: dict[str, _Block]
    decimal_comma: bool
    # (line, column, cell) of the first decimal comma: the file writes decimals with a comma.
    comma_seen: tuple[int, str, str] | None = None


def sniff(text: str) -> bool:
    """True for an xPONENT / Luminex IS export: a ``Program`` line first, ``DataType:`` blocks."""
    head = text.lstrip("\ufeff \r\n")[:200]
    return bool(re.match(r'"?Program"?\s*[,;]', head)) and "DataType:" in text


def parse(text: str, file_name: str, options: ParseOptions) -> ParsedFile:
    """Read every well of the Median block as a sample, interpreted with the registered lot."""
    export = _read(text, file_name)
    median = export.blocks.get("median")
    if median is None or not median.rows:
        raise FileFormatError(
            'no Median block ("DataType:","Median"): file truncated or not an xPONENT results export',
            file=file_name,
        )
    # Each bead's values are in its analyte's column of a block: they are checked where read
    # (``_in_range``), naming that column; the sample ID is the blocks' Sample column.
    parsed = ParsedFile(format="xponent", file_name=file_name, columns={"sample_id": "Sample"})
    line, values = export.header.get("ProtocolName", (None, []))
    catalogue = run_catalogue(values[0] if values else "", line, file_name, options, parsed.warnings)
    run_date = _run_date(export, file_name, options)
    header_line, header = median.rows[0]
    if len(header) < 3 or [c.lower() for c in header[:2]] != ["location", "sample"]:
        raise FileFormatError(
            "Median block header must start with Location, Sample",
            file=file_name,
            line=header_line,
            value=",".join(header[:3]),
        )
    analytes = [a for a in header[2:] if a.lower() != "total events"]
    beads = match_beads(analytes, _regions(export), catalogue, file_name, header_line)
    absent = [b.bead_id for b in catalogue.beads if b.bead_id not in {x.bead_id for x in beads}]
    if absent:
        parsed.warnings.append(
            f"{len(absent)} bead(s) of lot {catalogue.lot} are not in the file: " + ", ".join(absent)
        )
    min_events = _min_events(export, file_name)
    min_count = options.min_bead_count if min_events is None else min_events
    origin = "" if min_events is None else " (the run's Min Events)"
    limits = dict(catalogue.qc_limits)
    if min_events is not None:
        limits[RUN_MIN_EVENTS] = min_events
    counts = _by_location(export.blocks.get("count"), header, file_name, export)
    net = _by_location(export.blocks.get("net mfi"), header, file_name, export)
    if "count" not in export.blocks:
        parsed.warnings.append("no Count block: bead event counts were not checked")
    width = len(header)
    for line, row in median.rows[1:]:
        if len(row) < width:
            raise FileFormatError(
                f"row has {len(row)} cells where the header has {width} (file truncated?)",
                file=file_name,
                line=line,
                value=",".join(row),
            )
        location, sample_id = row[0], row[1] or row[0]
        medians = _numbers(row, header, line, file_name, export)
        sample = SampleResult(
            sample_id=sample_id,
            run_date=run_date,
            vendor=catalogue.vendor,
            kit=catalogue.kit,
            lot=catalogue.lot,
            hla_class=catalogue.hla_class,
            qc_limits=dict(limits),
            line=line,
            well=_well(location),
        )
        low: list[str] = []
        for analyte, bead in zip(analytes, beads, strict=True):
            raw = _in_range("raw_mfi", medians.get(analyte), line, analyte, bead, file_name)
            result = _bead_result(bead, raw, line)
            if analyte != bead.bead_id:
                result.extra["analyte"] = analyte
            count_line, by_analyte = counts.get(location, (line, {}))
            count = _in_range("count", by_analyte.get(analyte), count_line, analyte, bead, file_name)
            if count is not None:
                result.count = int(count)
                if result.count < min_count:
                    low.append(f"{bead.bead_id} ({result.count})")
            net_mfi = net.get(location, (line, {}))[1].get(analyte)
            if net_mfi is not None:
                result.extra["net_mfi"] = f"{net_mfi:g}"
            if result.raw_mfi is None:
                sample.warnings.append(f"bead {bead.bead_id}: no Median value")
            sample.beads.append(result)
        if low:
            sample.warnings.append(
                f"{len(low)} bead(s) with fewer than {min_count} events{origin}"
                f" (unreliable): {', '.join(low)}"
            )
        parsed.samples.append(sample)
    _check_samples(export, parsed, file_name)
    _dilutions(export, parsed)
    _instrument_warnings(export, parsed)
    return parsed


def _read(text: str, file_name: str) -> _Export:
    """Split the export into its key/value header and its ``DataType:`` blocks."""
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = ";" if first.replace('"', "").startswith("Program;") else ","
    header: dict[str, tuple[int, list[str]]] = {}
    header_dates: list[tuple[int, str]] = []
    blocks: dict[str, _Block] = {}
    block: _Block | None = None
    in_results = False
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    try:
        for row in reader:
            line = reader.line_num
            cells = [cell.strip() for cell in row]
            if not any(cells):
                block = None
                continue
            if cells[0].startswith("-- CRC --") or cells[0].startswith("CRC32:"):
                break
            if not in_results:
                if cells[0] == "Results":
                    in_results = True
                    continue
                header.setdefault(cells[0], (line, cells[1:]))
                header_dates.extend((line, cell) for cell in cells[1:])
                continue
            if cells[0] == "DataType:":
                name = cells[1].strip().lower() if len(cells) > 1 else ""
                block = blocks.setdefault(name, _Block(name, line))
                continue
            if block is not None:
                block.rows.append((line, cells))
    except csv.Error as exc:
        raise FileFormatError(f"unreadable CSV: {exc}", file=file_name, line=reader.line_num) from None
    if not in_results:
        raise FileFormatError('no "Results" section: file truncated or not an xPONENT export', file=file_name)
    export = _Export(header, header_dates, blocks, decimal_comma=delimiter == ";")
    if export.decimal_comma:
        export.comma_seen = _first_decimal_comma(blocks)
    return export


def _first_decimal_comma(blocks: dict[str, _Block]) -> tuple[int, str, str] | None:
    """Where a value block first writes a decimal comma (``"4362,5"``), if it does."""
    for name in ("median", "net mfi", "count"):
        block = blocks.get(name)
        if block is None or not block.rows:
            continue
        _, header = block.rows[0]
        for line, row in block.rows[1:]:
            for column, cell in zip(header[2:], row[2:], strict=False):
                if _DECIMAL_COMMA.match(cell):
                    return line, column, cell
    return None


def _min_events(export: _Export, file_name: str) -> int | None:
    """The run's own bead-event minimum: ``"Samples","2","Min Events","100","Per Bead"``."""
    for key, (line, values) in export.header.items():
        cells = [key, *values]
        names = [cell.lower() for cell in cells]
        if "min events" not in names:
            continue
        at = names.index("min events") + 1
        text = cells[at] if at < len(cells) else ""
        if not text.isdigit():
            raise FileFormatError(
                "Min Events is not a whole number",
                file=file_name,
                line=line,
                column="Min Events",
                value=text,
                expected="the events per bead the run required, like 100",
            )
        return int(text)
    return None


def _regions(export: _Export) -> dict[str, str]:
    """Analyte name -> bead region, from the Units / Per Bead Count blocks (``BeadID:`` row)."""
    for name in ("units", "per bead count", "analysis types"):
        block = export.blocks.get(name)
        if block is None:
            continue
        rows = {cells[0]: cells[1:] for _, cells in block.rows}
        if "Analyte:" in rows and "BeadID:" in rows:
            return dict(zip(rows["Analyte:"], rows["BeadID:"], strict=False))
    return {}


def _numbers(
    row: list[str], header: list[str], line: int, file_name: str, export: _Export
) -> dict[str, float | None]:
    values: dict[str, float | None] = {}
    for column, cell in zip(header[2:], row[2:], strict=False):
        if column.lower() == "total events":
            continue
        values[column] = _number(cell, line, column, file_name, export)
    return values


def _number(cell: str, line: int, column: str, file_name: str, export: _Export) -> float | None:
    if cell.upper() in _MISSING:
        return None
    if export.comma_seen is not None and "." in cell:
        raise thousands_separator_error(file_name, line, column, cell, export.comma_seen)
    text = cell.replace(",", ".") if export.decimal_comma and cell.count(",") == 1 else cell
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise FileFormatError("not a number", file=file_name, line=line, column=column, value=cell)
    return value


def _by_location(
    block: _Block | None, median_header: list[str], file_name: str, export: _Export
) -> dict[str, tuple[int, dict[str, float | None]]]:
    """A per-well block (Count, Net MFI) as location -> (line, analyte -> value)."""
    if block is None or not block.rows:
        return {}
    _, header = block.rows[0]
    result: dict[str, tuple[int, dict[str, float | None]]] = {}
    for line, row in block.rows[1:]:
        if len(row) < len(header):
            raise FileFormatError(
                f"{block.name} row has {len(row)} cells where its header has {len(header)} (file truncated?)",
                file=file_name,
                line=line,
            )
        result[row[0]] = (line, _numbers(row, header, line, file_name, export))
    return result


def _in_range(
    field: str, value: float | None, line: int, analyte: str, bead: CatalogueBead, file_name: str
) -> float | None:
    """A block's value for ``field``, refused at its cell (the analyte's column of its block's
    line) when out of range: ``sab.checks`` would know only the block, not the column."""
    if value is not None:
        refused = value_refusal(field, value, file=file_name, line=line, column=analyte, bead_id=bead.bead_id)
        if refused is not None:
            raise refused
    return value


def _bead_result(bead: CatalogueBead, median: float | None, line: int) -> BeadResult:
    """One bead with LIFECODES arithmetic where the lot gives it (BCM = Median - background)."""
    result = BeadResult(
        bead_id=bead.bead_id,
        specificity=bead.specificity,
        raw_mfi=median,
        serology=bead.serology,
        control=bead.control,
        line=line,
    )
    if median is not None and bead.background_mfi is not None:
        result.bcm = median - bead.background_mfi
        if bead.rad:
            result.ad_bcm = result.bcm / bead.rad
    if bead.epitopes:
        result.extra["epitopes"] = " ".join(bead.epitopes)
    return result


def _well(location: str) -> str | None:
    match = _WELL.search(location)
    return match.group(1) if match else None


def _run_date(export: _Export, file_name: str, options: ParseOptions) -> dt.date | None:
    """The batch start date (else the export date), day/month order never guessed.

    xPONENT writes dates in the Windows locale of the instrument PC, the same way throughout the
    header. The order is taken from a header date that can be read one way only (``10/14/2023``),
    else from the lab's configured format; otherwise an ambiguous date is an error.
    """
    for key in ("BatchStartTime", "Date"):
        line, values = export.header.get(key, (None, []))
        if values and values[0]:
            text = values[0].split()[0]
            break
    else:
        return None
    order = _date_order(export, file_name)
    if order is None and options.date_format:
        fmt = options.date_format
        if "%d" in fmt and "%m" in fmt:
            order = DAY_FIRST if fmt.index("%d") < fmt.index("%m") else MONTH_FIRST
    try:
        return parse_date(text, None, order)
    except DateError as error:
        raise FileFormatError(
            f"run date: {error}", file=file_name, line=line, column=key, value=values[0]
        ) from None


def _date_order(export: _Export, file_name: str) -> str | None:
    """Day-first or month-first when some header date can be read one way only, else None."""
    evidence: dict[str, tuple[int, str]] = {}
    for line, cell in export.header_dates:
        for match in _SLASH_DATE.finditer(cell):
            order = date_order(match.group())
            if order is not None:
                evidence.setdefault(order, (line, cell))
    if len(evidence) > 1:
        line, cell = evidence[DAY_FIRST]
        raise FileFormatError(
            "the header mixes day/month and month/day dates: configure the lab's date format",
            file=file_name,
            line=line,
            value=cell,
            expected=f"the order of {evidence[MONTH_FIRST][1]}",
        )
    return next(iter(evidence), None)


def _check_samples(export: _Export, parsed: ParsedFile, file_name: str) -> None:
    line, values = export.header.get("Samples", (None, []))
    if values and values[0].isdigit() and int(values[0]) > len(parsed.samples):
        raise FileFormatError(
            f"the header announces {values[0]} samples but the Median block has "
            f"{len(parsed.samples)} (file truncated?)",
            file=file_name,
            line=line,
        )
    ids = [s.sample_id for s in parsed.samples]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        parsed.warnings.append("sample id(s) in more than one well: " + ", ".join(repeated))


def _dilutions(export: _Export, parsed: ParsedFile) -> None:
    block = export.blocks.get("dilution factor")
    if block is None:
        return
    factors = {row[0]: row[-1] for _, row in block.rows[1:] if len(row) >= 3}
    for sample in parsed.samples:
        location = next((loc for loc in factors if _well(loc) == sample.well), None)
        factor = factors.get(location or "", "1")
        if factor not in {"1", "1.0", "1,0"}:
            sample.warnings.append(f"serum diluted: dilution factor {factor}")


def _instrument_warnings(export: _Export, parsed: ParsedFile) -> None:
    """The instrument's Warnings/Errors rows, also on the sample of the well they name."""
    block = export.blocks.get("warnings/errors")
    if block is None:
        return
    for _, row in block.rows[1:]:
        location, status, message = (row + ["", "", ""])[:3]
        text = f"instrument {status.lower() or 'note'} at {location}: {message}"
        parsed.warnings.append(text)
        well = _well(location)
        for sample in parsed.samples:
            if well and sample.well == well:
                sample.warnings.append(text)
