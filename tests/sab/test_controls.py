"""Control sera are recognised by name, vendors' and the lab's own; patients never are."""

import pytest

from dsa_monitor.errors import DSAMonitorError
from dsa_monitor.sab.controls import control_pattern, is_control_serum


@pytest.mark.parametrize(
    "name",
    [
        "LS-NC 026",
        "LS NC 026",
        "LSNC",
        "LS-PC 3",
        "PPS 008 1/2",
        "pps-12",  # One Lambda
        "Negative control serum",
        "NEG CONTROL",
        "Pos ctrl",
        "NC serum",
        "PC-Serum",
        "NCS 12",
        "neg serum",
        "Positive Control",
        "control serum 2",
        "ctrl-neg",
    ],
)
def test_vendor_and_lab_control_sera_are_recognised(name):
    assert is_control_serum((name, None))


@pytest.mark.parametrize(
    "name",
    [
        "Patient C",
        "P-17",
        "19s05189",
        "NC-17",
        "PC17",
        "6430019",
        "Ncube",
        "Poscher",
        "PPSA-1",
        "Control-7",
        "LSNCX",
        "",
        "  ",
    ],
)
def test_patient_names_are_not_control_sera(name):
    assert not is_control_serum((name, None))


def test_the_labs_own_pattern_adds_its_control_names():
    qc = control_pattern(r"^QC-\d+$|^IN-HOUSE")
    assert is_control_serum(("qc-12", None), qc)
    assert is_control_serum(("S1", "In-House pool"), qc)
    assert not is_control_serum(("QC-12b", None), qc)


def test_a_pattern_that_is_no_regular_expression_is_refused_with_the_reason():
    with pytest.raises(
        DSAMonitorError,
        match=r"control serum pattern '\(QC' is not a regular"
        r" expression: missing \), unterminated subpattern",
    ):
        control_pattern("(QC")


@pytest.mark.parametrize("pattern", ["^QC[[:digit:]]+", "[[]QC", "QC[a--b]"])
def test_a_pattern_python_would_read_another_way_is_refused_not_guessed(pattern):
    # "[[:digit:]]" is a POSIX class elsewhere; Python reads a set of "[:digt" and a literal "]"
    with pytest.raises(DSAMonitorError, match="is not a regular expression: Possible"):
        control_pattern(pattern)
