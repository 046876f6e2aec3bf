"""Read the dates in vendor exports without ever guessing day from month.

The rule, in order:
1. ISO 8601 (``2026-11-25``) is always accepted.
2. The lab configured a format (``ParseOptions.date_format``, a ``strptime`` pattern such as
   ``%d-%m-%Y``): every other date must match it.
3. ``a-b-yyyy``, ``a.b.yyyy`` or ``a/b/yyyy`` (4-digit year): when ``a`` > 12 the date is
   day-first, when ``b`` > 12 month-first, when ``a`` = ``b`` both orders agree. Otherwise (both
   <= 12) the date is ambiguous: it is read only when another date in the same column of the same
   file is unambiguous and fixes the order (``29-07-2019`` makes ``10-12-2019`` day-first). An
   ambiguous date with no such evidence, or a file whose dates contradict each other, is an error
   that asks the lab to configure its date format.
A time after the date (``29-07-2019 14:05``) is ignored. Two-digit years are refused.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from ..errors import DSAMonitorError, FileFormatError

_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_NUMERIC = re.compile(r"^(\d{1,2})([-./])(\d{1,2})\2(\d{4})$")
DAY_FIRST = "day-first"
MONTH_FIRST = "month-first"


class DateError(ValueError):
    """A date text that cannot be read; the message says what was expected."""


def _date_part(text: str) -> str:
    text = text.strip()
    for separator in ("T", " "):
        if separator in text:
            text = text.split(separator, 1)[0]
    return text


def date_order(text: str) -> str | None:
    """``day-first`` / ``month-first`` when the date itself shows its order, else ``None``."""
    match = _NUMERIC.match(_date_part(text))
    if not match:
        return None
    first, second = int(match[1]), int(match[3])
    if first > 12 >= second:
        return DAY_FIRST
    if second > 12 >= first:
        return MONTH_FIRST
    return None


def format_order(date_format: str) -> str | None:
    """``day-first`` / ``month-first`` as a ``strptime`` pattern puts them, else ``None``."""
    day, month = date_format.find("%d"), date_format.find("%m")
    if day < 0 or month < 0 or date_format.find("%Y") < max(day, month):
        return None
    return DAY_FIRST if day < month else MONTH_FIRST


def parse_date(text: str, date_format: str | None = None, order: str | None = None) -> dt.date:
    """One date: with the lab's format, else ISO, else day/month by its own numbers or ``order``."""
    part = _date_part(text)
    iso = _ISO.match(part)
    if date_format and not iso:
        try:
            return dt.datetime.strptime(text.strip(), date_format).date()
        except ValueError:
            example = dt.date(2026, 11, 25).strftime(date_format)
            failed = DateError(f"not a date in the format {date_format} (like {example})")
        # The layout a lab chooses says which number is the day; the separator or a time after
        # the date (10-12-2019 14:05 against DD/MM/YYYY) is no reason to refuse the file.
        chosen = format_order(date_format)
        if chosen is None or not _NUMERIC.match(part):
            raise failed
        own = date_order(part)
        if own is not None and own != chosen:
            raise DateError(f"{part} cannot be read in the layout {date_format} ({own})")
        return parse_date(part, None, chosen)
    try:
        if iso:
            return dt.date(int(iso[1]), int(iso[2]), int(iso[3]))
        match = _NUMERIC.match(part)
        if not match:
            raise DateError("not a date (expected YYYY-MM-DD, DD-MM-YYYY or MM/DD/YYYY)")
        first, second, year = int(match[1]), int(match[3]), int(match[4])
        own = date_order(part)
        if first > 12 and second > 12:
            raise DateError("neither number can be a month")
        if own is None and first != second:
            if order is None:
                raise DateError(
                    "ambiguous date: day and month cannot be told apart; configure the lab's"
                    " date format (e.g. %d-%m-%Y or %m/%d/%Y)"
                )
            own = order
        if own == MONTH_FIRST:
            return dt.date(year, first, second)
        return dt.date(year, second, first)
    except ValueError as error:
        if isinstance(error, DateError):
            raise
        raise DateError(f"not a calendar date ({error})") from None


def read_dates(
    cells: Iterable[tuple[int, str]], *, file: str, column: str, date_format: str | None
) -> dict[str, dt.date]:
    """Dates of one column, as ``{text: date}``; the file's own dates settle day/month order.

    ``cells`` are ``(line, text)`` pairs; empty texts are skipped. Errors name line and value.
    """
    distinct: dict[str, int] = {}
    for line, text in cells:
        if text and text not in distinct:
            distinct[text] = line
    order: str | None = None
    evidence: tuple[int, str] | None = None
    if not date_format:
        for text, line in distinct.items():
            own = date_order(text)
            if own is None:
                continue
            if order is not None and own != order:
                assert evidence is not None
                raise FileFormatError(
                    f"dates contradict each other: line {evidence[0]} has {evidence[1]!r}"
                    f" ({order}), this one is {own}; configure the lab's date format",
                    file=file,
                    line=line,
                    column=column,
                    value=text,
                )
            order, evidence = own, (line, text)
    dates: dict[str, dt.date] = {}
    for text, line in distinct.items():
        try:
            dates[text] = parse_date(text, date_format, order)
        except DateError as error:
            raise FileFormatError(
                str(error),
                file=file,
                line=line,
                column=column,
                value=text,
                expected=date_format or "an unambiguous date",
            ) from None
    return dates


# ---- the lab's date layout, per upload ---------------------------------------------------------

_LAYOUT = re.compile(r"(DD|MM|YYYY)([./-])(DD|MM|YYYY)\2(DD|MM|YYYY)")
_PARTS = {"DD": "%d", "MM": "%m", "YYYY": "%Y"}
DATE_LAYOUTS = (
    "DD/MM/YYYY",
    "MM/DD/YYYY",
    "DD-MM-YYYY",
    "MM-DD-YYYY",
    "DD.MM.YYYY",
    "YYYY-MM-DD",
)  # offered on the upload page; any order of DD, MM, YYYY is read


def date_format_of(layout: str) -> str:
    """``DD/MM/YYYY`` as a lab writes it -> the ``strptime`` pattern the readers take, so that
    one upload with ambiguous dates can say its layout without a server-wide setting."""
    found = _LAYOUT.fullmatch(layout.strip().upper())
    parts = [found[1], found[3], found[4]] if found else []
    if found is None or sorted(parts) != ["DD", "MM", "YYYY"]:
        raise DSAMonitorError(
            f"date layout {layout!r}: write it as DD, MM and YYYY joined by '/', '-' or '.'"
            " (e.g. DD/MM/YYYY)",
            date_format=layout,
        )
    return found[2].join(_PARTS[part] for part in parts)
