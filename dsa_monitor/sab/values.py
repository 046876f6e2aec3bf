"""MFI values as the file gave them: stored as float32, shown as the shortest decimal that reads
back to the same float32 (``2589.83``, never ``2589.830078125``), so a value and its strength
band always agree (2,999.99 stays 2999.99, weak; it is never rounded up to 3000)."""

from __future__ import annotations

import numpy as np


def reported(value: float | np.floating) -> float:
    """The file's value of a stored float32 MFI (shortest decimal that round-trips)."""
    return float(np.format_float_positional(np.float32(value), unique=True, trim="-"))
