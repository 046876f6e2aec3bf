import datetime as dt

import pytest

from dsa_monitor.errors import FileFormatError
from dsa_monitor.ingest import read_manifest


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "sample_id,draw_date\nS1,2024-03-20\nS2,2024-03-21\n",
            {"S1": dt.date(2024, 3, 20), "S2": dt.date(2024, 3, 21)},
        ),
        ("\ufeffSample_ID,Draw_Date\r\n S1 , 2024-03-20\r\n\r\n", {"S1": dt.date(2024, 3, 20)}),
        (
            "draw_date,sample_id,note\n2024-03-20,S1,x\n2024-03-20,S1,same again\n",
            {"S1": dt.date(2024, 3, 20)},
        ),
    ],
)
def test_a_manifest_maps_lab_sample_ids_to_draw_dates(text, expected):
    assert read_manifest(text.encode(), "m.csv") == expected


@pytest.mark.parametrize(
    "text, line, column, message",
    [
        ("sample,date\nS1,2024-03-20\n", 1, None, "missing column 'sample_id'"),
        ("sample_id,draw_date\nS1,20/03/2024\n", 2, "draw_date", "not an ISO date"),
        ("sample_id,draw_date\nS1,2024-03-20\nS1,2024-03-21\n", 3, "draw_date", "two draw dates"),
        ("sample_id,draw_date\n,2024-03-20\n", 2, "sample_id", "empty sample ID"),
    ],
)
def test_a_bad_manifest_is_located_to_line_and_column(text, line, column, message):
    with pytest.raises(FileFormatError, match=message) as raised:
        read_manifest(text.encode(), "m.csv")
    assert (raised.value.file, raised.value.line, raised.value.column) == ("m.csv", line, column)


TODAY = dt.datetime.now(dt.UTC).date()


@pytest.mark.parametrize(
    "drawn, message",
    [
        (TODAY + dt.timedelta(days=2), "sample 'S1': the draw date is in the future"),
        (TODAY + dt.timedelta(days=400), "sample 'S1': the draw date is in the future"),
        (dt.date(1899, 12, 31), "sample 'S1': the draw date is before 1900"),
    ],
)
def test_an_impossible_draw_date_is_refused_with_its_line_and_value(drawn, message):
    text = f"sample_id,draw_date\nS0,2024-03-20\nS1,{drawn.isoformat()}\n"
    with pytest.raises(FileFormatError, match=message) as raised:
        read_manifest(text.encode(), "m.csv")
    assert (raised.value.file, raised.value.line, raised.value.column, raised.value.value) == (
        "m.csv",
        3,
        "draw_date",
        drawn.isoformat(),
    )
    assert raised.value.message.startswith("m.csv, line 3, column draw_date: sample 'S1'")


@pytest.mark.parametrize("drawn", [TODAY + dt.timedelta(days=1), TODAY, dt.date(1900, 1, 1)])
def test_a_possible_draw_date_is_read(drawn):
    text = f"sample_id,draw_date\nS1,{drawn.isoformat()}\n"
    assert read_manifest(text.encode(), "m.csv") == {"S1": drawn}
