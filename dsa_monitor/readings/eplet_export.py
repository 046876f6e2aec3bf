"""The eplet columns of the study export: each row's donor-recipient eplet mismatch loads (one
column per load) and, on a DSA's rows, its best candidate target eplet, with the table version.

Why beside every row: a statistician relates a load to de novo DSA without a join. Read with the
active table at export time, like every eplet answer (``docs/eplets.md``); a load one of whose
groups cannot be counted fully (an untyped locus, an allele absent from the table) names that
group in ``eplets_incomplete``; an untyped side leaves the load columns empty and says why.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from sqlite_utils import Database

from ..eplets import EpletTable, mismatch_load
from ..store import evaluation_inputs as bulk
from ..store.dsa_reading import dsa_reading
from .dsa_eplets import person_of, with_candidate_eplets

# One column per load: each class, then each class II group (class I is one group, ABC).
LOADS = (("class_I", None), ("class_II", None), ("DR", "DR"), ("DQ", "DQ"), ("DP", "DP"))
COLUMNS = (
    "eplet_table",
    *(f"eplets_{name}{kind}" for name, _ in LOADS for kind in ("", "_verified")),
    "eplets_incomplete",
    "candidate_eplet",
)


def export_eplets(
    db: Database, table: EpletTable | None, sera: Mapping[int, list[dict]]
) -> tuple[dict[tuple[int, str], dict[str, Any]], dict[tuple[int, str], str]]:
    """For ``store.study_sera`` rows: (recipient id, donor code) -> its load columns, and
    (evaluation id, DSA) -> the DSA's candidate line. Empty without a table."""
    if table is None:
        return {}, {}
    recipients = list(sera)
    own = bulk.current_typing_rows(db, "recipient", recipients)
    pairs = {
        (r, code): donor_id
        for r, exposures in bulk.recipient_exposures(db, recipients).items()
        for e in exposures
        for donor_id, code in e["donors"]
    }
    donors = bulk.current_typing_rows(db, "donor", set(pairs.values()))
    loads = {}
    for (recipient_id, code), donor_id in pairs.items():
        loads[(recipient_id, code)] = _columns(table, own.get(recipient_id), donors.get(donor_id))
    candidates = {}
    for recipient_id, points in sera.items():
        if any(state["positive"] for point in points for state in point["states"]):
            documents = dsa_reading(db, recipient_id)
            with_candidate_eplets(db, table, recipient_id, documents)
            candidates.update(
                {
                    (d["evaluation_id"], dsa["antigen"]): dsa["eplets"]["line"]
                    for d in documents
                    for dsa in d["dsa"]
                    if dsa["eplets"]
                }
            )
    return loads, candidates


def _columns(
    table: EpletTable, own: Mapping[str, Any] | None, donor: Mapping[str, Any] | None
) -> dict[str, Any]:
    if own is None or donor is None:
        who = "recipient" if own is None else "donor"
        return {"eplet_table": table.version, "eplets_incomplete": f"{who} not typed"}
    return _load_columns(table, own["id"], own["typing_json"], donor["id"], donor["typing_json"])


@lru_cache(maxsize=4096)
def _load_columns(
    table: EpletTable, own_id: int, own_json: str, donor_id: int, donor_json: str
) -> dict[str, Any]:
    """A pair's load columns, once per table and pair of typing versions."""
    load = mismatch_load(
        table,
        person_of(table, {"id": donor_id, "typing_json": donor_json}),
        person_of(table, {"id": own_id, "typing_json": own_json}),
    )
    by_class = load.by_class()
    found: dict[str, Any] = {"eplet_table": table.version}
    for name, group in LOADS:
        if group is None:
            total = by_class.get(name.split("_")[1], {})
            counts = (total.get("all"), total.get("antibody_verified"))
        else:
            counts = (
                (load.group(group).all, load.group(group).verified) if group in table.groups else (None, None)
            )
        found[f"eplets_{name}"], found[f"eplets_{name}_verified"] = counts
    found["eplets_incomplete"] = " ".join(g.group for g in load.groups if not g.complete)
    return found
