"""MFI as the lab file gave it: the shortest decimal that reads back as the stored float32.

Bead values are stored as float32 vectors; ``float(np.float32(2589.83))`` is 2589.830078125, noise
the file never held. Every door shows the shortest decimal that is the same float32 (2589.83),
and never rounds: 2,999.99 stays below a 3,000 cutoff in the text exactly as in its strength band.
"""

from __future__ import annotations

import math

import marshmallow as ma
import numpy as np


def shortest_float32(value: float | None) -> float | None:
    """The Python float of the shortest decimal naming the same float32 (2589.830078125 ->
    2589.83); a value already so written is unchanged."""
    if value is None:
        return None
    number = float(value)
    if not math.isfinite(number):
        return number
    return float(np.format_float_positional(np.float32(number), unique=True, trim="-"))


def mfi_text(value: float | None) -> str:
    """An MFI for people: thousands separated, every decimal the file gave, none invented
    (``2,999.99``, ``3,000``, ``12,345.5``); ``""`` for no value."""
    if value is None:
        return ""
    number = float(value)
    if not math.isfinite(number):
        return str(number)
    text = np.format_float_positional(np.float32(number), unique=True, trim="-")
    whole, _, decimals = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    grouped = f"{int(whole.lstrip('-')):,}"
    return f"{sign}{grouped}.{decimals}" if decimals else f"{sign}{grouped}"


class MFI(ma.fields.Float):
    """A float field for MFI values: dumped as ``shortest_float32``."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else shortest_float32(value)


def _clean(value, key: str = ""):
    if isinstance(value, dict):
        return {k: _clean(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v, key) for v in value]
    if "mfi" in key.lower() and isinstance(value, float):
        return shortest_float32(value)
    return value


class MFIPayload(ma.fields.Dict):
    """A free-form record (an alert's payload) whose ``*mfi*`` values are MFI: dumped as
    ``shortest_float32``, at any depth."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else _clean(super()._serialize(value, attr, obj, **kwargs))
