"""MFI as the lab file gave it, on the API and the pages: no float32 noise, no rounding across a
strength cutoff (2,999.99 is weak: it is never shown as 3,000)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from evaluation.worked_sera import AS_OF, BASELINE, M1, make_world, upload_serum

from dsa_monitor.api import PREFIX as API
from dsa_monitor.api.mfi import shortest_float32
from dsa_monitor.evaluation import evaluate_pending
from dsa_monitor.reference.service import embedded
from dsa_monitor.sab.values import mfi_text
from dsa_monitor.store import tokens


@pytest.mark.parametrize(
    ("value", "number", "text"),
    [
        (np.float32(2589.83), 2589.83, "2,589.83"),
        (float(np.float32(2589.83)), 2589.83, "2,589.83"),  # 2589.830078125
        (np.float32(2999.99), 2999.99, "2,999.99"),  # weak (moderate from 3,000): never "3,000"
        (3000.0, 3000.0, "3,000"),
        (12345.5, 12345.5, "12,345.5"),
        (0.0, 0.0, "0"),
        (-42.25, -42.25, "-42.25"),
    ],
)
def test_the_shortest_decimal_of_the_float32(value, number, text):
    assert shortest_float32(value) == number
    assert mfi_text(value) == text
    assert np.float32(shortest_float32(value)) == np.float32(value)


def test_none_is_no_value():
    assert shortest_float32(None) is None and mfi_text(None) == ""


@pytest.fixture
def evaluated(db):
    ids = make_world(db)
    upload_serum(db, "WX-1-BL", BASELINE)
    upload_serum(db, "WX-1-M1", M1, mfi={"B*07:02": 2999.99, "A*03:01": 2589.83})
    evaluate_pending(db, reference=embedded(), as_of=AS_OF)
    return ids


def test_the_api_gives_the_files_values(app, db, evaluated):
    client = app.test_client()
    _, secret = tokens.create_token(db, "reader", "admin", user="test")
    response = client.get(
        f"{API}/recipients/{evaluated['WX-1']}/dsa", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "2589.830078125" not in text and "2999.989990234375" not in text
    [donor] = json.loads(text)["evaluations"]
    states = {d["antigen"]: next(s for s in d["states"] if s["visit"] == "M1") for d in donor["dsa"]}
    assert (states["B*07:02"]["mfi"], states["B*07:02"]["strength"]) == (2999.99, "weak")
    assert states["A*03:01"]["mfi"] == 2589.83
    m1 = next(v for v in donor["visits"] if v["visit"] == "M1")
    assert m1["immunodominant_mfi"] == 2999.99


def test_the_recipient_page_shows_the_files_values(signed_in, evaluated):
    page = signed_in("clinician").get(f"/recipients/{evaluated['WX-1']}").text
    dsa_table = page.split("<h2>DSA by visit</h2>")[1].split("</table>")[0]
    b7 = next(row for row in dsa_table.split("<tr>") if "B*07:02" in row and "M1" in row)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", b7, re.S)]
    assert "2,999.99" in cells and "weak" in cells
    assert "3,000" not in b7 and "2,589.830078125" not in page
    plot = page.split("<svg")[1].split("</svg>")[0]
    assert "2,999.99 MFI" in plot and "3,000 MFI" not in plot
