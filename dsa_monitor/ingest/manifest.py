"""The draw-date manifest a lab may send with a file: ``sample_id,draw_date`` lines, ISO dates."""

from __future__ import annotations

import csv
import datetime as dt
import io

from ..errors import FileFormatError
from .checks import date_problem, plausible_range, utc_today

REQUIRED = ("sample_id", "draw_date")


def read_manifest(data: bytes, file_name: str) -> dict[str, dt.date]:
    """Lab sample ID -> draw date; a date must be ISO (yyyy-mm-dd) so that it is never guessed,
    and possible: not in the future, not before 1900."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileFormatError("not UTF-8 text", file=file_name, expected="a UTF-8 CSV") from error
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise FileFormatError(
            f"missing column {missing[0]!r}",
            file=file_name,
            line=1,
            expected="a header sample_id,draw_date",
        )
    reader.fieldnames = header
    manifest: dict[str, dt.date] = {}
    today = utc_today()
    for row in reader:
        line = reader.line_num
        sample_id = (row["sample_id"] or "").strip()
        raw = (row["draw_date"] or "").strip()
        if not sample_id and not raw:
            continue
        if not sample_id:
            raise FileFormatError("empty sample ID", file=file_name, line=line, column="sample_id")
        try:
            draw_date = dt.date.fromisoformat(raw)
        except ValueError as error:
            raise FileFormatError(
                "not an ISO date",
                file=file_name,
                line=line,
                column="draw_date",
                value=raw,
                expected="yyyy-mm-dd",
            ) from error
        problem = date_problem(draw_date, today)
        if problem:
            raise FileFormatError(
                f"sample {sample_id!r}: the draw date {problem}",
                file=file_name,
                line=line,
                column="draw_date",
                value=raw,
                expected=plausible_range(today),
            )
        if manifest.get(sample_id, draw_date) != draw_date:
            raise FileFormatError(
                f"sample {sample_id!r} is given two draw dates",
                file=file_name,
                line=line,
                column="draw_date",
                value=raw,
                expected=manifest[sample_id].isoformat(),
            )
        manifest[sample_id] = draw_date
    return manifest
