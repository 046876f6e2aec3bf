"""The MFI plot's own text is readable on a 390 px phone and at 1280 px (issue 15), in Chromium on
the demo trial: every text of the SVG (axes, visit labels, key, DSA names) renders at 11 px or
more, its font size times the SVG's scale on screen, and the page is never wider than the screen:
on a phone the plot keeps its drawn width and scrolls sideways inside its own frame."""

from __future__ import annotations

import pytest
from demo_built import demo, demo_app, demo_file  # noqa: F401  (fixtures)
from web.test_browser import CHROMIUM, CHROMIUM_ARGS, sign_in, sync_api

from dsa_monitor.store import users

PASSWORD = "correct horse battery staple"
READABLE = 11.0  # px: the smallest text a phone reader is asked to read on the plot
# LUP-01: preformed and rising DSA; LUP-03: three DSA, one de novo; LUP-05: no DSA, a QC-failed run.
RECIPIENTS = ("LUP-01", "LUP-03", "LUP-05")
# Each text of the plot as rendered: its font size times the scale of its own screen matrix
# (the SVG's viewBox scaling and any rotation), and whether the page scrolls sideways.
MEASURE = """() => {
  const plot = document.querySelector('svg.mfi-timeline');
  const texts = [...plot.querySelectorAll('text')]
    .filter((t) => t.textContent.trim() && t.getClientRects().length)
    .map((t) => {
      const m = t.getScreenCTM();
      const px = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
      return [Math.round(px * 10) / 10, t.textContent.trim().slice(0, 30)];
    });
  const frame = plot.parentElement;
  return {texts, page_width: document.scrollingElement.scrollWidth, screen: window.innerWidth,
          frame_right: frame.getBoundingClientRect().right};
}"""


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_every_plot_text_is_at_least_11_px_and_the_page_fits_the_screen(live_server, browser,
                                                                        db, demo, width):  # noqa: F811
    users.create_user(db, "md@example.org", "clinician", password=PASSWORD, user="setup")
    context = browser.new_context(java_script_enabled=False,
                                  viewport={"width": width, "height": 844})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/sign-in")
        sign_in(page, "md@example.org", PASSWORD)
        for code in RECIPIENTS:
            page.goto(f"{live_server}/recipients/{demo[2].recipients[code]}")
            found = page.evaluate(MEASURE)
            assert len(found["texts"]) > 10, (code, found)  # axes, visits and key all drawn
            smallest = min(found["texts"])
            assert smallest[0] >= READABLE, (code, width, smallest)
            assert found["page_width"] <= width, (code, found["page_width"])
            assert found["frame_right"] <= width, code  # the plot scrolls inside the page
    finally:
        context.close()
