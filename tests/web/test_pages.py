"""The pages through Flask's test client: sign-in, CSRF, roles, study scope, upload, alerts."""

from __future__ import annotations

import datetime as dt
import io
import re
from email.utils import parsedate_to_datetime

import pytest
from evaluation.worked_sera import AS_OF, BASELINE, M1, make_world, upload_serum
from reference_paths import TEST_DATA

from dsa_monitor import store
from dsa_monitor.evaluation import current_evaluations, evaluate_pending
from dsa_monitor.hla.typing import HLATyping
from dsa_monitor.reference.service import embedded
from dsa_monitor.sab.values import mfi_text
from dsa_monitor.store import events, users

WEB_DATA = TEST_DATA / "web"
GOOD = "fusion_lup05_m12.csv"
BAD = "fusion_bad_mfi.csv"


def cells(html: str, first_cell: str) -> list[str]:
    """The texts of the table row that starts with ``first_cell``, tags removed."""
    row = re.search(rf"<td>{re.escape(first_cell)}</td>(.*?)</tr>", html, re.S).group(1)
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", c)).strip()
        for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    ]


@pytest.fixture
def upload(csrf_of):
    def send(client, name, **fields):
        token = csrf_of(client.get("/uploads").text)
        with open(WEB_DATA / name, "rb") as handle:
            return client.post(
                "/uploads",
                data={"csrf_token": token, "file": (handle, name), **fields},
                content_type="multipart/form-data",
            )

    return send


@pytest.mark.parametrize("url", ["/uploads", "/studies", "/studies/MSC-SLE", "/alerts", "/recipients/1"])
def test_every_page_wants_a_signed_in_user(client, world, url):
    response = client.get(url)
    assert (response.status_code, response.location) == (302, f"/sign-in?next={url}")


def test_sign_in_sets_an_httponly_samesite_cookie_and_goes_to_the_page_asked_for(
    app, world, make_user, password, csrf_of
):
    email = make_user("clinician")
    client = app.test_client()
    token = csrf_of(client.get("/sign-in").text)
    response = client.post(
        "/sign-in", data={"csrf_token": token, "email": email, "password": password, "next": "/alerts"}
    )
    assert (response.status_code, response.location) == (302, "/alerts")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", cookie).group(1))
    hours = (expires - dt.datetime.now(dt.UTC)).total_seconds() / 3600
    assert 7.9 < hours <= 8
    page = client.get("/alerts")
    assert page.status_code == 200 and email in page.text


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_sign_in_never_sends_the_user_to_another_site(app, world, make_user, password, csrf_of, target):
    email = make_user("clinician")
    client = app.test_client()
    token = csrf_of(client.get("/sign-in").text)
    response = client.post(
        "/sign-in", data={"csrf_token": token, "email": email, "password": password, "next": target}
    )
    assert response.location == "/"


def test_a_wrong_password_is_refused_then_the_account_locks(app, world, make_user, password, csrf_of):
    email = make_user("lab")
    client = app.test_client()
    token = csrf_of(client.get("/sign-in").text)
    wrong = {"csrf_token": token, "email": email, "password": "not my password"}
    for _ in range(users.MAX_FAILED_SIGN_INS - 1):
        refused = client.post("/sign-in", data=wrong)
        assert refused.status_code == 401
        assert "wrong e-mail address or password" in refused.text
    locking = client.post("/sign-in", data=wrong).text
    # issue 15: a locked account is told it is locked, and until when (not "wrong password")
    assert re.search(
        r"this account is locked after 5 wrong passwords in a row, until"
        r" \d{4}-\d\d-\d\d \d\d:\d\d UTC",
        locking,
    )
    again = client.post("/sign-in", data={**wrong, "password": password})
    assert again.status_code == 401  # locked: the right password is refused too
    assert "this account is locked" in again.text
    unknown = client.post("/sign-in", data={**wrong, "email": "nobody@example.org"})
    assert "wrong e-mail address or password" in unknown.text
    assert client.get("/alerts").status_code == 302  # still signed out


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_a_form_without_the_sessions_csrf_token_is_refused(signed_in, world, db, token):
    client = signed_in("clinician")
    data = {} if token is None else {"csrf_token": token}
    response = client.post("/alerts/1/acknowledge", data=data)
    assert response.status_code == 400
    assert "not sent from a current page of this site" in response.text
    assert events.get_event(db, 1)["acknowledged_at"] is None


