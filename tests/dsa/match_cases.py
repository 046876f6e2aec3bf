"""The stored matching cases (``tests/data/dsa/match_expectations.json``) and what tests make of
them: the generator that wrote them, its panels built once, each case's donor masks."""

from __future__ import annotations

import importlib.util
import json

from reference_paths import TEST_DATA

from dsa_monitor.dsa.donor import DonorHLA
from dsa_monitor.dsa.matching import DonorMatch, SerologyReference, match_donor

HERE = TEST_DATA / "dsa"
CASES = json.loads((HERE / "match_expectations.json").read_text())
_spec = importlib.util.spec_from_file_location("make_match_expectations", HERE / "make_match_expectations.py")
assert _spec is not None and _spec.loader is not None
generator = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generator)
PANELS: dict = {}


def panel(name: str):
    """A generator's panel, built once (a panel's masks are cached by its identity)."""
    if name not in PANELS:
        PANELS[name] = generator.PANELS[name]()
    return PANELS[name]


def case_match(case: dict, reference: SerologyReference) -> DonorMatch:
    """A stored case's donor masks under ``reference``."""
    recipient = case["recipient"]
    return match_donor(
        panel(case["panel"]),
        DonorHLA.from_names("D", case["donor"]),
        reference,
        None if recipient is None else DonorHLA.from_names("R", recipient),
    )
