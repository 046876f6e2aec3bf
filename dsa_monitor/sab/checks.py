"""The one check every reader's results pass before anything is stored: identifiers on one line,
numbers finite and in range.

Readers differ in how they find a value (a CSV cell, an XML element, a block of an instrument
export); what a value may be does not. A sample ID, patient ID, lot or kit with a control
character or a line break (a quoted CSV field, an XML character reference) would reach e-mail
headers, logs and file names; it is refused like a code typed into the API. A bead count of
12345678901234567890, an MFI of ``nan`` or -inf are no measurement, and a count past 2**63 cannot
even be stored: each is refused with the line and the column it came from.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from itertools import repeat
from operator import attrgetter, le

from ..errors import FileFormatError
from .model import BeadResult, ParsedFile, SampleResult

# Ten million: over 150 times the 16-bit ceiling of a Luminex reading (65,535), and far past any
# background-adjusted or antigen-density value, yet well inside float32 and SQLite integers.
VALUE_CEILING = 10_000_000
# Field -> (lowest, highest, whole numbers only). A raw or normalised MFI may be negative only
# where a reader subtracts a background (One Lambda NormalValue, LIFECODES BCM and ratios).
VALUE_RANGES: dict[str, tuple[float, float, bool]] = {
    "raw_mfi": (0, VALUE_CEILING, False),
    "normalized_mfi": (-VALUE_CEILING, VALUE_CEILING, False),
    "bcm": (-VALUE_CEILING, VALUE_CEILING, False),
    "bcr": (-VALUE_CEILING, VALUE_CEILING, False),
    "ad_bcr": (-VALUE_CEILING, VALUE_CEILING, False),
    "ad_bcm": (-VALUE_CEILING, VALUE_CEILING, False),
    "count": (0, VALUE_CEILING, True),
}
# How a refusal names a field when the reader did not say which column held it.
FIELD_LABELS = {
    "sample_id": "sample ID",
    "patient_id": "patient ID",
    "lot": "lot",
    "kit": "kit",
    "well": "well",
    "raw_mfi": "raw MFI",
    "normalized_mfi": "normalised MFI",
    "bcm": "BCM",
    "bcr": "BCR",
    "ad_bcr": "AD-BCR",
    "ad_bcm": "AD-BCM",
    "count": "bead count",
}
IDENTIFIERS = ("sample_id", "patient_id", "lot", "kit", "well")
# C0 and C1 controls (tab, CR and LF among them) and the Unicode line and paragraph separators.
_NOT_IN_IDENTIFIER = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_IDENTIFIER_GETTERS = {name: attrgetter(name) for name in IDENTIFIERS}
_VALUE_GETTERS = {name: attrgetter(name) for name in VALUE_RANGES}


def value_problem(field: str, value: float) -> str | None:
    """Why ``value`` cannot be a ``field`` (``VALUE_RANGES``), or None when it can."""
    lowest, highest, whole = VALUE_RANGES[field]
    if not math.isfinite(value):
        return "not a finite number"
    if whole and not float(value).is_integer():
        return "not a whole number"
    if value < lowest:
        return "negative value" if lowest == 0 else f"below {lowest:,}"
    if value > highest:
        return f"over {highest:,}"
    return None


def expected_value(field: str) -> str:
    lowest, highest, whole = VALUE_RANGES[field]
    return f"a {'whole ' if whole else ''}number from {lowest:,} to {highest:,}"


def identifier_problem(text: str) -> str | None:
    """Why ``text`` cannot be an identifier, or None when it can."""
    found = _NOT_IN_IDENTIFIER.search(text)
    if found is None:
        return None
    what = "a line break" if found.group() in "\r\n\u2028\u2029" else "a control character"
    return f"holds {what} ({found.group()!r} at character {found.start() + 1})"


def value_refusal(
    field: str, value: float, *, file: str, line: int | None, column: str | None, bead_id: str
) -> FileFormatError | None:
    """The refusal of a bead's ``field`` value located to its cell, or None when it is sound;
    for a reader that knows a value's cell better than ``check_parsed`` can."""
    problem = value_problem(field, value)
    if problem is None:
        return None
    return FileFormatError(
        f"bead {bead_id!r}: {problem}",
        file=file,
        line=line,
        column=column,
        value=value,
        expected=expected_value(field),
    )


def check_parsed(parsed: ParsedFile) -> None:
    """Refuse the file at its first identifier or number that no reader may pass on.

    The column named is the file's own (``ParsedFile.columns``) where the reader said it, else
    the field's name; the line is the sample's first line, or the bead's.
    """
    for sample in parsed.samples:
        _check_identifiers(parsed, sample)
        _check_values(parsed, sample.beads)


def _check_identifiers(parsed: ParsedFile, sample: SampleResult) -> None:
    for field, getter in _IDENTIFIER_GETTERS.items():
        text = getter(sample)
        problem = None if text is None else identifier_problem(text)
        if problem:
            raise FileFormatError(
                f"the {FIELD_LABELS[field]} {problem}",
                file=parsed.file_name,
                line=sample.line,
                column=parsed.columns.get(field, FIELD_LABELS[field]),
                value=text,
                expected="text on one line without control characters",
            )


def _check_values(parsed: ParsedFile, beads: Sequence[BeadResult]) -> None:
    for field, getter in _VALUE_GETTERS.items():
        values = list(map(getter, beads))
        if values.count(None) == len(values):
            continue
        lowest, highest, whole = VALUE_RANGES[field]
        present = values if None not in values else [v for v in values if v is not None]
        # min/max alone would let a NaN through: it compares false with everything. (``map`` over
        # ``operator.le``: the same comparisons as a generator, at C speed, 5,152 sera × 80 beads.)
        if (
            all(map(le, repeat(lowest), present))
            and all(map(le, present, repeat(highest)))
            and (not whole or all(map(float.is_integer, map(float, present))))
        ):
            continue
        column = parsed.columns.get(field, FIELD_LABELS[field])
        for bead, value in zip(beads, values, strict=True):
            refusal = (
                None
                if value is None
                else value_refusal(
                    field, value, file=parsed.file_name, line=bead.line, column=column, bead_id=bead.bead_id
                )
            )
            if refusal is not None:
                raise refusal
