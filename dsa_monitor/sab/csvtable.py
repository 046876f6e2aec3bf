"""A header-driven reader for the delimited tables vendors export, keeping each row's line number.

Vendor CSVs differ by locale and template: ``;`` or ``,`` or tab, every field quoted or none, CRLF,
space-padded cells, a trailing delimiter after the last column. Columns are found by header name,
never by position. Numbers: with ``;`` or tab as delimiter a decimal comma or point is accepted
(``4362,43``, ``4362.43``); with ``,`` only a decimal point (a comma would be ambiguous there).
Once a column of numbers shows a decimal comma, the file writes decimals with a comma and a point
in a number is refused: in such a file ``4.362`` is a thousands separator (4362), not 4.362, and
the reader never guesses which. Thousands separators, ``nan``/``inf`` and exponents are refused.
Whole columns of plain numbers are converted at once (``numbers``, ``integers``); any other cell
is left to the cell-by-cell reading, which names what is wrong with it.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import compress, islice
from typing import NamedTuple, overload

from ..collector import collector_paused
from ..errors import FileFormatError

DELIMITERS = (";", ",", "\t")
_CHUNK = 8192  # records read at once: the transient lists stay small whatever the file's size
_BLOCK = 1 << 20  # characters split into lines at once
_OTHER_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_QUOTED = re.compile(r'"[^"]*"')
_DELIMITER_NAMES = {";": "semicolon", ",": "comma", "\t": "tab"}


# A character outside plain numbers, by (decimal comma accepted, negative accepted): a column
# holding one is read cell by cell. Within plain characters, ``float`` refuses what ``parse_number``
# refuses (two decimal marks, a lone sign or mark), but for overflow to infinity, checked apart.
_NOT_PLAIN = {
    (comma, negative): re.compile("[^0-9.\n" + ("," if comma else "") + ("-" if negative else "") + "]")
    for comma in (False, True)
    for negative in (False, True)
}
_NOT_DIGIT = re.compile("[^0-9\n]")
# A decimal comma: the evidence that a file writes its decimals that way.
_DECIMAL_COMMA = re.compile(r"^-?[0-9]+,[0-9]+$", re.MULTILINE)
# What ``str.strip`` removes among ASCII characters, but for line breaks.
_ASCII_BLANKS = " \t\x0b\x0c\x1c\x1d\x1e\x1f"


def column_key(name: str) -> str:
    """A header name without case, spaces, underscores, hyphens: ``Raw Value`` -> ``rawvalue``."""
    return "".join(ch for ch in name.lower() if ch not in " _-\t")


class Row(NamedTuple):
    """One data row: its cells (stripped of padding) and the line of the file it starts on."""

    line: int
    cells: tuple[str, ...]


class Rows(Sequence[Row]):
    """A table's rows, made when asked for from its columns: a 48 MB export held as a tuple per
    row needed three times its size more than as a list per column."""

    def __init__(self, lines: list[int], data: list[list[str]]) -> None:
        self.lines, self.data = lines, data

    def __len__(self) -> int:
        return len(self.lines)

    @overload
    def __getitem__(self, index: int) -> Row: ...

    @overload
    def __getitem__(self, index: slice) -> list[Row]: ...

    def __getitem__(self, index: int | slice) -> Row | list[Row]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return Row(self.lines[index], tuple(column[index] for column in self.data))

    def __iter__(self) -> Iterator[Row]:
        return map(_ROW, zip(self.lines, zip(*self.data, strict=True), strict=True))


_ROW = partial(tuple.__new__, Row)  # Row._make at C speed


@dataclass(slots=True)
class Table:
    """A delimited table: header names, each row's line, cells by column, how numbers are written."""

    file_name: str
    delimiter: str
    columns: tuple[str, ...]
    header_line: int
    lines: list[int]
    data: list[list[str]] = field(repr=False)  # a list of cells (a cell per row) per column
    # (row, column) of the first decimal comma in a column of numbers, once looked for.
    _comma_seen: tuple[Row, int] | None | bool = field(default=False, repr=False, compare=False)

    @property
    def rows(self) -> Rows:
        return Rows(self.lines, self.data)

    def cells(self, index: int) -> list[str]:
        """Column ``index``'s cells, a cell per row."""
        return self.data[index]

    def release(self, *indexes: int) -> None:
        """Free the cells of columns already read into values: they read as empty afterwards."""
        blank = [""] * len(self.lines)
        for index in indexes:
            self.data[index] = blank

    @property
    def decimal_comma(self) -> bool:
        return self.delimiter != ","

    def decimal_comma_seen(self) -> tuple[Row, int] | None:
        """(row, column) of the first decimal comma in a column holding only numbers, or ``None``.

        Such a cell shows the file writes decimals with a comma; a column of other text (an
        allele list such as ``A*01:01,-``) is no evidence.
        """
        if self._comma_seen is False:
            self._comma_seen = None
            if self.decimal_comma:
                for index in range(len(self.columns)):
                    cells, joined = self._plain(index, _NOT_PLAIN[True, True])
                    found = _DECIMAL_COMMA.search(joined) if cells is not None else None
                    if found is not None:
                        row = self.rows[joined.count("\n", 0, found.start())]
                        self._comma_seen = (row, index)
                        break
        seen = self._comma_seen
        assert seen is not True and seen is not False
        return seen

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
                file=self.file_name,
                line=self.header_line,
                expected="the header names of the export template",
            )
        return found

    def number(self, row: Row, index: int, *, negative: bool = False) -> float | None:
        """The cell as a float (``None`` when empty); a clear error for text or a refused sign."""
        text = row.cells[index]
        if not text:
            return None
        if "." in text and self.decimal_comma_seen() is not None:
            raise self._thousands_error(row, index)
        try:
            value = parse_number(text, decimal_comma=self.decimal_comma)
        except ValueError as error:
            raise self.error(str(error), row, index) from None
        if value < 0 and not negative:
            raise self.error("negative value", row, index, expected="a number >= 0")
        return value

    def numbers(self, index: int, *, negative: bool = False) -> list[float | None] | None:
        """The whole column as ``number`` reads it, when every cell is a plain number or empty.

        ``None`` when some cell is anything else: read that column cell by cell with ``number``,
        which raises the located error (or accepts the rarer forms, such as ``+5``).
        """
        cells, joined = self._plain(index, _NOT_PLAIN[self.decimal_comma, negative])
        if cells is None:
            return None
        if "." in joined and self.decimal_comma_seen() is not None:
            return None  # refused cell by cell, with the location
        if "," in joined:
            cells = joined.replace(",", ".").split("\n")
        try:
            values: list[float | None] = (
                [float(cell) if cell else None for cell in cells] if "" in cells else list(map(float, cells))
            )
        except ValueError:  # e.g. two decimal marks, a lone "-"
            return None
        if math.inf in values or -math.inf in values:
            return None
        return values

    def integers(self, index: int) -> list[int | None] | None:
        """The whole column as ``integer`` reads it, when every cell is digits or empty; else
        ``None`` (read it cell by cell with ``integer``)."""
        cells, _ = self._plain(index, _NOT_DIGIT)
        if cells is None or max(map(len, cells)) > 15:  # longer: not exact as a float
            return None
        if "" in cells:
            return [int(cell) if cell else None for cell in cells]
        return list(map(int, cells))

    def _plain(self, index: int, refused: re.Pattern[str]) -> tuple[Sequence[str] | None, str]:
        """The column's cells and them joined by line breaks; no cells (``None``) if one holds a
        ``refused`` character or a line break."""
        cells = self.cells(index)
        joined = "\n".join(cells)
        if joined.count("\n") != len(cells) - 1 or refused.search(joined):
            return None, joined
        return cells, joined

    def integer(self, row: Row, index: int) -> int | None:
        """The cell as a count (``None`` when empty): a whole number >= 0, digits read exactly
        (12345678901234567890 stays itself for its refusal, never a nearby float)."""
        text = row.cells[index]
        if text.isascii() and text.isdigit():
            return int(text)
        value = self.number(row, index)
        if value is None:
            return None
        if not value.is_integer():
            raise self.error("not a whole number", row, index, expected="a bead count")
        return int(value)

    def _thousands_error(self, row: Row, index: int) -> FileFormatError:
        """A point in a number of a file that writes decimals with a comma: never guessed."""
        seen = self.decimal_comma_seen()
        assert seen is not None
        evidence, column = seen
        return thousands_separator_error(
            self.file_name,
            row.line,
            self.columns[index],
            row.cells[index],
            (evidence.line, self.columns[column], evidence.cells[column]),
        )

    def error(self, message: str, row: Row, index: int, *, expected: str | None = None) -> FileFormatError:
        """A ``FileFormatError`` located at one cell of this table."""
        if expected is None:
            expected = "a number like 1234,5 or 1234.5" if self.decimal_comma else ("a number like 1234.5")
        return FileFormatError(
            message,
            file=self.file_name,
            line=row.line,
            column=self.columns[index],
            value=row.cells[index],
            expected=expected,
        )


