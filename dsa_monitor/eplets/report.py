"""A recipient's eplet reading, JSON-ready: the same dict for the API and the command line.

Why here and not in a door: the API and ``dsa-monitor eplets`` show the same thing, and no door
may import another; the doors only read the stored typings and hand them over.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .load import mismatch_load
from .placement import person_eplets, stored_loci
from .tables import EpletTable


def recipient_reading(
    table: EpletTable,
    recipient_typing: Mapping[str, Any] | None,
    donors: Sequence[tuple[str, Mapping[str, Any] | None]],
) -> dict[str, Any]:
    """Each donor's load against the recipient (stored ``HLATyping.to_dict()`` forms; a donor
    is ``(code, typing or None)``), with how every typed copy was placed in the table."""
    reading: dict[str, Any] = {
        "eplet_table": table.version,
        "source": table.source,
        "recipient": None,
        "donors": [],
    }
    recipient = None
    if recipient_typing is not None:
        recipient = person_eplets(table, stored_loci(recipient_typing))
        reading["recipient"] = {"placements": [p.to_dict() for p in recipient.placements]}
    for code, typing in donors:
        entry: dict[str, Any] = {"donor": code, "placements": [], "load": None, "note": None}
        if typing is None:
            entry["note"] = "donor not typed: no eplet load"
        else:
            donor = person_eplets(table, stored_loci(typing))
            entry["placements"] = [p.to_dict() for p in donor.placements]
            if recipient is None:
                entry["note"] = "recipient not typed: no eplet load"
            else:
                entry["load"] = mismatch_load(table, donor, recipient).to_dict()
        reading["donors"].append(entry)
    return reading


def text_lines(reading: Mapping[str, Any]) -> list[str]:
    """The reading as lines for a terminal: per donor, loads per class and group, then eplets."""
    lines = [f"eplet table {reading['eplet_table']}"]
    for donor in reading["donors"]:
        lines.append(f"donor {donor['donor']}")
        if donor["load"] is None:
            lines.append(f"  {donor['note']}")
            continue
        for hla_class, total in donor["load"]["by_class"].items():
            mark = "" if total["complete"] else " (incomplete, see notes)"
            lines.append(
                f"  class {hla_class}: {total['all']} eplets, "
                f"{total['antibody_verified']} antibody-verified{mark}"
            )
        for group in donor["load"]["groups"]:
            names = (
                ", ".join(e["name"] + ("*" if e["antibody_verified"] else "") for e in group["eplets"])
                or "none"
            )
            lines.append(
                f"    {group['group']}: {group['all']} ({group['antibody_verified']}"
                f" antibody-verified): {names}"
            )
            lines.extend(f"      note: {n}" for n in group["notes"])
    lines.append("* antibody-verified")
    return lines
