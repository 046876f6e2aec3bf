"""Python's cycle collector paused around work that makes millions of objects and no cycles.

An import (parse and store) and an evaluation run make rows, cells and results by the million
that live to the end of the work and form no reference cycles: reference counting frees them, and
the collector's passes would only walk them, and the process's reference data, again and again (a
fifth of an import's time, a fifth of a 10,000-recipient run's CPU time).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection inside; the collector as it was after. A pause already in force (a
    nested or concurrent one) is left to whoever started it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