def thousands_separator_error(
    file_name: str, line: int, column: str, value: str, comma_seen: tuple[int, str, str]
) -> FileFormatError:
    """The error for ``value`` holding a point when ``comma_seen`` (line, column, cell) shows the
    file writes decimals with a comma: ``4.362`` there is 4362 or a typing slip, never guessed."""
    where, named, example = comma_seen
    return FileFormatError(
        f"a point in a number of a file that writes decimals with a comma (line {where},"
        f" column {named}: {example!r}): it looks like a thousands separator; the value is"
        " not read",
        file=file_name,
        line=line,
        column=column,
        value=value,
        expected="a number with a decimal comma and no thousands separator, like 4362,43",
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
    head = text[:65536]  # not the whole text through StringIO, which translates every line end
    found = _first_line(head)
    if found is not None and (len(head) == len(text) or found[2]):
        return found[:2]
    found = _first_line(text)
    return None if found is None else found[:2]


def _first_line(text: str) -> tuple[int, str, bool] | None:
    """``first_line``, and whether a line break ends that line."""
    for number, line in enumerate(io.StringIO(text, newline=None), start=1):
        if line.strip():
            return number, line.rstrip("\r\n"), line.endswith("\n")
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
            "no column delimiter in the header line",
            file=file_name,
            line=header_line,
            value=header_text[:80],
            expected="columns separated by ';', ',' or tab",
        )
    with collector_paused():
        gathered = _Gathered(file_name, delimiter)
        broken = None
        if not _one_line_records(text, gathered):
            gathered = _Gathered(file_name, delimiter)
            broken = _records(text, gathered)
    if gathered.header is None:
        raise broken or FileFormatError("the file holds no data", file=file_name)
    if broken is not None:  # reported after the rows before it, as a row-by-row reading would
        raise broken
    if not gathered.lines:
        raise FileFormatError("the file has a header but no data rows", file=file_name, line=header_line)
    return Table(file_name, delimiter, gathered.header, header_line, gathered.lines, gathered.columns)


