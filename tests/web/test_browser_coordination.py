"""The coordinator's and the laboratory's day by hand, in Chromium (scripts off), against a real
``dsa-monitor serve`` process on a fresh database (issue 13).

A coordinator creates a study with its visit schedule (a wrong line shown beside the schedule,
nothing stored), edits it, enrols a recipient with lab IDs, registers a donor, enters typings per
locus (an invalid name shown beside its field, nothing stored) and as a GL String, records an
exposure and enrols the rest of the study from docs/enrolment-example.csv. A lab user, who finds
the typing and lab ID forms (no others) under Enrol, enters a typing, then uploads
the day's run: the not-enrolled sample links to adding a lab ID, and the file sent again stores it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from run_files import run_file
from test_readme_tour import service  # noqa: F401  (fixture: dsa-monitor serve on a fresh database)
from web.test_browser import sign_in

from dsa_monitor import store
from dsa_monitor.store import users

PASSWORD = "correct horse battery staple"
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "enrolment-example.csv"
COORDINATOR, LAB = "coordinator@example.org", "lab@example.org"


@pytest.fixture
def served(service):  # noqa: F811
    """The server's URL and its database (opened beside the server, as a second process would)
    with a coordinator and a lab user of every study."""
    env, url, _ = service
    db = store.open_database(env["DSA_MONITOR_DATABASE"])
    for email, role in ((COORDINATOR, "coordinator"), (LAB, "lab")):
        users.create_user(db, email, role, password=PASSWORD, user="setup")
    yield url, db
    db.close()


def beside(page, field: str) -> str:
    """The error shown beside a form field ('' when none)."""
    error = page.locator(f"#{field}-error")
    return error.inner_text() if error.count() else ""


def stored(page) -> str:
    return page.locator("section.outcome.stored").inner_text()


def send(page, button: str, **fields) -> None:
    """Fill a form by field name (True/False ticks a box, a select is chosen from) and press
    its button, as a person does."""
    for name, value in fields.items():
        field = page.locator(f"[name={name}]")
        if isinstance(value, bool):
            field.set_checked(value)
        elif field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    page.get_by_role("button", name=button, exact=True).click()


def open_from_enrol(page, link: str) -> None:
    page.get_by_role("link", name="Enrol", exact=True).click()
    page.get_by_role("link", name=link, exact=True).click()


def create_and_edit_the_study(page, db) -> None:
    open_from_enrol(page, "create a study")
    send(
        page,
        "Create study",
        code="CORD-01",
        title="Cord blood after HSCT",
        visits="M1 30 7\nM3 ninety 14",
        strict=True,
        date_layout="DD-MM-YYYY",
    )
    assert "line 2 ('M3 ninety 14'): write NAME DAY WINDOW" in beside(page, "visits")
    assert page.locator("section.outcome.rejected").is_visible()
    assert store.list_studies(db) == []
    # what was typed and chosen is kept for the correction
    assert page.input_value("input[name=title]") == "Cord blood after HSCT"
    assert page.is_checked("input[name=strict]")
    assert page.input_value("select[name=date_layout]") == "DD-MM-YYYY"
    send(page, "Create study", visits="M1 30 7\nM3 90 14")
    assert stored(page) == "Study CORD-01 created."
    study = store.get_study(db, "CORD-01")
    assert [v["name"] for v in study["visit_schedule"]] == ["M1", "M3"]
    assert (study["strict_uploads"], study["date_layout"]) == (True, "DD-MM-YYYY")

    page.get_by_role("link", name="Enrol", exact=True).click()
    page.get_by_role("link", name="CORD-01", exact=True).click()
    assert page.input_value("textarea[name=visits]") == "M1 30 7\nM3 90 14"
    # not strict: the lab's day holds other services' patients
    send(page, "Save", visits="M1 30 7\nM3 90 14\nM6 180 21", strict=False, control_pattern="^QC-([")
    assert "is not a regular expression" in beside(page, "control_pattern")
    assert [v["name"] for v in store.get_study(db, "CORD-01")["visit_schedule"]] == ["M1", "M3"]
    send(page, "Save", control_pattern="^QC-[0-9]+$")  # the lab's own control sera
    assert stored(page).startswith("Study CORD-01 saved.")
    study = store.get_study(db, "CORD-01")
    assert study["visit_schedule"][-1] == {"name": "M6", "day": 180, "window_days": 21}
    assert (study["strict_uploads"], study["control_pattern"]) == (False, "^QC-[0-9]+$")


def enrol_register_type_and_expose(page, db) -> None:
    open_from_enrol(page, "enrol a recipient")
    send(page, "Enrol", study="CORD-01", subject_code="R010", lab_ids="P-30; LAB-0030")
    assert stored(page) == "Enrolled CORD-01 R010 with lab IDs P-30, LAB-0030."
    # ready for the next recipient of the same study
    assert page.input_value("input[name=subject_code]") == ""
    assert page.input_value("select[name=study]") == "CORD-01"

    open_from_enrol(page, "register a donor")
    send(page, "Register donor", code="CBU-9", kind="cord")
    assert stored(page) == "Donor CBU-9 (cord) registered."

    open_from_enrol(page, "enter a typing")
    send(page, "Store typing", subject_code="R010", A_1="A*02:01", A_2="A24", B_2="B*99:99")
    assert beside(page, "B_2").startswith('"B*99:99": no allele group B*99')
    assert beside(page, "A_1") == ""
    assert page.input_value("input[name=A_1]") == "A*02:01"  # what was typed is kept
    recipient = store.list_recipients(db, "CORD-01")[0]
    assert store.current_typing(db, "recipient", recipient["id"]) is None  # nothing stored
    send(page, "Store typing", B_2="B*44:02")
    assert stored(page).startswith("Typing version 1 stored for R010")
    assert set(store.current_typing(db, "recipient", recipient["id"])["typing"]["loci"]) == {"A", "B"}

    open_from_enrol(page, "enter a typing")
    page.check("input[name=owner][value=donor]")
    send(
        page, "Store typing", donor_code="CBU-9", gl_string="HLA-A*01:01+HLA-A*99:01^HLA-B*08:01+HLA-B*44:02"
    )
    assert "A*99:01" in beside(page, "gl_string")
    assert page.is_checked("input[name=owner][value=donor]")  # the form as it was sent
    assert store.current_typing(db, "donor", store.get_donor(db, "CBU-9")["id"]) is None
    send(page, "Store typing", gl_string="HLA-A*01:01+HLA-A*02:01^HLA-B*08:01+HLA-B*44:02")
    assert stored(page).startswith("Typing version 1 stored for CBU-9: HLA-A*01:01+HLA-A*02:01")

    open_from_enrol(page, "record an exposure")
    send(page, "Record exposure", subject_code="R010", donors="CBU-9", date="2024-01-05", kind="infusion")
    assert stored(page) == "Exposure recorded: R010, infusion on 2024-01-05, donors CBU-9."
    assert store.list_exposures(db, recipient["id"])[0]["donor_ids"] == [store.get_donor(db, "CBU-9")["id"]]


def enrol_the_rest_from_the_csv(page, db, tmp_path) -> None:
    broken = tmp_path / "broken.csv"
    broken.write_text(EXAMPLE.read_text().replace("2024-03-01", "2024-03-41"))
    page.get_by_role("link", name="Enrol", exact=True).click()
    page.set_input_files("input[name=file]", str(broken))
    page.click("form.upload button[type=submit]")
    problems = page.locator("table.problems tbody tr")
    assert [row.locator("td").all_inner_texts()[:2] for row in problems.all()] == [["5", "exposure_date"]]
    assert len(store.list_recipients(db, "CORD-01")) == 1  # all or nothing

    for outcome in ("Enrolled", "Nothing changed"):  # the same file again changes nothing
        page.set_input_files("input[name=file]", str(EXAMPLE))
        page.click("form.upload button[type=submit]")
        assert page.locator("section.outcome h2").inner_text() == outcome
    assert [r["subject_code"] for r in store.list_recipients(db, "CORD-01")] == [
        "R001",
        "R002",
        "R003",
        "R010",
    ]


def test_a_coordinator_enrols_the_study_and_the_lab_uploads_its_day(served, plain_page, tmp_path):
    url, db = served
    page = plain_page
    page.goto(f"{url}/sign-in")
    sign_in(page, COORDINATOR, PASSWORD)
    create_and_edit_the_study(page, db)
    enrol_register_type_and_expose(page, db)
    enrol_the_rest_from_the_csv(page, db, tmp_path)
    page.click("button:has-text('Sign out')")

    day = tmp_path / "day.csv"
    day.write_bytes(run_file(("P-17", "S1"), ("X-4410", "S2"), ("", "LS-NC 026"), ("", "QC-7")))
    page.goto(f"{url}/sign-in")
    sign_in(page, LAB, PASSWORD)
    page.get_by_role("link", name="Enrol", exact=True).click()  # the lab's forms, no more
    assert page.get_by_role("link", name="enrol a recipient").count() == 0
    page.get_by_role("link", name="enter a typing", exact=True).click()
    # the lab's high-resolution typing
    send(page, "Store typing", subject_code="R010", A_1="A*02:01", A_2="A*24:02")
    assert stored(page).startswith("Typing version 2 stored for R010")
    page.get_by_role("link", name="Upload", exact=True).click()
    page.set_input_files("input[name=file]", str(day))
    page.click("form.upload button[type=submit]")
    assert page.locator("section.outcome h2").inner_text() == "Stored: day.csv (fusion), 1 sample"
    not_stored = [
        row.locator("td").all_inner_texts()[::3] for row in page.locator("table.not-stored tbody tr").all()
    ]
    assert not_stored == [["S2", "not enrolled"], ["LS-NC 026", "control serum"], ["QC-7", "control serum"]]
    page.click("table.not-stored a.add-lab-id")
    assert page.input_value("input[name=lab_id]") == "X-4410"
    send(page, "Add lab ID", study="CORD-01", subject_code="R010")
    assert "Lab ID X-4410 added to CORD-01 R010" in stored(page)

    page.get_by_role("link", name="Upload the file again").click()
    page.set_input_files("input[name=file]", str(day))
    page.click("form.upload button[type=submit]")
    assert "S2" in page.locator("section.outcome table.samples").inner_text()
    r010 = store.list_recipients(db, "CORD-01")[-1]
    assert [s["lab_sample_id"] for s in store.list_samples(db, recipient_id=r010["id"])] == ["S2"]
