"""Dates: ISO always, the lab's format when configured, day/month only when the file proves it."""

from __future__ import annotations

import datetime as dt

import pytest

from dsa_monitor.errors import FileFormatError
from dsa_monitor.sab.dates import DAY_FIRST, MONTH_FIRST, DateError, parse_date, read_dates

D = dt.date


@pytest.mark.parametrize(
    "text, date_format, order, expected",
    [
        ("2026-11-25", None, None, D(2026, 11, 25)),
        ("2026-11-25T08:30:00", None, None, D(2026, 11, 25)),
        ("2026-11-25", "%d-%m-%Y", None, D(2026, 11, 25)),  # ISO is never ambiguous
        ("25-11-2026", None, None, D(2026, 11, 25)),
        ("25.11.2026", None, None, D(2026, 11, 25)),
        ("11/25/2026", None, None, D(2026, 11, 25)),
        ("29-07-2019 14:05", None, None, D(2019, 7, 29)),
        ("05-05-2026", None, None, D(2026, 5, 5)),  # both orders agree
        ("10-12-2019", None, DAY_FIRST, D(2019, 12, 10)),
        ("10-12-2019", None, MONTH_FIRST, D(2019, 10, 12)),
        ("10-12-2019", "%d-%m-%Y", None, D(2019, 12, 10)),
        ("12/10/2019", "%m/%d/%Y", None, D(2019, 12, 10)),
    ],
)
def test_parse_date(text, date_format, order, expected):
    assert parse_date(text, date_format, order) == expected


@pytest.mark.parametrize(
    "text, date_format, reason",
    [
        ("10-12-2019", None, "ambiguous date"),
        ("03/04/2026", None, "ambiguous date"),
        ("29-07-19", None, "not a date"),  # two-digit year
        ("31-02-2026", None, "not a calendar date"),
        ("2026-02-30", None, "not a calendar date"),
        ("13-13-2026", None, "neither number can be a month"),
        ("yesterday", None, "not a date"),
        ("2026/11/25", "%d-%m-%Y", "not a date in the format %d-%m-%Y (like 25-11-2026)"),
    ],
)
def test_parse_date_refuses(text, date_format, reason):
    with pytest.raises(DateError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        parse_date(text, date_format)


def test_an_unambiguous_date_in_the_same_column_settles_the_order():
    cells = [(2, "10-12-2019"), (3, "10-12-2019"), (9, "29-07-2019"), (10, "")]
    dates = read_dates(cells, file="f.csv", column="RunDate", date_format=None)
    assert dates == {"10-12-2019": D(2019, 12, 10), "29-07-2019": D(2019, 7, 29)}


def test_ambiguous_dates_without_evidence_are_an_error_at_their_line():
    with pytest.raises(FileFormatError) as caught:
        read_dates([(2, "04-12-2019"), (3, "04-12-2019")], file="f.csv", column="Run Date", date_format=None)
    error = caught.value
    assert (error.line, error.column, error.value) == (2, "Run Date", "04-12-2019")
    assert "configure the lab's date format" in error.message


def test_contradicting_dates_are_an_error():
    with pytest.raises(FileFormatError, match="dates contradict each other: line 2") as caught:
        read_dates([(2, "29-07-2019"), (5, "07/29/2019")], file="f.csv", column="RunDate", date_format=None)
    assert caught.value.line == 5


def test_configured_format_is_used_for_every_date():
    dates = read_dates(
        [(2, "04-12-2019"), (3, "2019-12-05")], file="f.csv", column="d", date_format="%d-%m-%Y"
    )
    assert dates == {"04-12-2019": D(2019, 12, 4), "2019-12-05": D(2019, 12, 5)}


@pytest.mark.parametrize(
    "text, date_format, expected",
    [
        ("10-12-2019", "%d/%m/%Y", D(2019, 12, 10)),  # the layout's order, whatever the separator
        ("10.12.2019 14:05", "%m-%d-%Y", D(2019, 10, 12)),
        ("29-07-2019", "%d/%m/%Y", D(2019, 7, 29)),
    ],
)
def test_a_chosen_layout_reads_its_order_with_any_separator(text, date_format, expected):
    assert parse_date(text, date_format) == expected


def test_a_date_that_contradicts_the_chosen_layout_is_refused():
    with pytest.raises(
        DateError,
        match=r"29-07-2019 cannot be read in the layout %m/%d/%Y"
        r" \(day-first\)",
    ):
        parse_date("29-07-2019", "%m/%d/%Y")