class _Gathered:
    """Non-blank records gathered a column at a time: the first is the header, each later one is
    fitted to the header's width (or refused) when met, so that errors come in file order."""

    def __init__(self, file_name: str, delimiter: str) -> None:
        self.file_name, self.delimiter = file_name, delimiter
        self.header: tuple[str, ...] | None = None
        self.lines: list[int] = []
        self.columns: list[list[str]] = []

    def rows(self, lines: Sequence[int], rows: Sequence[tuple[str, ...]]) -> None:
        """Add records (line, cells) in file order."""
        if self.header is None and rows:
            self._set_header(lines[0], rows[0])
            lines, rows = lines[1:], rows[1:]
        width = len(self.columns)
        if any(map(width.__ne__, map(len, rows))):
            fit = partial(_fit, width=width, file_name=self.file_name, delimiter=self.delimiter)
            rows = [
                cells if len(cells) == width else fit(cells, line=line)
                for line, cells in zip(lines, rows, strict=True)
            ]
        self.by_column(lines, list(zip(*rows, strict=True)) or [()] * width)

    def by_column(self, lines: Sequence[int], columns: Sequence[Sequence[str]]) -> None:
        """Add records given a column at a time, as wide as the header."""
        self.lines.extend(lines)
        for kept, cells in zip(self.columns, columns, strict=True):
            kept.extend(cells)

    def _set_header(self, line: int, cells: tuple[str, ...]) -> None:
        columns = list(cells)
        while columns and not columns[-1]:  # a trailing delimiter after the last header name
            columns.pop()
        _check_header(columns, self.file_name, line)
        self.header = tuple(columns)
        self.columns = [[] for _ in columns]


