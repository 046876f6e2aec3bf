"""What a clinician sees at a glance (issue 15), on the demo trial, through the pages: negative
monitoring is visible on the plot and in "DSA by visit"; the QC-failed run is drawn."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from demo_built import demo, demo_app, demo_file  # noqa: F401  (fixtures)

from dsa_monitor import store

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def ids(demo):  # noqa: F811  (the imported fixture)
    return demo[2].recipients


def plot_of(page: str) -> ET.Element:
    return ET.fromstring(re.search(r"<svg .*?</svg>", page, re.S)[0])


def classes(root, name):
    return [e for e in root.iter() if name in (e.get("class") or "").split()]


def test_a_recipient_monitored_negative_shows_a_year_of_negative_sera(signed_in, ids):
    page = signed_in("clinician").get(f"/recipients/{ids['LUP-02']}").text
    plot = plot_of(page)
    assert not classes(plot, "dsa-line")
    sera = classes(plot, "serum")
    assert [g.get("data-visit") for g in sera] == ["baseline", "M1", "M3", "M6", "M9", "M12"]
    xs = [float(g.find(SVG + "rect").get("x")) for g in sera]
    assert xs[-1] - xs[0] > 400  # before: a few days around the infusion
    assert [t.text for t in classes(plot, "baseline-label")] == ["baseline"]
    assert classes(plot, "empty")[0].text == "No DSA in the 6 sera tested so far"
    assert "target dates" in classes(plot, "x-caption")[0].text
    table = page.split("<h2>DSA by visit</h2>")[1].split("</table>")[0]
    negatives = re.findall(r'<tr class="serum-row status-negative"><td>(\w+)</td>', table)
    assert negatives == ["baseline", "M1", "M3", "M6", "M9", "M12"]


def test_the_qc_failed_run_is_drawn_and_the_serum_still_counts(signed_in, ids):
    plot = plot_of(signed_in("clinician").get(f"/recipients/{ids['LUP-05']}").text)
    [failed] = classes(plot, "serum-qc-failed")
    assert failed.get("data-visit") == "M6"
    assert failed.find(SVG + "title").text.startswith("QC failed: class I run LUP-05-M6")
    assert "M6" in [g.get("data-visit") for g in classes(plot, "serum-usable")]  # class II


def test_preformed_and_rising_are_marked_on_the_plot(signed_in, ids):
    plot = plot_of(signed_in("clinician").get(f"/recipients/{ids['LUP-01']}").text)
    marked = [(g.get("data-status"), g.get("class")) for g in classes(plot, "point")]
    assert marked[0] == ("preformed", "point preformed")
    assert ("persistent", "point rising") in marked


def test_the_de_novo_dsa_is_ringed_and_its_negative_sera_before_it_listed(signed_in, ids, db):
    page = signed_in("clinician").get(f"/recipients/{ids['LUP-03']}").text
    assert [g.get("data-status") for g in classes(plot_of(page), "de-novo")] == ["de_novo"]
    table = page.split("<h2>DSA by visit</h2>")[1].split("</table>")[0]
    assert re.findall(r'<tr class="serum-row status-negative"><td>(\w+)</td>', table) == ["baseline", "M1"]
    assert store.get_recipient(db, ids["LUP-03"])["subject_code"] == "LUP-03"


def grid_cells(page: str) -> dict[str, dict[str, tuple[str, str]]]:
    """subject -> visit -> (cell state, text) of the study page's grid."""
    table = page.split('<table class="visit-grid">')[1].split("</table>")[0]
    found = {}
    for subject, row in re.findall(r'<tr data-subject="([^"]+)">(.*?)</tr>', table, re.S):
        found[subject] = {
            visit: (state, re.sub(r"<[^>]+>", "", text).strip())
            for state, visit, text in re.findall(
                r'<td class="cell cell-([\w-]+)" data-visit="([^"]+)"[^>]*>(.*?)</td>', row, re.S
            )
        }
    return found


def test_the_study_page_leads_with_recipients_by_visits(signed_in, ids):
    client = signed_in("clinician")
    page = client.get("/studies/MSC-SLE").text
    assert page.index("Recipients × visits") < page.index("<h2>Recipients</h2>")
    cells = grid_cells(page)
    assert list(cells) == [f"LUP-0{i}" for i in range(1, 9)]
    assert list(cells["LUP-03"]) == ["baseline", "M1", "M3", "M6", "M9", "M12"]
    assert cells["LUP-03"]["M1"] == ("negative", "negative")
    assert cells["LUP-03"]["M3"] == ("dsa", "A*24:02 weak, de novo at M3")
    assert cells["LUP-03"]["M6"][0] == "dsa" and "de novo at M3" in cells["LUP-03"]["M6"][1]
    assert cells["LUP-01"]["baseline"] == ("dsa", "A*03:01 weak, preformed (baseline)")
    assert cells["LUP-08"]["M12"][0] == "overdue"
    assert {state for state, _ in cells["LUP-02"].values()} == {"negative"}
    link = re.search(r'data-visit="M3"[^>]*><a href="([^"]+)"', page.split('data-subject="LUP-03"')[1])[1]
    serum = client.get(link).text  # a click opens the serum
    assert "Serum LUP-03-M3" in serum and "<strong>DSA</strong> (donor UC-MSC-03)" in serum


def test_the_grid_is_searched_sorted_and_paged_past_100_recipients(signed_in, db):
    for n in range(105):
        store.create_recipient(db, "MSC-SLE", f"ZZ-{n:03d}", user="setup")
    client = signed_in("clinician")
    first = client.get("/studies/MSC-SLE").text
    assert len(grid_cells(first)) == 100 and "page 1 of 2" in first
    second = grid_cells(client.get("/studies/MSC-SLE?page=2").text)
    assert list(second)[-1] == "ZZ-104" and len(second) == 13
    assert list(grid_cells(client.get("/studies/MSC-SLE?q=lup-0").text)) == [f"LUP-0{i}" for i in range(1, 9)]
    by_dsa = list(grid_cells(client.get("/studies/MSC-SLE?q=LUP&sort=dsa").text))
    assert by_dsa[:2] == ["LUP-01", "LUP-03"]  # A*03:01 5,900 then A*24:02 4,100
    assert grid_cells(client.get("/studies/MSC-SLE?q=ZZ-000").text)["ZZ-000"]["M1"] == (
        "not-evaluated",
        "not evaluated yet",
    )


def test_the_serum_page_lists_third_party_antibodies_as_such(signed_in, ids, db):
    [baseline] = [
        s
        for s in store.list_samples(db, recipient_id=ids["LUP-06"])
        if s["lab_sample_id"] == "LUP-06-baseline" and s["hla_class"] == "I"
    ]
    client = signed_in("clinician")
    page = client.get(f"/recipients/{ids['LUP-06']}/sera/{baseline['id']}?sort=mfi").text
    others = page.split("not donor-specific</h2>")[1].split("</section>")[0]
    assert re.findall(r"<strong>anti-([^<]+)</strong> ([\d,.]+) MFI", others)[0][0] == "B*08:01"
    rows = re.findall(r'<tr class="bead match-([\w-]+)"><td>[^<]*</td><td>\w+</td><td>([^<]+)</td>', page)
    assert rows[0] == ("third-party", "B*08:01")  # sorted by MFI: highest first
    assert {match for match, _ in rows[1:]} <= {"negative"}
    assert client.get(f"/recipients/{ids['LUP-05']}/sera/{baseline['id']}").status_code == 404
