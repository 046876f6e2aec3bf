"""What a clinician sees at a glance (issue 15), on the demo trial, through the pages: negative
monitoring is visible on the plot and in "DSA by visit"; the QC-failed run is drawn."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from demo_built import built_demo, copy_to

from dsa_monitor import store

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return built_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def app(app, demo):
    copy_to(demo[0], app.config["DATABASE"])
    return app


@pytest.fixture
def ids(demo):
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
    assert re.findall(r'<tr class="serum-row status-negative"><td>(\w+)</td>', table) == [
        "baseline", "M1"]
    assert store.get_recipient(db, ids["LUP-03"])["subject_code"] == "LUP-03"
