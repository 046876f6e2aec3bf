"""A header-driven reader for the delimited tables vendors export, keeping each row's line number.

Vendor CSVs differ by locale and template: ``;`` or ``,`` or tab, every field quoted or none, CRLF,
space-padded cells, a trailing delimiter after the last column. Columns are found by header name,
never by position. Numbers: with ``;`` or tab as delimiter a decimal comma or point is accepted
(``4362,43``, ``4362.43``); with ``,`` only a decimal point (a comma would be ambiguous there).
Thousands separators, ``nan``/``inf`` and exponents are refused.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import FileFormatError

DELIMITERS = (";", ",", "\t")
_QUOTED = re.compile(r'"[^"]*"')
_DELIMITER_NAMES = {";": "semicolon", ",": "comma", "\t": "tab"}


def column_key(name: str) -> str:
    """A header name without case, spaces, underscores, hyphens: ``Raw Value`` -> ``rawvalue``."""
    return "".join(ch for ch in name.lower() if ch not in " _-\t")


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: its cells (stripped of padding) and the line of the file it starts on."""

    line: int
    cells: tuple[str, ...]


@dataclass(slots=True)
class Table:
    """A delimited table: header names, rows, and how its numbers are written."""

    file_name: str
    delimiter: str
    columns: tuple[str, ...]
    header_line: int
    rows: list[Row]

    @property
    def decimal_comma(self) -> bool:
        return self.delimiter != ","

    def find(self, *names: str) -> int | None:
        """Index of the first column named like one of ``names`` (compared by ``column_key``)."""
        keys = [column_key(column) for column in self.columns]
        for name in names:
            key = column_key(name)
            if key in keys:
                return keys.index(key)
        return None

    def require(self, wanted: dict[str, tuple[str, ...]]) -> dict[str, int]:
        """Indexes of required columns; one error naming every missing one (with accepted names)."""
        found: dict[str, int] = {}
        missing: list[str] = []
        for label, names in wanted.items():
            index = self.find(*names)
            if index is None:
                missing.append(label if len(names) < 2 else f"{label} (or {' / '.join(names[1:])})")
            else:
                found[label] = index
        if missing:
            raise FileFormatError(
                f"missing required column(s): {', '.join(missing)}",
                file=self.file_name, line=self.header_line,
                expected="the header names of the export template",
            )
        return found

    def number(self, row: Row, index: int, *, negative: bool = False) -> float | None:
        """The cell as a float (``None`` when empty); a clear error for text or a refused sign."""
        text = row.cells[index]
        if not text:
            return None
        try:
            value = parse_number(text, decimal_comma=self.decimal_comma)
        except ValueError as error:
            raise self.error(str(error), row, index) from None
        if value < 0 and not negative:
            raise self.error("negative value", row, index, expected="a number >= 0")
        return value

    def integer(self, row: Row, index: int) -> int | None:
        """The cell as a count (``None`` when empty): a whole number >= 0."""
        value = self.number(row, index)
        if value is None:
            return None
        if not value.is_integer():
            raise self.error("not a whole number", row, index, expected="a bead count")
        return int(value)

    def error(
        self, message: str, row: Row, index: int, *, expected: str | None = None
    ) -> FileFormatError:
        """A ``FileFormatError`` located at one cell of this table."""
        if expected is None:
            expected = "a number like 1234,5 or 1234.5" if self.decimal_comma else (
                "a number like 1234.5"
            )
        return FileFormatError(
            message, file=self.file_name, line=row.line, column=self.columns[index],
            value=row.cells[index], expected=expected,
        )


def parse_number(text: str, *, decimal_comma: bool) -> float:
    """A plain decimal number; raises ``ValueError`` saying what is wrong with it."""
    if "," in text:
        if not decimal_comma:
            raise ValueError("comma in a number of a comma-separated file")
        if "." in text or text.count(",") > 1:
            raise ValueError("thousands separators are not accepted")
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        raise ValueError("not a number") from None
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    if "_" in text or "e" in text or "E" in text:
        raise ValueError("not a plain decimal number")
    return value


