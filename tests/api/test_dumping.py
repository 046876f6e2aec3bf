"""The fast dump of response schemas gives what ``Schema.dump`` gives, for every shape it meets."""

from __future__ import annotations

from dataclasses import dataclass

import marshmallow as ma
import numpy as np
import pytest

from dsa_monitor.api import dumping
from dsa_monitor.api.dsa import RecipientDSASchema
from dsa_monitor.api.mfi import MFI, MFIPayload, shortest_float32


class Bead(ma.Schema):
    bead_id = ma.fields.String(required=True)
    mfi = MFI(required=True, allow_none=True)


class Reading(ma.Schema):
    name = ma.fields.String(required=True)
    count = ma.fields.Integer()
    ratio = ma.fields.Float(allow_none=True)
    flag = ma.fields.Boolean()
    beads = ma.fields.List(ma.fields.Nested(Bead))
    best = ma.fields.Nested(Bead, allow_none=True)
    many = ma.fields.Nested(Bead, many=True)
    only_ids = ma.fields.Nested(Bead(only=("bead_id",)), many=True)
    tags = ma.fields.List(ma.fields.String())
    extra = ma.fields.Dict()
    payload = MFIPayload()
    renamed = ma.fields.String(data_key="shown_as")
    taken = ma.fields.String(attribute="source")
    made = ma.fields.Function(lambda obj: f"made from {obj['name']}")
    fallback = ma.fields.String(dump_default="none given")


@dataclass
class BeadObject:
    bead_id: str
    mfi: float


def test_every_field_kind_dumps_as_marshmallow_dumps_it():
    data = {
        "name": "R1",
        "count": "7",  # formatted by the field (int), as marshmallow does
        "ratio": None,
        "flag": 1,
        "beads": [{"bead_id": "3", "mfi": 2589.830078125, "ignored": True}, None],
        "best": BeadObject("9", 2999.989990234375),  # an object: read by attribute
        "many": [{"bead_id": "4", "mfi": 100.0}],
        "only_ids": [{"bead_id": "5", "mfi": 1.0}],
        "tags": ["a", 2],
        "extra": {"k": [1, 2]},
        "payload": {"nested": {"peak_mfi": 2589.830078125}},
        "renamed": "x",
        "source": "from another key",
        "undeclared": "dropped",
    }
    schema = Reading()
    expected = schema.dump(data)
    found = dumping.dumper_of(schema)(data)
    assert found == expected
    assert found["shown_as"] == "x" and found["taken"] == "from another key"
    assert found["beads"][0] == {"bead_id": "3", "mfi": 2589.83}
    assert found["best"] == {"bead_id": "9", "mfi": 2999.99}
    assert found["fallback"] == "none given" and found["made"] == "made from R1"
    assert "count" in found and "undeclared" not in found


def test_absent_keys_are_left_out_as_marshmallow_leaves_them_out():
    schema = Reading()
    data = {"name": "only a name"}
    assert dumping.dumper_of(schema)(data) == schema.dump(data)


def test_a_schema_with_dump_hooks_is_dumped_by_marshmallow_itself():
    class Hooked(ma.Schema):
        value = ma.fields.Integer()

        @ma.post_dump
        def doubled(self, data, **kwargs):
            return {"value": data["value"] * 2}

    assert dumping.dumper_of(Hooked())({"value": 2}) == {"value": 4}


def test_the_check_raises_on_a_difference(monkeypatch):
    schema = Bead()
    dump = dumping.dumper_of(schema)
    monkeypatch.setattr(schema, "dump", lambda data: {"bead_id": "something else"})
    monkeypatch.setattr(dumping, "CHECK", True)
    with pytest.raises(dumping.DumpMismatch):
        dump({"bead_id": "1", "mfi": 1.0})


def test_a_dsa_reading_with_states_and_beads_dumps_the_same():
    reading = {
        "recipient_id": 1,
        "subject_code": "S-01",
        "study": "T1",
        "pending": False,
        "evaluations": [
            {
                "evaluation_id": 4,
                "exposure_id": 1,
                "exposure_date": "2026-01-01",
                "donor_id": 2,
                "donor_code": "D-1",
                "as_of": None,
                "reference_release": "3.58.0",
                "rules": {"version": "v", "cutoffs": {"A": 1000.0}},
                "baseline_serum": "S-01 baseline",
                "summary": {"dsa": 1},
                "overdue": [{"visit": "M6"}],
                "notes": [],
                "visits": [
                    {
                        "position": 0,
                        "serum": "s",
                        "date": "2026-01-01",
                        "visit": "baseline",
                        "timing": None,
                        "day": 0,
                        "sample_ids": [1, 2],
                        "excluded_reason": None,
                        "immunodominant_mfi": 4123.4501953125,
                        "sum_mfi": 4123.4501953125,
                        "by_class": [
                            {
                                "hla_class": "I",
                                "immunodominant_dsa": "A2",
                                "immunodominant_mfi": 1.5,
                                "sum_mfi": 1.5,
                            }
                        ],
                        "self_beads": [],
                        "notes": [],
                    }
                ],
                "dsa": [
                    {
                        "antigen": "A2",
                        "hla_class": "I",
                        "level": "serologic",
                        "chain": None,
                        "origin": "de novo",
                        "earlier_serum_date": None,
                        "warnings": [],
                        "eplets": None,
                        "states": [
                            {
                                "serum": "s",
                                "date": "2026-01-01",
                                "visit": "M3",
                                "sample_id": 3,
                                "mfi": 4123.4501953125,
                                "value_kind": "normalized",
                                "positive": True,
                                "strength": "moderate",
                                "status": "de novo",
                                "rising": False,
                                "consecutive": 1,
                                "previous_mfi": None,
                                "assay_changed": False,
                                "assay": None,
                                "previous_assay": None,
                                "beads": [{"bead_id": "12", "mfi": 4123.4501953125}],
                                "warnings": [],
                                "earlier_serum_date": None,
                                "target": "A2",
                            }
                        ],
                    }
                ],
                "eplet_table": None,
            }
        ],
    }
    schema = RecipientDSASchema()
    assert dumping.dumper_of(schema)(reading) == schema.dump(reading)


def test_whole_mfi_values_are_shown_as_the_shortest_float32_decimal_gives_them():
    rng = np.random.default_rng(17)
    values = np.concatenate(
        [
            rng.integers(-(2**24), 2**24, 5_000).astype(np.float32),
            rng.uniform(-30_000, 30_000, 5_000).astype(np.float32),
            np.array([0.0, -0.0, 2999.99, 16777215.0, 16777217.0, 2.0**25, 1e-3], dtype=np.float32),
        ]
    )
    for value in values:
        written = np.format_float_positional(value, unique=True, trim="-")
        assert shortest_float32(float(value)) == float(written), written


def test_a_schema_that_nests_itself_dumps_as_marshmallow_dumps_it():
    class Node(ma.Schema):
        name = ma.fields.String()
        children = ma.fields.List(ma.fields.Nested(lambda: Node()))
        parent = ma.fields.Nested(lambda: Node(only=("name",)), allow_none=True)

    tree = {
        "name": "root",
        "parent": None,
        "children": [{"name": "a", "children": [], "parent": {"name": "root"}}],
    }
    schema = Node()
    assert dumping.dumper_of(schema)(tree) == schema.dump(tree)