def test_sign_in_itself_needs_the_csrf_token(app, world, make_user, password):
    email = make_user("lab")
    response = app.test_client().post("/sign-in", data={"email": email, "password": password})
    assert response.status_code == 400


def test_sign_out_ends_the_session(signed_in, world, csrf_of):
    client = signed_in("lab")
    token = csrf_of(client.get("/uploads").text)
    assert client.post("/sign-out", data={"csrf_token": token}).status_code == 302
    assert client.get("/uploads").status_code == 302


@pytest.mark.parametrize(
    "change",
    [
        lambda db, email: users.set_disabled(db, email, True, user="admin"),
        lambda db, email: users.set_password(db, email, "a brand new long password", user="admin"),
    ],
)
def test_disabling_a_user_or_resetting_the_password_ends_open_sessions(signed_in, world, db, change):
    client = signed_in("clinician")
    assert client.get("/studies").status_code == 200
    change(db, "clinician-all@example.org")
    response = client.get("/studies")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


HUGE = "9" * 23  # more than SQLite's INTEGER holds


def test_a_number_too_large_for_a_row_id_is_not_found_never_a_server_error(signed_in, world, csrf_of, client):
    clinician = signed_in("clinician")
    assert clinician.get(f"/recipients/{HUGE}").status_code == 404
    token = csrf_of(clinician.get("/alerts").text)
    assert clinician.post(f"/alerts/{HUGE}/acknowledge", data={"csrf_token": token}).status_code == 404
    assert client.get(f"/api/v1/recipients/{HUGE}").status_code == 404
    assert client.get(f"/recipients/{10**18 - 1}").status_code == 302  # a row id: sign in first


def test_the_recipient_page_says_when_its_evaluation_is_out_of_date(signed_in, world, db):
    client = signed_in("clinician")
    page = client.get(f"/recipients/{world['LUP-01']}").text
    assert "No DSA found in the last evaluation (as of" in page
    assert "Re-evaluation pending" not in page
    typing = HLATyping.from_gl_string("HLA-A*01:01+HLA-A*03:01")
    store.set_typing(
        db, "recipient", world["LUP-01"], typing.to_gl_string(), typing.to_dict(), None, "api", "lab"
    )
    page = client.get(f"/recipients/{world['LUP-01']}").text
    assert "Re-evaluation pending" in page and "which new data has made out of date" in page


def test_the_recipient_page_gives_each_serums_dsa_load_per_class(signed_in, world, db):
    page = signed_in("clinician").get(f"/recipients/{world['LUP-03']}").text
    section = page.split("<h3>DSA load by serum</h3>")[1].split("</table>")[0]
    m12 = next(row for row in section.split("<tr>") if "<td>M12</td>" in row)
    cells_ = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", m12, re.S)]
    evaluation = current_evaluations(db, world["LUP-03"])[0]
    point = next(p for p in evaluation.points if p.visit == "M12")
    for hla_class, cell in zip(("I", "II"), cells_[3:5], strict=True):
        [load] = [c for c in point.by_class if c.hla_class == hla_class]
        assert cell == (
            f"{load.immunodominant_dsa} {mfi_text(load.immunodominant_mfi)}; sum {mfi_text(load.sum_mfi)}"
        )


