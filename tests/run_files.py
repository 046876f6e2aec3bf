"""Small HLA Fusion run files written by us: the day's run of a lab, patients of any service and
control sera side by side (an importable module, as ``reference_paths``)."""

from __future__ import annotations

from reference_paths import TEST_DATA

_LINES = (TEST_DATA / "ingest" / "fusion_two_samples.csv").read_text().splitlines()


def run_file(*samples: tuple[str, str]) -> bytes:
    """A Fusion export of the given (patient ID, sample ID) pairs, each with sample S24-001's
    four beads (class II, lot LS2A01NC21_013_00, run 2024-03-25)."""
    header = _LINES[0]
    rows = [r for r in _LINES[1:] if r.startswith('"P-17";"S24-001"')]
    lines = [header]
    for patient, sample in samples:
        lines += [r.replace('"P-17";"S24-001"', f'"{patient}";"{sample}"') for r in rows]
    return ("\n".join(lines) + "\n").encode()
