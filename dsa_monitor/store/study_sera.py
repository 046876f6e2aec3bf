"""A study's sera as its current evaluations placed them: one query for the study grid and the
study report, however many recipients (the per-recipient reads would be thousands of queries)."""

from __future__ import annotations

import json
from collections.abc import Collection

from sqlite_utils import Database

from .evaluations import POINT_COLUMNS
from .pages import among
from .rows import select_rows


# The newest evaluation of each (recipient, exposure, donor) of a study: what is current.
def _current(page: str) -> str:
    return (
        "SELECT max(e.id) FROM evaluations e JOIN recipients r ON r.id = e.recipient_id"
        " WHERE r.study_id = ?" + page + " GROUP BY e.recipient_id, e.exposure_id, e.donor_id"
    )


_READ = ("position", "serum", "sample_ids", "date", "visit", "day", "excluded_reason")  # of a serum


def _sera(current: str) -> str:
    """The sera of the ``current`` evaluations: their rows, and those kept in an evaluation's
    own row (``evaluations.sera``: the point columns in order, read from each array)."""
    picked = ", ".join(f"json_extract(s.value, '$[{POINT_COLUMNS.index(c) - 1}]')" for c in _READ)
    return (
        f"SELECT evaluation_id, {', '.join(_READ)}"
        " FROM evaluation_points WHERE evaluation_id IN (" + current + ")"
        " UNION ALL SELECT e.id, " + picked + " FROM evaluations e, json_each(e.sera) s"
        " WHERE e.id IN (" + current + ") AND e.sera IS NOT NULL"
    )


def study_sera(
    db: Database, study_id: int, recipient_ids: Collection[int] | None = None
) -> dict[int, list[dict]]:
    """Per recipient id, every serum of its current evaluations in date order: evaluation id,
    exposure date, donor code, rules version, reference release, position, serum key, sample
    ids, date, visit, day, why excluded, and ``states``: each DSA state at it (target, mfi,
    positive, strength, status, rising, level), positive or not.
    Only ``recipient_ids`` when given (a page of the grid)."""
    page, page_params = among("e.recipient_id", recipient_ids)
    current = _current(page)
    sera = _sera(current)
    points: dict[tuple[int, int], dict] = {}
    found: dict[int, list[dict]] = {}
    for row in select_rows(
        db,
        "SELECT e.recipient_id, e.exposure_date, json_extract(e.summary, '$.donor_code')"
        " AS donor_code, e.rules_version, e.reference_release, p.evaluation_id, p.position,"
        " p.serum, p.sample_ids, p.date, p.visit, p.day, p.excluded_reason"
        " FROM (" + sera + ") p JOIN evaluations e ON e.id = p.evaluation_id"
        " ORDER BY e.recipient_id, p.date, p.evaluation_id, p.position",
        [study_id, *page_params, study_id, *page_params],
    ):
        row["sample_ids"] = json.loads(row["sample_ids"] or "[]")
        row["states"] = []
        points[(row["evaluation_id"], row["position"])] = row
        found.setdefault(row["recipient_id"], []).append(row)
    for state in select_rows(
        db,
        "SELECT s.evaluation_id, s.position, s.target, s.mfi, s.positive, s.strength, s.status,"
        " s.rising, s.level FROM dsa_states s WHERE s.evaluation_id IN (" + current + ")"
        " ORDER BY s.evaluation_id, s.position, s.target",
        [study_id, *page_params],
    ):
        state["positive"], state["rising"] = bool(state["positive"]), bool(state["rising"])
        point = points.get((state.pop("evaluation_id"), state.pop("position")))
        if point is not None:
            point["states"].append(state)
    return found