def test_the_recipient_page_lists_self_beads_and_raw_minus_nc_apart_from_dsa(signed_in, db):
    ids = make_world(db)
    upload_serum(db, "WX-1-BL", BASELINE, raw_only=True)
    # A*02:01 is the donor's and the recipient's: positive, flagged, never a DSA
    upload_serum(db, "WX-1-M1", M1, mfi={"A*02:01": 4000.0, "B*07:02": 2000.0}, raw_only=True)
    evaluate_pending(db, reference=embedded(), as_of=AS_OF)
    page = signed_in("clinician").get(f"/recipients/{ids['WX-1']}").text
    dsa_table = page.split("<h2>DSA by visit</h2>")[1].split("</table>")[0]
    assert "B*07:02" in dsa_table and "A*02:01" not in dsa_table and "raw − NC" in dsa_table
    sera = page.split("<h3>DSA load by serum</h3>")[1].split("</table>")[0]
    assert "A*02:01 (A*02:01) 4,000" in sera and "raw MFI only" in sera


def test_pages_forbid_scripts_and_framing(signed_in, world):
    response = signed_in("admin").get("/studies")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "script-src" not in policy  # no script source at all: default-src 'none' applies
    assert "<script" not in response.text
    assert response.headers["Cache-Control"] == "no-store"


def test_a_lab_upload_shows_each_sample_with_recipient_visit_and_qc(signed_in, world, upload):
    client = signed_in("lab")
    response = upload(client, GOOD)
    assert response.status_code == 201, response.text
    assert cells(response.text, "W26-105")[:6] == [
        "MSC-SLE LUP-05",
        "II",
        "LS2A01NC21_013_00",
        "2026-03-12 (run date)",
        "M12",
        "pass",
    ]
    assert "the run date 2026-03-12 is used" in response.text
    assert GOOD in response.text.split("Past uploads")[1]
    again = upload(client, GOOD)
    assert again.status_code == 200 and "Already stored as upload" in again.text


def test_a_duplicate_from_another_study_tells_nothing_of_the_first_upload(signed_in, world, upload):
    assert upload(signed_in("lab"), GOOD).status_code == 201
    again = upload(signed_in("lab", "KIDNEY-02"), GOOD)
    assert again.status_code == 200
    outcome = again.text.split("Past uploads")[0]
    assert "results of a study you cannot see" in outcome
    assert "LUP-05" not in outcome and "W26-105" not in outcome


def test_a_rejected_upload_shows_the_line_and_column_and_stores_nothing(signed_in, world, db, upload):
    before = len(store.list_samples(db))
    response = upload(signed_in("lab"), BAD)
    assert response.status_code == 422
    assert "Not imported" in response.text
    assert '<dd class="line">4</dd>' in response.text
    assert '<dd class="column">RawData</dd>' in response.text
    assert "<code>3x0</code>" in response.text
    assert len(store.list_samples(db)) == before
    past = response.text.split("Past uploads")[1]
    assert BAD in past and "rejected" in past


def test_a_chosen_format_and_a_manifest_are_used(signed_in, world, csrf_of):
    client = signed_in("lab")
    token = csrf_of(client.get("/uploads").text)
    with open(WEB_DATA / GOOD, "rb") as data, open(WEB_DATA / "manifest_lup05.csv", "rb") as dates:
        response = client.post(
            "/uploads",
            data={
                "csrf_token": token,
                "file": (data, GOOD),
                "format": "fusion",
                "manifest": (dates, "manifest.csv"),
            },
            content_type="multipart/form-data",
        )
    assert response.status_code == 201, response.text
    assert cells(response.text, "W26-105")[3:5] == ["2026-03-09 (manifest)", "M12"]


def test_an_unknown_format_is_refused(signed_in, world, upload):
    response = upload(signed_in("lab"), GOOD, format="word")
    assert response.status_code == 400 and "unknown format &#39;word&#39;" in response.text


@pytest.mark.parametrize(
    "role, status", [("lab", 200), ("admin", 200), ("clinician", 403), ("integration", 403)]
)
def test_only_lab_and_admin_users_may_upload(signed_in, world, role, status):
    assert signed_in(role).get("/uploads").status_code == status


