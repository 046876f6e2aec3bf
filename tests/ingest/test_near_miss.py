"""Names one edit, or one folding of case, spaces and punctuation, away from an enrolled ID."""

import pytest

from dsa_monitor.ingest.near_miss import NearMisses

ENROLLED = ["P-17", "19s05189", "Patient C", "AB1234"]


@pytest.mark.parametrize(
    "name, near",
    [
        ("P-18", ["P-17"]),  # one replaced
        ("P-177", ["P-17"]),  # one inserted
        ("P17", ["P-17"]),  # one deleted
        ("p 17", ["P-17"]),  # case, space, punctuation
        ("19S05189", ["19s05189"]),
        ("19s05198", []),  # two edits (a transposition)
        ("Patient S", ["Patient C"]),
        ("P-17", []),  # itself is no near miss
        ("AB-12-34", ["AB1234"]),
        ("XY", []),
    ],
)
def test_near_misses(name, near):
    assert NearMisses(ENROLLED).near(name) == near
