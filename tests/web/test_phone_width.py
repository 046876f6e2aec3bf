"""Every page at a 390 px phone width in Chromium, on the demo trial (issue 15): no page wider
than the screen (wide tables and the grid scroll inside their own box), every tap target at
least 44 x 44 px (WCAG 2.5.5), no text under 12 px, and Acknowledge on screen, not past its edge.
At 1280 px, no page wider than the screen either. (The MFI plot's own SVG text, at 11 px or more
on a phone and at 1280 px: tests/web/test_plot_text_size.py.)"""

from __future__ import annotations

import pytest
from demo_built import demo, demo_app, demo_file  # noqa: F401  (fixtures)
from web.test_browser import CHROMIUM, CHROMIUM_ARGS, sign_in, sync_api

from dsa_monitor.store import password_resets, users

PHONE = 390
PASSWORD = "correct horse battery staple"
ADMIN = "admin@example.org"
SIGNED_IN_PAGES = (
    "/studies",
    "/studies/MSC-SLE",
    "/studies/MSC-SLE/report",
    "/recipients/{LUP-03}",
    "/recipients/{LUP-05}",
    "/recipients/{LUP-06}/sera/{LUP-06 baseline}",
    "/alerts",
    "/uploads",
    "/enrolments",
    "/lab-ids/new",
    "/enrol/study",
    "/enrol/study/MSC-SLE",
    "/enrol/recipient",
    "/enrol/donor",
    "/enrol/exposure",
    "/enrol/typing",
    "/account",
)
# What a page shows a phone: how much wider than the screen it is, the tap targets under 44 px,
# the text under 12 px, and the buttons whose right edge is past the screen's.
MEASURE = """() => {
  const found = {overflow: document.scrollingElement.scrollWidth - window.innerWidth,
                 small_targets: [], small_text: [], off_screen: []};
  const name = (el) => el.tagName.toLowerCase() + ' ' + (el.innerText || el.name || '').trim().slice(0, 30);
  const targets = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
  for (const el of document.querySelectorAll(targets)) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;  // not shown (print-only, hidden)
    if (box.width < 44 || box.height < 44)
      found.small_targets.push(`${name(el)}: ${Math.round(box.width)} x ${Math.round(box.height)}`);
    if (el.tagName === 'BUTTON' && box.right > window.innerWidth) found.off_screen.push(name(el));
  }
  const texts = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (texts.nextNode()) {
    const node = texts.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || el.closest('svg')) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < 12 && el.getClientRects().length)
      found.small_text.push(`${name(el)} '${node.textContent.trim().slice(0, 20)}': ${size} px`);
  }
  return found;
}"""


@pytest.fixture(params=[PHONE, 1280])
def phone(request):
    """A Chromium page 390 (or 1280) px wide, script off (the pages need none)."""
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            java_script_enabled=False, viewport={"width": request.param, "height": 844}
        )
        context.set_default_timeout(10_000)
        yield context.new_page()
        browser.close()


def problems_of(phone, url: str, status: int = 200) -> dict:
    response = phone.goto(url)
    assert response.status == status and phone.url == url, (url, phone.url)
    found = phone.evaluate(MEASURE)
    if phone.viewport_size["width"] > PHONE:  # a desktop: only the width is asked of it
        found = {"overflow": found["overflow"]}
    return {key: value for key, value in found.items() if value}


def test_every_page_fits_its_screen_and_on_a_phone_has_44_px_targets_and_readable_text(
    live_server,
    db,
    demo,  # noqa: F811
    phone,
):
    users.create_user(db, ADMIN, "admin", password=PASSWORD, user="setup")
    recipients = demo[2].recipients
    baseline = db.execute(
        "SELECT id FROM samples WHERE recipient_id = ? ORDER BY draw_date LIMIT 1", [recipients["LUP-06"]]
    ).fetchone()[0]
    names = {
        **{f"{{{code}}}": str(rid) for code, rid in recipients.items()},
        "{LUP-06 baseline}": str(baseline),
    }
    token = password_resets.request_reset(db, ADMIN, lifetime=password_resets.RATE_WINDOW, per_hour=5).token
    problems = {}
    for path, status in (
        ("/sign-in", 200),
        ("/forgot-password", 200),
        (f"/reset-password/{token}", 200),
        ("/reset-password/forged", 410),
    ):
        problems[path] = problems_of(phone, f"{live_server}{path}", status)
    phone.goto(f"{live_server}/sign-in")
    sign_in(phone, ADMIN, PASSWORD)
    for path in SIGNED_IN_PAGES:
        for name, value in names.items():
            path = path.replace(name, value)
        problems[path] = problems_of(phone, f"{live_server}{path}")
    problems["/no-such-page"] = problems_of(phone, f"{live_server}/no-such-page", 404)
    assert {path: found for path, found in problems.items() if found} == {}

    phone.goto(f"{live_server}/alerts")  # "off_screen" looked at the demo's open alerts' buttons
    assert phone.locator("button[name=event_id]").count() == 7  # one Acknowledge per alert