def test_a_study_scoped_lab_sees_only_its_studys_uploads(signed_in, world, upload):
    assert "fusion_M3_classI.csv" in signed_in("lab").get("/uploads").text
    assert "fusion_M3_classI.csv" not in signed_in("lab", "KIDNEY-02").get("/uploads").text


def test_the_study_page_lists_each_recipients_dsa_overdue_visits_and_open_alerts(signed_in, world):
    page = signed_in("clinician").get("/studies/MSC-SLE").text
    link = lambda code: f'<a href="/recipients/{world[code]}">{code}</a>'  # noqa: E731
    # MFI as the file gave them (2 decimals), never rounded to whole numbers
    assert re.fullmatch(
        r"DRB1\*07:01 \(donor UC-MSC-03\) de novo at M9, persistent, rising 13,619\.\d{1,2} at M12; "
        r"A\*24:02 \(donor UC-MSC-03\) de novo at M3, persistent 4,002\.\d{1,2} at M12",
        cells(page.split("<h2>Recipients</h2>")[1], link("LUP-03"))[0],
    )
    assert "no DSA" in cells(page, link("LUP-01"))[0]
    overdue = page.split("<h2>Overdue visits</h2>")[1].split("</section>")[0]
    assert cells(overdue, link("LUP-05"))[:2] == ["M12", "2026-03-10"]
    alerts = page.split("Unacknowledged alerts")[1]
    # 9: LUP-03's B*57:01 at baseline is a preformed DSA alert of its own (issue 15)
    assert alerts.count('class="event ') == 9 and "K001" not in alerts


def test_a_study_scoped_user_finds_other_studies_not_found(signed_in, world):
    client = signed_in("clinician", "KIDNEY-02")
    assert client.get("/studies/MSC-SLE").status_code == 404
    assert client.get(f"/recipients/{world['LUP-03']}").status_code == 404
    assert client.get(f"/recipients/{world['K001']}").status_code == 200
    studies = client.get("/studies").text
    assert "KIDNEY-02" in studies and "MSC-SLE" not in studies
    inbox = client.get("/alerts?study=MSC-SLE").text
    assert "DR7" in inbox and "LUP-03" not in inbox


def test_the_recipient_page_shows_typings_the_dsa_table_and_the_plot(signed_in, world):
    page = signed_in("clinician").get(f"/recipients/{world['LUP-03']}").text
    typing = page.split("<h2>HLA typing</h2>")[1].split("</table>")[0]
    mismatched = re.findall(r'<span class="copy mismatch"[^>]*>([^<]+)', typing)
    assert [m.strip() for m in mismatched] == ["A*24:02", "B*57:01", "C*06:02", "DRB1*07:01", "DQB1*03:03"]
    table = page.split("<h2>DSA by visit</h2>")[1].split("</table>")[0]
    de_novo = re.findall(r'<tr class="status-de_novo">(.*?)</tr>', table, re.S)
    rows = [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in de_novo
    ]
    assert [[r[0], r[2], *r[3:6], *r[7:]] for r in rows] == [
        ["M3", "A*24:02 (A24)", "UC-MSC-03", "allele", "A", "weak", "de novo"],
        ["M9", "DRB1*07:01 (DR7)", "UC-MSC-03", "allele", "DRB1", "moderate", "de novo"],
    ]
    # MFI with the decimals the file gave: never rounded to a whole number (nor up to a cutoff)
    assert [re.fullmatch(r"\d,\d{3}\.\d{1,2}", r[6]) is not None for r in rows] == [True, True]
    assert [r[6][:5] for r in rows] == ["2,607", "5,568"]
    plot = page.split('<section class="plot">')[1].split("</section>")[0]
    wide, narrow = (
        plot.split(f'<div class="plot-frame plot-{kind}')[1].split("</svg>")[0] for kind in ("wide", "narrow")
    )
    for drawing in (wide, narrow):  # the same plot, drawn for a desktop and for a phone
        assert sorted(re.findall(r'class="dsa-line" data-dsa="([^"]+)"', drawing)) == [
            "A*24:02",
            "B*57:01",
            "DRB1*07:01",
        ]
        assert drawing.count('class="point de-novo"') == 2
    assert "Evaluated under rules <strong>default</strong>" in page


