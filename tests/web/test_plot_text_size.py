"""The MFI plot on a 390 px phone and at 1280 px (issue 15), in Chromium on the demo trial, script
off. At 1280 px the wide plot is shown and the narrow one is not; at 390 px the narrow plot is
shown instead and all of it is on screen: its y axis, its visit labels (none over another) and its
key with the DSA names, nothing scrolled out of view. At both widths every text of the plot shown
renders at 11 px or more (its font size times the scale of its own screen matrix: the SVG's
viewBox scaling and any rotation) and the page is never wider than the screen."""

from __future__ import annotations

import pytest
from demo_built import demo, demo_app, demo_file  # noqa: F401  (fixtures)
from web.test_browser import CHROMIUM, CHROMIUM_ARGS, sign_in, sync_api

from dsa_monitor.store import users

PASSWORD = "correct horse battery staple"
READABLE = 11.0  # px: the smallest text a phone reader is asked to read on the plot
# LUP-01: a preformed and rising DSA; LUP-03: a de novo DSA; LUP-05: no DSA, a QC-failed run.
RECIPIENTS = ("LUP-01", "LUP-03", "LUP-05")
# The plots on screen (either drawing), and of the first: each text as rendered (size in px,
# text, class, box), the DSA its lines draw, its own box and its frame's right edge.
MEASURE = """() => {
  const box = (el) => { const r = el.getBoundingClientRect();
                        return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
  const shown = [...document.querySelectorAll('svg.mfi-timeline, svg.mfi-timeline-narrow')]
    .filter((svg) => svg.getClientRects().length);
  const plot = shown[0];
  const texts = [...plot.querySelectorAll('text')]
    .filter((t) => t.textContent.trim() && t.getClientRects().length)
    .map((t) => {
      const m = t.getScreenCTM();
      const px = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
      return {px: Math.round(px * 10) / 10, text: t.textContent.trim(),
              cls: t.getAttribute('class') || '', ...box(t)};
    });
  return {shown: shown.map((svg) => svg.getAttribute('class')), texts,
          lines: [...plot.querySelectorAll('path.dsa-line')].map((p) => p.dataset.dsa),
          plot: box(plot), frame_right: plot.parentElement.getBoundingClientRect().right,
          page_width: document.scrollingElement.scrollWidth};
}"""


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def clinician(db):
    users.create_user(db, "md@example.org", "clinician", password=PASSWORD, user="setup")


def measured_plots(
    browser,
    live_server,
    demo,  # noqa: F811
    width: int,
    media: str = "screen",
) -> dict[str, dict]:
    """Each recipient's plot as Chromium lays it out at ``width`` px, signed in as a clinician."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": width, "height": 844})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/sign-in")
        sign_in(page, "md@example.org", PASSWORD)
        page.emulate_media(media=media)
        found = {}
        for code in RECIPIENTS:
            page.goto(f"{live_server}/recipients/{demo[2].recipients[code]}")
            found[code] = page.evaluate(MEASURE)
        return found
    finally:
        context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_every_plot_text_is_at_least_11_px_and_the_page_fits_the_screen(
    live_server,
    browser,
    clinician,
    demo,  # noqa: F811
    width,
):
    for code, found in measured_plots(browser, live_server, demo, width).items():
        assert len(found["texts"]) > 10, (code, found)  # axes, visits and key all drawn
        smallest = min(found["texts"], key=lambda t: t["px"])
        assert smallest["px"] >= READABLE, (code, width, smallest)
        assert found["page_width"] <= width, (code, found["page_width"])
        assert found["frame_right"] <= width, code  # nothing makes the page scroll sideways


def test_a_phone_is_shown_the_narrow_plot_whole_and_a_desktop_the_wide_one(
    live_server,
    browser,
    clinician,
    demo,  # noqa: F811
):
    """Before: at 390 px the wide plot scrolled inside its frame, its y axis or its DSA names
    out of view. Paper gets the wide plot, printed from a phone too."""
    desktop = measured_plots(browser, live_server, demo, 1280)
    phone = measured_plots(browser, live_server, demo, 390)
    printed = measured_plots(browser, live_server, demo, 390, media="print")
    for code in RECIPIENTS:
        assert printed[code]["shown"] == ["mfi-timeline"], code
        assert desktop[code]["shown"] == ["mfi-timeline"], code  # the narrow one hidden
        assert desktop[code]["plot"]["right"] - desktop[code]["plot"]["left"] >= 920, code
        found = phone[code]
        assert found["shown"] == ["mfi-timeline-narrow"], code  # the wide one hidden
        assert 0 <= found["plot"]["left"] and found["plot"]["right"] <= 390, (code, found["plot"])
        plot = found["plot"]  # inside the plot's box: an SVG clips what is drawn past its edge
        outside = [
            t["text"] for t in found["texts"] if t["left"] < plot["left"] or t["right"] > plot["right"]
        ]
        assert outside == [], code  # the y axis, the visit labels and the key all on screen
        ticks = [t["text"] for t in found["texts"] if t["cls"] == "y-tick"]
        assert ticks[:3] == ["100", "300", "1,000"], code
        visits = sorted((t for t in found["texts"] if t["cls"] == "visit-label"), key=lambda t: t["left"])
        assert [t["text"] for t in visits] == ["M1", "M3", "M6", "M9", "M12"], code
        for label, after in zip(visits, visits[1:], strict=False):
            assert label["right"] < after["left"], (code, label, after)  # no two collide
        named = [t["text"].split()[0] for t in found["texts"] if t["cls"] == "key-dsa"]
        assert named == found["lines"] == desktop[code]["lines"], code  # each line named
    assert [phone[code]["lines"] for code in RECIPIENTS] == [["A*03:01"], ["A*24:02"], []]
    assert any(t["text"].startswith("No DSA in the") for t in phone["LUP-05"]["texts"])
