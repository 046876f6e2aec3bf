"""The document's patterns say what the validators do, character by character (issue 16): a
request the document calls valid is accepted, one it calls invalid is refused. Each pattern is
read as Python reads it and as an ECMA-262 validator does (jsonschema_rs, schemathesis's)."""

from __future__ import annotations

import datetime as dt
import random
import re
import unicodedata

import jsonschema_rs
import marshmallow as ma
import pytest

from dsa_monitor.alerts.subscriptions import _ADDRESS
from dsa_monitor.api import openapi_patterns as patterns
from dsa_monitor.api.schemas import IsoDate, code
from dsa_monitor.errors import DSAMonitorError
from dsa_monitor.sab.dates import date_format_of
from dsa_monitor.store.exposures import EARLIEST

EVERY = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)


def _members(character_class: str) -> list[str]:
    return re.findall(f"[{character_class}]", EVERY)


# The characters where the rules differ from plain text, and a fixed sample of all the others.
SPECIAL = sorted(set(_members(patterns.HIDDEN) + _members(patterns.WHITE) + _members(patterns.BLANK)))
SAMPLE = (
    SPECIAL
    + [chr(c) for c in random.Random(16).sample(range(0x20, 0xD800), 400)]
    + [chr(c) for c in random.Random(17).sample(range(0xE000, 0x110000), 400)]
    + list("@<>,;.a")
)


def documented(pattern: str):
    """Whether a text meets the pattern, asserting Python and ECMA-262 agree on it."""
    ecma = jsonschema_rs.validator_for({"type": "string", "pattern": pattern})

    def meets(text: str) -> bool:
        python = re.search(pattern, text) is not None
        assert ecma.is_valid(text) == python, (pattern[:40], text)
        return python

    return meets


def accepted_by(check):
    def accepts(text: str) -> bool:
        try:
            check(text)
        except (ma.ValidationError, DSAMonitorError):
            return False
        return True

    return accepts


def disagreements(meets, accepts, texts) -> list[str]:
    return [text for text in texts if meets(text) != accepts(text)]


def test_the_special_characters_are_what_unicode_says():
    hidden = {c for c in SPECIAL if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")}
    assert set(_members(patterns.HIDDEN)) == hidden
    assert set(_members(patterns.WHITE)) == {c for c in SPECIAL if c.isspace()}
    assert set(_members(patterns.BLANK)) == {c for c in SPECIAL if c.isspace()} - hidden


def test_a_code_meets_the_pattern_exactly_when_the_validators_accept_it():
    meets, accepts = documented(patterns.VISIBLE_TEXT), accepted_by(code().deserialize)
    texts = [t for c in SAMPLE for t in (c, f"{c}ab", f"a{c}b", f"ab{c}", f"{c}{c}")]
    assert disagreements(meets, accepts, texts) == []
    assert meets("LUP-03 M6") and not meets(" LUP") and not meets("LU\u200bP")


def test_an_address_meets_the_pattern_exactly_when_a_subscription_takes_it():
    meets = documented(patterns.EMAIL)

    def accepts(text: str) -> bool:
        return bool(_ADDRESS.match(text.strip().lower()))

    texts = [
        t
        for c in SAMPLE
        for t in (f"{c}a@b.c", f"a{c}@b.c", f"a@{c}b.c", f"a@b{c}.c", f"a@b.{c}c", f"a@b.c{c}", f"a@b{c}c")
    ]
    assert disagreements(meets, accepts, texts + ["a@b.c", "a@b", "@b.c", "a@@b.c"]) == []


def test_a_date_layout_meets_the_pattern_exactly_when_the_readers_take_it():
    meets, accepts = documented(patterns.DATE_LAYOUT), accepted_by(date_format_of)
    layouts = [
        "DD/MM/YYYY",
        "yyyy.mm.dd",
        "Mm-Dd-yYyY",
        " DD/MM/YYYY\t",
        "DD/MM-YYYY",
        "DD/DD/YYYY",
        "D/M/YYYY",
        "DD MM YYYY",
        "DD/MM/YY",
        "",
        "YYYY-MM-DD\u3000",
    ]
    texts = layouts + [f"DD/MM/YYYY{c}" for c in SAMPLE] + [f"{c}DD.MM.YYYY" for c in SAMPLE]
    assert disagreements(meets, accepts, texts) == []


@pytest.mark.parametrize(
    "text",
    [
        "2024-01-05",
        "1900-01-01",
        "1899-12-31",
        "0013-01-01",
        "9999-12-31",
        "20240105",
        "2024-W01-1",
        "2024-1-5",
        "2024-01-05T00:00",
        "١٩٠٠-01-01",
        "2024-02-30",
        " 2024-01-05",
    ],
)
def test_an_exposure_date_meets_the_pattern_and_format_exactly_when_the_field_takes_it(text):
    """``format: date`` is a calendar date; the pattern adds YYYY-MM-DD exactly, from 1900 on.
    The end of the range (a year after today) moves with the calendar: not in the document."""
    try:
        value = IsoDate().deserialize(text)
    except ma.ValidationError:
        value = None
    calendar = re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text) is not None
    try:
        calendar = calendar and bool(dt.date.fromisoformat(text))
    except ValueError:
        calendar = False
    assert (documented(patterns.DATE_FROM_1900)(text) and calendar) == (
        value is not None and value >= EARLIEST
    )