def _records(text: str, gathered: _Gathered) -> FileFormatError | None:
    """Gather each non-blank record (first line, stripped cells) up to the first one csv cannot
    read; the error located to that one's line (``None`` when all were read)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=gathered.delimiter, strict=True)
    lines: list[int] = []
    rows: list[tuple[str, ...]] = []
    start = 1
    broken = None
    try:
        for cells in reader:
            stripped = tuple(map(str.strip, cells))
            if any(stripped):
                lines.append(start)
                rows.append(stripped)
            start = reader.line_num + 1
    except csv.Error as error:
        broken = FileFormatError(
            f"cannot read the row ({error}); a quote may be unbalanced or the file cut",
            file=gathered.file_name,
            line=start,
        )
    gathered.rows(lines, rows)
    return broken


def _one_line_records(text: str, gathered: _Gathered) -> bool:
    """``_records`` at C speed for a file whose every record is one line (its line is its rank);
    False, the gathering left unfinished, for any other file (a quoted line break, a row csv
    cannot read). The rows before the first such record are gathered as ``_records`` would.

    Read a bounded number of records at a time, and equal cells kept as one string: a run file
    repeats its sample IDs, lots, bead IDs and specificities on every row, so the table holds about
    one string per distinct cell instead of one per cell.
    """
    plain = _unpadded(text)
    reader = csv.reader(_lines(text, plain), delimiter=gathered.delimiter, strict=True)
    cells = _SharedCells(strip=not plain)
    read = 0
    try:
        while chunk := list(islice(reader, _CHUNK)):
            if reader.line_num != read + len(chunk):
                return False
            cells.gather(chunk, read + 1, gathered)
            read += len(chunk)
    except csv.Error:
        return False
    return True


def _lines(text: str, plain: bool) -> Iterator[str]:
    """``text``'s lines with their ends, as ``newline=""`` reading gives them, a block at a time:
    ``io.StringIO`` would first copy the whole text at four bytes a character (``plain``: the
    text is known to hold no blank but the space, ``_unpadded``)."""
    if not plain and _OTHER_BREAKS.search(text):  # a break str.splitlines knows, csv does not
        yield from io.StringIO(text, newline="")
        return
    start = 0
    while start < len(text):
        end = text.find("\n", start + _BLOCK)
        end = len(text) if end < 0 else end + 1
        yield from text[start:end].splitlines(keepends=True)
        start = end


class _SharedCells:
    """Chunks of records gathered with equal cells of a column that repeats (sample IDs, lots,
    bead IDs, specificities) as one string; columns of mostly distinct cells (MFI) left as read."""

    def __init__(self, strip: bool) -> None:
        self.strip = strip
        self.same: dict[str, str] = {}
        self.repeats: list[bool] = []  # per column, decided on the first chunk read by column

    def gather(self, chunk: list[list[str]], first: int, gathered: _Gathered) -> None:
        """Gather ``chunk``, whose first record is on line ``first``."""
        keep = self.same.setdefault
        lines: Sequence[int] = range(first, first + len(chunk))
        columns = self._columns(chunk, len(gathered.columns)) if gathered.header else None
        if columns is None:  # the header, or records of another width: row by row
            if self.strip:
                chunk = [list(map(str.strip, row)) for row in chunk]
            rows = [tuple(map(keep, row, row)) for row in chunk]
            filled = list(map(any, rows))
            gathered.rows(list(compress(lines, filled)), list(compress(rows, filled)))
            return
        if len(self.repeats) != len(columns):
            self.repeats = [len(set(column)) * 2 <= len(column) for column in columns]
        columns = [
            tuple(map(keep, column, column)) if repeats else column
            for column, repeats in zip(columns, self.repeats, strict=True)
        ]
        if "" in columns[0]:  # only then may a record be blank
            filled = list(map(any, zip(*columns, strict=True)))
            lines = list(compress(lines, filled))
            columns = [tuple(compress(column, filled)) for column in columns]
        gathered.by_column(lines, columns)

    def _columns(self, chunk: list[list[str]], width: int) -> list[Sequence[str]] | None:
        """The chunk's cells by column (stripped) when every record has the header's ``width``,
        a trailing empty cell allowed; ``None`` otherwise."""
        if not width or len(chunk[0]) < width or not all(map(len(chunk[0]).__eq__, map(len, chunk))):
            return None
        columns: list[Sequence[str]] = [
            tuple(map(str.strip, column)) if self.strip else column for column in zip(*chunk, strict=True)
        ]
        if any(map(any, columns[width:])):
            return None
        del columns[width:]
        return columns


def _unpadded(text: str) -> bool:
    """True when no cell of one-line records can need stripping: ``text`` holds no blank."""
    return text.isascii() and not any(blank in text for blank in _ASCII_BLANKS)


def _check_header(columns: list[str], file_name: str, line: int) -> None:
    seen: dict[str, str] = {}
    for column in columns:
        if not column:
            raise FileFormatError(
                "empty column name in the header",
                file=file_name,
                line=line,
                expected="a name for every column",
            )
        key = column_key(column)
        if key in seen:
            raise FileFormatError(f"column {column!r} appears twice in the header", file=file_name, line=line)
        seen[key] = column


def _fit(cells: tuple[str, ...], width: int, file_name: str, line: int, delimiter: str) -> tuple[str, ...]:
    """Cells cut to the header's width when only trailing empty cells differ; else an error."""
    if len(cells) > width and not any(cells[width:]):
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
        message,
        file=file_name,
        line=line,
        expected=f"{width} {name}-separated fields per row",
    )
