"""``hla lookup`` and typings agree: a name gets a lookup error exactly when a typing refuses it."""

from __future__ import annotations

import pytest
from reference_paths import IMGT_358, need_shared

from dsa_monitor.errors import InvalidHLAName
from dsa_monitor.hla.lookup import lookup
from dsa_monitor.hla.names import Antigen, parse_name
from dsa_monitor.hla.typing import HLATyping
from dsa_monitor.reference.service import embedded, load_release


@pytest.fixture(params=["embedded", "3.58.0"], scope="module")
def reference(request):
    if request.param == "embedded":
        return embedded()
    return load_release(need_shared(IMGT_358))


def _typed(reference, name: str) -> str | None:
    """The message a typing holding ``name`` is refused with; None when accepted."""
    parsed = parse_name(name)
    locus = parsed.loci[0] if isinstance(parsed, Antigen) else parsed.locus
    try:
        HLATyping.from_loci({locus: [name]}, reference)
    except InvalidHLAName as error:
        return error.message
    return None


# name -> accepted with (embedded, 3.58.0)
AGREEMENT = {
    # XX codes: checked on their allele group. NMDP codes: refused without the NMDP code table
    # (never read as their allele group); see test_nmdp_codes.py for them with a table
    "A*02:AB": (False, False),
    "A*02:ZZZZ": (False, False),
    "A*99:XX": (False, False),
    "A*99:AB": (False, False),
    "DRB1*04:AB": (False, False),
    "DRB1*04:XX": (True, True),
    # serologic antigens: those of the reference only; Bw4/Bw6 always
    "A2": (True, True),
    "DR52": (True, True),
    "Bw4": (True, True),
    "Bw6": (True, True),
    "DP1": (False, False),
    "DPw4": (False, False),
    "A99": (False, False),
    "DR99": (False, False),
    # expression suffixes: the allele's own only
    "B*07:02N": (False, False),
    "A*24:02L": (False, False),
    "A*02:01Q": (False, False),
    "B*07:02:01N": (False, False),
    "A*24:09N": (True, True),
    "B*07:02:01:126N": (True, True),
    "A*02:01:14Q": (True, True),
    "A*24:09L": (True, False),  # embedded: A*24:09 not in its table, cannot be checked
}


@pytest.mark.parametrize("name", list(AGREEMENT))
def test_lookup_error_exactly_when_a_typing_is_refused(reference, name):
    accepted = AGREEMENT[name][0 if reference.is_embedded else 1]
    record = lookup(reference, name)
    assert (record["error"] is None) is accepted, record["error"]
    assert _typed(reference, name) == record["error"]


@pytest.mark.parametrize(
    ("name", "embedded_reason", "release_reason"),
    [
        (
            "A*99:XX",
            "no allele group A*99 in the embedded reference data "
            "(install an IPD-IMGT/HLA release to check newer groups)",
            "no allele group A*99 in IPD-IMGT/HLA 3.58.0",
        ),
        (
            "DP1",
            "no such serologic antigen in the embedded reference data, which has no DP antigen "
            "(DPw1-6 were cellular types): give DPB1 alleles",
            "no such serologic antigen in IPD-IMGT/HLA 3.58.0, which has no DP antigen "
            "(DPw1-6 were cellular types): give DPB1 alleles",
        ),
        (
            "DR99",
            "no such serologic antigen in the embedded reference data",
            "no such serologic antigen in IPD-IMGT/HLA 3.58.0",
        ),
    ],
)
def test_refusals_name_the_token_and_the_reference(reference, name, embedded_reason, release_reason):
    reason = embedded_reason if reference.is_embedded else release_reason
    assert lookup(reference, name)["error"] == f'"{name}": {reason}'


@pytest.mark.parametrize(
    ("name", "group", "antigen"),
    [("A*02:XX", "A*02", "A2"), ("DRB1*04:XX", "DRB1*04", "DR4")],
)
def test_an_xx_code_reads_as_its_allele_group(reference, name, group, antigen):
    """XX is no NMDP code: it stands for every allele of the group."""
    record = lookup(reference, name)
    assert (record["name"], record["antigen"], record["kind"]) == (group, antigen, "group")


def test_typing_xx_codes_stay_codes(reference):
    typing = HLATyping.from_loci({"A": ["A*02:XX"], "DRB1": ["DRB1*04:XX"]}, reference)
    assert [str(e) for e in typing.entries("A")] == ["A*02:XX", "A*02:XX"]
    assert [e.kind for e in typing.entries("DRB1")] == ["code", "code"]
    assert typing.entries("DRB1")[0].expansion == ()
