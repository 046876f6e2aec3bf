"""What an evaluation run stored and returned, without the ids that depend on writing order."""

from __future__ import annotations

import json


def stored_rows(db) -> list:
    """Every stored evaluation, serum and state, each evaluation named by (recipient, exposure,
    donor) rather than its id (ids are given in the order the rows are written)."""
    key = {
        row[0]: row[1:]
        for row in db.conn.execute("SELECT id, recipient_id, exposure_id, donor_id FROM evaluations")
    }
    heads = db.conn.execute(
        "SELECT recipient_id, exposure_id, donor_id, exposure_date, as_of, rules_version,"
        " rules, reference_release, inputs_fingerprint, baseline_serum, summary FROM evaluations"
        " ORDER BY recipient_id, exposure_id, donor_id"
    ).fetchall()
    points = sorted((key[r[0]], *r[1:]) for r in db.conn.execute("SELECT * FROM evaluation_points"))
    points += [  # an evaluation's sera kept in its own row, as rows
        (key[evaluation_id], *row)
        for evaluation_id, sera in db.conn.execute("SELECT id, sera FROM evaluations WHERE sera IS NOT NULL")
        for row in json.loads(sera)
    ]
    points.sort()
    states = sorted((key[r[0]], *r[1:]) for r in db.conn.execute("SELECT * FROM dsa_states"))
    return [heads, points, states]


def without_ids(results) -> list[dict]:
    found = [r.to_dict() for r in results]
    for result in found:
        for evaluation in result["evaluations"]:
            evaluation.pop("evaluation_id")
        for change in result["changes"]:
            change.pop("evaluation_id")
    return found
