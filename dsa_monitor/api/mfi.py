"""MFI as the lab file gave it, in the API's JSON: marshmallow fields over ``sab.values``.

Bead values are stored as float32 vectors; ``float(np.float32(2589.83))`` is 2589.830078125, noise
the file never held. Every door shows the shortest decimal that is the same float32 (2589.83),
and never rounds: 2,999.99 stays below a 3,000 cutoff in the text exactly as in its strength band.
Even evaluations stored before the engine kept such values are shown so.
"""

from __future__ import annotations

import marshmallow as ma

from ..sab.values import reported


def shortest_float32(value: float | None) -> float | None:
    """``sab.values.reported`` that lets None through (an MFI field may be empty)."""
    return None if value is None else reported(value)


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