def test_a_recipient_without_evaluation_says_so(signed_in, world):
    page = signed_in("clinician").get(f"/recipients/{world['K001']}").text
    assert "No DSA evaluation stored yet" in page and "<svg" not in page


def test_acknowledging_an_alert_records_who_and_leaves_the_inbox(signed_in, world, db, csrf_of):
    client = signed_in("clinician")
    inbox = client.get("/alerts").text
    event_id = int(re.search(r'name="event_id" value="(\d+)"', inbox).group(1))
    response = client.post(
        f"/alerts/{event_id}/acknowledge", data={"csrf_token": csrf_of(inbox), "next": "/alerts"}
    )
    assert (response.status_code, response.location) == (303, "/alerts")
    assert events.get_event(db, event_id)["acknowledged_by"] == "clinician-all@example.org"
    assert f'value="{event_id}"' not in client.get("/alerts").text
    assert f'value="{event_id}"' not in client.get("/alerts?state=all").text  # seen: no button
    assert "seen by clinician-all@example.org" in client.get("/alerts?state=acknowledged").text


@pytest.mark.parametrize("role", ["lab", "integration"])
def test_roles_that_may_not_acknowledge_see_no_button_and_are_refused(signed_in, world, db, role, csrf_of):
    client = signed_in(role)
    inbox = client.get("/alerts").text
    assert 'name="acknowledge"' not in inbox
    response = client.post("/alerts/1/acknowledge", data={"csrf_token": csrf_of(inbox)})
    assert response.status_code == 403
    assert events.get_event(db, 1)["acknowledged_at"] is None


def test_a_scoped_user_cannot_acknowledge_another_studys_alert(signed_in, world, db, csrf_of):
    client = signed_in("clinician", "KIDNEY-02")
    token = csrf_of(client.get("/alerts").text)
    response = client.post("/alerts/1/acknowledge", data={"csrf_token": token})
    assert response.status_code == 404
    assert events.get_event(db, 1)["acknowledged_at"] is None


@pytest.mark.parametrize(
    "query, kinds",
    [
        ("kind=de_novo", ["de_novo", "de_novo", "de_novo"]),
        ("kind=rising&study=MSC-SLE", ["rising", "rising"]),
        ("kind=resolved&study=KIDNEY-02", []),
    ],
)
def test_alert_filters(signed_in, world, query, kinds):
    page = signed_in("admin").get(f"/alerts?{query}").text
    assert re.findall(r'class="event kind-(\w+)"', page) == kinds


def test_the_session_cookie_is_secure_when_the_service_is_served_over_https(tmp_path):
    from dsa_monitor.app import create_app

    app = create_app(
        {
            "TESTING": True,
            "DATABASE": str(tmp_path / "s.sqlite3"),
            "REFERENCE_DIR": str(tmp_path / "reference"),
            "BASE_URL": "https://dsa.example.org",
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_the_encoding_named_on_the_form_reads_a_windows_export(signed_in, world, csrf_of):
    text = (WEB_DATA / GOOD).read_text(encoding="utf-8")
    lines = text.splitlines()
    lines = [lines[0] + ';"Note"'] + [line + ';"Prüfung"' for line in lines[1:]]
    data = "\r\n".join(lines).encode("cp1252")
    client = signed_in("lab")

    def send(**fields):
        token = csrf_of(client.get("/uploads").text)
        return client.post(
            "/uploads",
            data={"csrf_token": token, "file": (io.BytesIO(data), "windows.csv"), **fields},
            content_type="multipart/form-data",
        )

    refused = send()
    assert refused.status_code == 422 and "not valid utf-8 text" in refused.text
    stored = send(encoding="cp1252")
    assert stored.status_code == 201, stored.text
    assert cells(stored.text, "W26-105")[0] == "MSC-SLE LUP-05"
