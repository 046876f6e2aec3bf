"""Recipient and donor typings side by side: which donor copies the recipient lacks."""

from __future__ import annotations

import pytest

from dsa_monitor.reference.service import embedded
from dsa_monitor.web.typings import (
    ANTIGEN_MATCH,
    MATCH,
    MISMATCH,
    NOT_COMPARED,
    serology_lookup,
    side_by_side,
)

REFERENCE = embedded()


def typing(**loci):
    return {"loci": {locus: [{"names": name.split("/")} for name in names] for locus, names in loci.items()}}


@pytest.mark.parametrize(
    "recipient, donor, verdict",
    [
        (["A*02:01", "A*03:01"], "A*02:01", MATCH),
        (["A*02:01", "A*03:01"], "A*02:01:01:01", MATCH),  # compared at two fields
        (["A*02:01", "A*03:01"], "A*02:05", ANTIGEN_MATCH),  # same antigen A2, another allele
        (["A*24:02", "A*03:01"], "A24", MATCH),  # an antigen against an allele of it
        (["A24", "A3"], "A*24:02", MATCH),
        (["A*01:01", "A*03:01"], "A*02:01", MISMATCH),
        (["A*23:01", "A*03:01"], "A*24:02", MISMATCH),  # sister splits of A9 differ
        (["A*24:02", "A*03:01"], "A9", NOT_COMPARED),  # a broad against its split: cannot tell
        (["A9", "A3"], "A*24:02", NOT_COMPARED),
        (["A*02:01", "A*03:01"], "A*24:02/A*24:03", MISMATCH),  # every candidate is A24
    ],
)
def test_each_donor_copy_is_compared_with_the_recipients_antigens(recipient, donor, verdict):
    (row,) = side_by_side(
        typing(A=recipient), [typing(A=[donor])], serology_lookup(REFERENCE), REFERENCE.broad_of
    )
    assert row.locus == "A"
    assert [c.text for c in row.recipient] == recipient
    assert [(c.text, c.verdict) for c in row.donors[0]] == [(donor, verdict)]


@pytest.mark.parametrize(
    "recipient, donor, verdict",
    [
        (["DQA1*01:02", "DQA1*05:01"], "DQA1*02:01", MISMATCH),  # no antigen: told at two fields
        (["DQA1*01:02", "DQA1*05:01"], "DQA1*05:01:01:02", MATCH),
        (["DQA1*01:02", "DQA1*05:01"], "DQA1*02:AB", NOT_COMPARED),  # a code: cannot tell
        (["DQA1*01", "DQA1*05:01"], "DQA1*02:01", NOT_COMPARED),  # the recipient at one field
    ],
)
def test_chains_without_antigens_are_compared_at_two_fields(recipient, donor, verdict):
    (row,) = side_by_side(
        typing(DQA1=recipient), [typing(DQA1=[donor])], serology_lookup(REFERENCE), REFERENCE.broad_of
    )
    assert [(c.text, c.verdict) for c in row.donors[0]] == [(donor, verdict)]


def test_loci_typed_on_one_side_only_are_shown_without_verdicts():
    rows = side_by_side(
        typing(A=["A*02:01"]),
        [typing(DRB1=["DRB1*07:01"]), None],
        serology_lookup(REFERENCE),
        REFERENCE.broad_of,
    )
    assert [(r.locus, [c.text for c in r.recipient]) for r in rows] == [("A", ["A*02:01"]), ("DRB1", [])]
    assert rows[0].donors == ((), ())  # donors untyped at A
    assert [(c.text, c.verdict) for c in rows[1].donors[0]] == [("DRB1*07:01", NOT_COMPARED)]
    assert rows[1].donors[1] == ()
