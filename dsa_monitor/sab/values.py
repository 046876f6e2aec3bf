"""MFI values as the file gave them: stored as float32, shown as the shortest decimal that reads
back to the same float32 (``2589.83``, never ``2589.830078125``), so a value and its strength
band always agree (2,999.99 stays 2999.99, weak; it is never rounded up to 3,000)."""

from __future__ import annotations

import math

import numpy as np


def _shortest(number: float) -> str:
    return np.format_float_positional(np.float32(number), unique=True, trim="-")


_EXACT_INTEGERS = 2.0**24  # every integer below it is a float32, written as itself


def reported(value: float | np.floating) -> float:
    """The file's value of a stored float32 MFI (shortest decimal that round-trips); a whole
    number a float32 holds exactly is that number (most MFI shown: zero sums, whole values)."""
    number = float(value)
    if -_EXACT_INTEGERS < number < _EXACT_INTEGERS and number.is_integer():
        return number
    return float(_shortest(number)) if math.isfinite(number) else number


def mfi_text(value: float | np.floating | None) -> str:
    """An MFI for people: thousands separated, every decimal the file gave, none invented
    (``2,999.99``, ``3,000``, ``12,345.5``); ``""`` for no value."""
    if value is None:
        return ""
    number = float(value)
    if not math.isfinite(number):
        return str(number)
    whole, _, decimals = _shortest(number).partition(".")
    sign = "-" if whole.startswith("-") else ""
    grouped = f"{int(whole.lstrip('-')):,}"
    return f"{sign}{grouped}.{decimals}" if decimals else f"{sign}{grouped}"
