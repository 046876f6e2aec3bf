"""The pages in a real browser (headless Chromium from Debian, driven by Playwright), script off.

Served by a real werkzeug server on 127.0.0.1. Skips, saying why, where Chromium or Playwright
is not installed. The screenshots of docs/ come from test_browser_glance.py (the demo trial).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from dsa_monitor import store
from dsa_monitor.demo.seed import store_trial
from dsa_monitor.ingest import import_upload

CHROMIUM = os.environ.get("DSA_MONITOR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed (pip install -e '.[test]')"
)
if not (shutil.which(CHROMIUM) or Path(CHROMIUM).exists()):
    pytest.skip(
        f"no Chromium at {CHROMIUM} (apt-get install chromium, or set DSA_MONITOR_CHROMIUM)",
        allow_module_level=True,
    )


@pytest.fixture
def server(live_server):
    return live_server


@pytest.fixture
def page():
    """A browser page with JavaScript off: every page must work without it."""
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(java_script_enabled=False, viewport={"width": 1100, "height": 900})
        context.set_default_timeout(10_000)
        yield context.new_page()
        context.close()
        browser.close()


def test_a_lab_user_uploads_a_clinician_reads_the_plot_and_acknowledges_the_de_novo_alert(
    server, page, db, make_user, password, trial, evaluate, tmp_path
):
    made = trial()
    ids = store_trial(db, made, upload=False)
    last = "fusion_M12_classI.csv"  # the lab uploads this one in the browser; the rest before
    for name, data in made.files:
        if name != last:
            import_upload(db, data, name, user="lab", study=made.study_code)
    (tmp_path / last).write_bytes(dict(made.files)[last])
    lab, clinician = make_user("lab"), make_user("clinician")

    page.goto(f"{server}/uploads")
    assert page.url == f"{server}/sign-in?next=/uploads"
    sign_in(page, lab, password)
    assert page.url == f"{server}/uploads"
    page.set_input_files("input[name=file]", str(tmp_path / last))
    page.click("form.upload button[type=submit]")
    outcome = page.locator("section.outcome")
    assert outcome.locator("h2").inner_text() == f"Stored: {last} (fusion), 7 samples"
    rows = [row.locator("td").all_inner_texts() for row in outcome.locator("tbody tr").all()]
    assert [(r[0], r[1], r[5], r[6]) for r in rows] == [
        (f"LUP-0{i}-M12", f"MSC-SLE LUP-0{i}", "M12", "pass") for i in (1, 2, 3, 4, 6, 7, 8)
    ]  # LUP-05's M12 serum was never drawn

    evaluate(db, made.as_of)  # what the scheduler does with a new upload
    recipient_url = f"{server}/recipients/{ids.recipients['LUP-03']}"
    page.click("section.outcome a:has-text('MSC-SLE LUP-03')")
    assert page.url == recipient_url
    assert page.locator("button:has-text('Acknowledge')").count() == 0  # the lab may not
    page.click("button:has-text('Sign out')")
    page.goto(recipient_url)
    sign_in(page, clinician, password)
    assert page.url == recipient_url

    plot = page.locator("svg.mfi-timeline")
    assert plot.is_visible()
    box = plot.bounding_box()
    assert box["width"] > 600 and box["height"] > 250  # drawn at a readable size
    lines = plot.locator("path.dsa-line").evaluate_all("paths => paths.map(p => p.dataset.dsa)")
    assert sorted(lines) == ["A*24:02", "B*57:01", "DRB1*07:01"]
    rings = plot.locator("g.de-novo title").all_text_contents()
    assert [t.split(": ")[0] for t in rings] == ["de novo DSA — A*24:02", "de novo DSA — DRB1*07:01"]
    assert "M3" in rings[0] and "M9" in rings[1]
    assert plot.locator("rect.band").evaluate_all("rs => rs.map(r => r.dataset.band)") == [
        "equivocal",
        "weak",
        "moderate",
        "strong",
    ]
    assert plot.locator("g.exposure title").text_content().startswith("infusion ")
    labels = plot.locator("text.end-label").all_text_contents()
    assert sorted(label.split()[0] for label in labels) == ["A*24:02", "B*57:01", "DRB1*07:01"]

    open_alerts = page.locator("section:has(h2:has-text('Open alerts')) tr.event")
    before = open_alerts.count()
    # the rising and persistent alerts say "(de novo at M3)" too: the row of the de novo alert
    de_novo = page.locator("section:has(h2:has-text('Open alerts')) tr.event.kind-de_novo").filter(
        has_text="A*24:02"
    )
    assert de_novo.count() == 1
    de_novo.locator("button:has-text('Acknowledge')").click()
    assert page.url == recipient_url
    assert open_alerts.count() == before - 1
    acknowledged = [
        (e["kind"], e["antigen"], e["acknowledged_by"])
        for e in store.events.list_events(db)
        if e["acknowledged_at"]
    ]
    assert acknowledged == [("de_novo", "A*24:02", clinician)]
    page.goto(f"{server}/alerts?state=acknowledged")
    assert f"seen by {clinician}" in page.locator("table.events").inner_text()


def sign_in(page, email: str, password: str) -> None:
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button:has-text('Sign in')")


def test_the_upload_page_lists_the_samples_not_stored_and_links_to_adding_a_lab_id(
    server, page, db, make_user, password, tmp_path
):
    from run_files import run_file

    store.create_study(db, "CORD-01", user="setup")
    store.create_recipient(db, "CORD-01", "R001", lab_ids=["P-17"], user="setup")
    store.create_recipient(db, "CORD-01", "R002", user="setup")
    day = tmp_path / "day.csv"
    day.write_bytes(run_file(("P-17", "S1"), ("P-99", "S2"), ("", "LS-NC 026")))
    page.goto(f"{server}/uploads")
    sign_in(page, make_user("lab"), password)
    page.set_input_files("input[name=file]", str(day))
    page.click("form.upload button[type=submit]")
    outcome = page.locator("section.outcome")
    assert outcome.locator("h2").inner_text() == "Stored: day.csv (fusion), 1 sample"
    rows = [row.locator("td").all_inner_texts() for row in outcome.locator("table.not-stored tbody tr").all()]
    assert [(r[0], r[3]) for r in rows] == [("S2", "not enrolled"), ("LS-NC 026", "control serum")]
    page.click("table.not-stored a.add-lab-id")
    assert page.url == f"{server}/lab-ids/new?lab_id=P-99"
    page.fill("input[name=subject_code]", "R002")
    page.click("form.lab-id button[type=submit]")
    assert "Lab ID P-99 added to CORD-01 R002" in page.locator("section.outcome").inner_text()
    assert store.list_recipients(db, "CORD-01")[1]["lab_ids"] == ["P-99"]