def sniff_delimiter(header: str) -> str | None:
    """The delimiter used most in the header line, quoted text ignored; ``None`` if none is."""
    bare = _QUOTED.sub("", header)
    counts = {delimiter: bare.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else None


def first_line(text: str) -> tuple[int, str] | None:
    """The first non-blank line of ``text`` and its number (1-based)."""
    for number, line in enumerate(io.StringIO(text, newline=None), start=1):
        if line.strip():
            return number, line.rstrip("\r\n")
    return None


def header_keys(text: str) -> set[str]:
    """Column keys of the first non-blank line: what format detection looks at."""
    found = first_line(text[:8192])
    if found is None:
        return set()
    delimiter = sniff_delimiter(found[1])
    if delimiter is None:
        return set()
    cells = next(csv.reader([found[1]], delimiter=delimiter), [])
    return {column_key(cell) for cell in cells if cell.strip()}


def read_table(text: str, file_name: str) -> Table:
    """Read ``text`` as a table whose first non-blank line is the header."""
    found = first_line(text)
    if found is None:
        raise FileFormatError("the file holds no data", file=file_name)
    header_line, header_text = found
    delimiter = sniff_delimiter(header_text)
    if delimiter is None:
        raise FileFormatError(
            "no column delimiter in the header line", file=file_name, line=header_line,
            value=header_text[:80], expected="columns separated by ';', ',' or tab",
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records = _records(reader, file_name)
    try:
        line, header = next(records)
    except StopIteration:
        raise FileFormatError("the file holds no data", file=file_name) from None
    columns = [cell.strip() for cell in header]
    while columns and not columns[-1]:  # a trailing delimiter after the last header name
        columns.pop()
    _check_header(columns, file_name, line)
    width = len(columns)
    rows: list[Row] = []
    for line, cells in records:
        if len(cells) != width:
            cells = _fit(cells, width, file_name, line, delimiter)
        rows.append(Row(line, tuple(cell.strip() for cell in cells)))
    if not rows:
        raise FileFormatError(
            "the file has a header but no data rows", file=file_name, line=header_line
        )
    return Table(file_name, delimiter, tuple(columns), header_line, rows)


def _records(reader: Iterable[list[str]], file_name: str):
    """(first line, cells) of each non-blank record; csv errors located to their line."""
    start = 1
    iterator = iter(reader)
    while True:
        try:
            cells = next(iterator)
        except StopIteration:
            return
        except csv.Error as error:
            raise FileFormatError(
                f"cannot read the row ({error}); a quote may be unbalanced or the file cut",
                file=file_name, line=start,
            ) from None
        end = reader.line_num  # type: ignore[attr-defined]
        if any(cell.strip() for cell in cells):
            yield start, cells
        start = end + 1


def _check_header(columns: list[str], file_name: str, line: int) -> None:
    seen: dict[str, str] = {}
    for column in columns:
        if not column:
            raise FileFormatError(
                "empty column name in the header", file=file_name, line=line,
                expected="a name for every column",
            )
        key = column_key(column)
        if key in seen:
            raise FileFormatError(
                f"column {column!r} appears twice in the header", file=file_name, line=line
            )
        seen[key] = column


def _fit(cells: list[str], width: int, file_name: str, line: int, delimiter: str) -> list[str]:
    """Cells cut to the header's width when only trailing empty cells differ; else an error."""
    if len(cells) > width and not any(c.strip() for c in cells[width:]):
        return cells[:width]
    name = _DELIMITER_NAMES[delimiter]
    if len(cells) < width:
        message = (
            f"the row has {len(cells)} fields but the header has {width}"
            " (the file may be truncated or the row cut short)"
        )
    else:
        message = f"the row has {len(cells)} fields but the header has {width}"
    raise FileFormatError(
        message, file=file_name, line=line,
        expected=f"{width} {name}-separated fields per row",
    )
