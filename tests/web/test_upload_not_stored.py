"""The upload page lists each sample not stored with its reason; a "not enrolled" one links to
the page where the lab adds it as an enrolled recipient's lab ID."""

import io
import re

import pytest
from run_files import run_file

from dsa_monitor import store
from dsa_monitor.store import users

PASSWORD = "correct horse battery staple"
DAY = run_file(("P-17", "S1"), ("P-99", "S2"), ("", "LS-NC 026"), ("p 17", "S4"))


@pytest.fixture
def db(app):
    database = store.open_database(app.config["DATABASE"])
    store.create_study(database, "CORD-01", user="setup")
    store.create_study(database, "KIDNEY-02", user="setup")
    store.create_recipient(database, "CORD-01", "R001", lab_ids=["P-17"], user="setup")
    store.create_recipient(database, "CORD-01", "R002", user="setup")
    store.create_recipient(database, "KIDNEY-02", "K001", user="setup")
    yield database
    database.close()


def csrf(html):
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def lab(app, db):
    """A signed-in lab user's client (every study unless ``study``)."""

    def sign_in(study=None, role="lab"):
        email = f"{role}-{study or 'all'}@example.org".lower()
        users.create_user(db, email, role, password=PASSWORD, study=study, user="setup")
        client = app.test_client()
        answer = client.post(
            "/sign-in",
            data={"csrf_token": csrf(client.get("/sign-in").text), "email": email, "password": PASSWORD},
        )
        assert answer.status_code == 302
        return client

    return sign_in


def send(client, data, name="day.csv", **form):
    token = csrf(client.get("/uploads").text)
    return client.post(
        "/uploads",
        data={"csrf_token": token, "file": (io.BytesIO(data), name), **form},
        content_type="multipart/form-data",
    )


def not_stored_rows(html):
    table = html.split('<table class="not-stored">')[1].split("</table>")[0]
    return [
        (re.search(r'class="sample">([^<]*)<', row)[1], re.search(r'class="reason">([^<]*)<', row)[1])
        for row in table.split("<tr class=")[1:]
    ]


def test_the_page_lists_each_sample_not_stored_with_its_reason(lab):
    response = send(lab(), DAY)
    assert response.status_code == 201
    assert "Stored: day.csv (fusion), 1 sample" in response.text
    assert not_stored_rows(response.text) == [
        ("S2", "not enrolled"),
        ("LS-NC 026", "control serum"),
        ("S4", "not enrolled (nearly P-17)"),
    ]
    assert "&#39;p 17&#39; is nearly the lab ID &#39;P-17&#39; of CORD-01 R001" in response.text


def test_a_file_with_no_enrolled_sample_is_refused_listing_them(lab, db):
    response = send(lab(), run_file(("P-99", "S2"), ("", "PPS 008 1/2")))
    assert response.status_code == 422
    assert "no sample belongs to an enrolled recipient" in response.text
    assert not_stored_rows(response.text) == [("S2", "not enrolled"), ("PPS 008 1/2", "control serum")]
    assert store.list_samples(db) == []


def test_not_enrolled_links_to_adding_the_lab_id_which_a_lab_user_may_do(lab, db):
    client = lab()
    page = send(client, DAY).text
    link = re.search(r'<a class="add-lab-id" href="([^"]+)"', page)[1]
    assert link == "/lab-ids/new?lab_id=P-99"
    form = client.get(link).text
    assert 'name="lab_id" value="P-99"' in form
    added = client.post(
        "/lab-ids/new",
        data={"csrf_token": csrf(form), "lab_id": "P-99", "study": "CORD-01", "subject_code": "R002"},
    )
    assert added.status_code == 201
    assert "lab IDs: P-99" in added.text
    assert store.list_recipients(db, "CORD-01")[1]["lab_ids"] == ["P-99"]


def test_adding_a_lab_id_shows_each_error_beside_its_field(lab, db):
    client = lab("CORD-01")
    form = client.get("/lab-ids/new?lab_id=P-17").text
    taken = client.post(
        "/lab-ids/new",
        data={"csrf_token": csrf(form), "lab_id": "P-17", "study": "CORD-01", "subject_code": "R002"},
    )
    assert taken.status_code == 422
    assert (
        'id="lab_id-error">lab patient ID &#39;P-17&#39; is already used in study &#39;CORD-01&#39;'
    ) in taken.text
    other = client.post(
        "/lab-ids/new",
        data={"csrf_token": csrf(form), "lab_id": "X-1", "study": "KIDNEY-02", "subject_code": "K001"},
    )
    assert other.status_code == 422 and 'id="subject_code-error"' in other.text
    assert store.list_recipients(db, "KIDNEY-02")[0]["lab_ids"] == []


def test_a_clinician_may_not_add_lab_ids(lab):
    response = lab(role="clinician").get("/lab-ids/new?lab_id=P-99")
    assert response.status_code == 403


def test_the_chosen_date_layout_is_remembered_for_the_study(lab, db):
    ambiguous = run_file(("P-17", "S1")).replace(b"2024-03-25", b"04-03-2024")
    client = lab("CORD-01")
    first = send(client, ambiguous, "a.csv", date_format="DD-MM-YYYY")
    assert first.status_code == 201
    assert store.get_study(db, "CORD-01")["date_layout"] == "DD-MM-YYYY"
    assert "the study's: DD-MM-YYYY" in client.get("/uploads").text
    again = send(client, ambiguous.replace(b"S1", b"S9"), "b.csv")
    assert again.status_code == 201
    assert store.list_samples(db)[-1]["run_date"] == "2024-03-04"


def test_strict_on_the_page_refuses_the_file(lab, db):
    response = send(lab(), DAY, strict="on")
    assert response.status_code == 422
    assert "unknown patient IDs: P-99, p 17 (strict upload" in response.text
    assert store.list_samples(db) == []
