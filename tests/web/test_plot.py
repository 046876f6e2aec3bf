"""The MFI timeline SVG, read back with xml.etree: lines, bands, cutoff, exposure, de novo points."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from dsa_monitor.web.plot import (
    FLOOR,
    NARROW,
    PALETTE,
    DSASeries,
    MFITimeline,
    PlotPoint,
    SerumMark,
    render_svg,
    strength_bands,
)

SVG = "{http://www.w3.org/2000/svg}"
D = dt.date
EXPOSURE = D(2024, 1, 5)
VISITS = (("M1", D(2024, 2, 4)), ("M3", D(2024, 4, 5)), ("M6", D(2024, 7, 5)))


def series(label, *points):
    return DSASeries(
        label, tuple(PlotPoint(D(*day), mfi, status, visit) for day, mfi, status, visit in points)
    )


DQ2 = series(
    "DQ2",
    ((2024, 1, 2), 300, "negative", "baseline"),
    ((2024, 4, 8), 4200, "de_novo", "M3"),
    ((2024, 7, 4), 12500, "persistent", "M6"),
)
DR4 = series(
    "DR4",
    ((2024, 1, 2), 1800, "preformed", "baseline"),
    ((2024, 4, 8), 1700, "persistent", "M3"),
    ((2024, 7, 4), 60, "resolved", "M6"),
)
B44 = series("B44", ((2024, 7, 4), 1500, "de_novo_baseline_missing", "M6"))


def draw(*items, layout=None, **changes):
    timeline = MFITimeline(
        series=items,
        cutoff=1000,
        bands=strength_bands(1000, 3000, 10000, 500),
        exposure=EXPOSURE,
        exposure_label="infusion",
        visits=VISITS,
    )
    for key, value in changes.items():
        timeline = MFITimeline(**{**{f: getattr(timeline, f) for f in timeline.__slots__}, key: value})
    return ET.fromstring(render_svg(timeline) if layout is None else render_svg(timeline, layout))


def by_class(root, tag, name):
    return [e for e in root.iter(SVG + tag) if name in (e.get("class") or "").split()]


def test_one_line_per_dsa_in_its_own_colour_and_dash():
    root = draw(DQ2, DR4, B44)
    lines = by_class(root, "path", "dsa-line")
    assert [line.get("data-dsa") for line in lines] == ["DQ2", "DR4", "B44"]
    assert [line.get("stroke") for line in lines] == list(PALETTE[:3])
    assert len({line.get("stroke-dasharray") for line in lines}) == 3  # apart in grey print
    assert [line.get("d").count("L") for line in lines] == [2, 2, 0]  # points - 1 segments


def test_a_line_is_named_at_its_end_with_its_latest_mfi():
    root = draw(DQ2, DR4)
    labels = {e.text for e in by_class(root, "text", "end-label")}
    assert labels == {"DQ2 12,500", "DR4 60"}


def test_close_line_ends_get_labels_that_do_not_overlap():
    twin = series("DQ7", ((2024, 7, 4), 12000, "persistent", "M6"))
    root = draw(DQ2, twin)
    ys = sorted(float(e.get("y")) for e in by_class(root, "text", "end-label"))
    assert ys[1] - ys[0] >= 13


@pytest.mark.parametrize(
    "status, ringed",
    [
        ("de_novo", True),
        ("de_novo_baseline_missing", True),
        ("persistent", False),
        ("preformed", False),
        ("resolved", False),
    ],
)
def test_de_novo_points_are_ringed_and_titled(status, ringed):
    root = draw(series("A2", ((2024, 4, 8), 4200, status, "M3")))
    points = by_class(root, "g", "point")
    assert [p.get("data-status") for p in points] == [status]
    assert bool(by_class(root, "g", "de-novo")) is ringed
    title = points[0].find(SVG + "title").text
    assert title.startswith("de novo DSA — A2: 4,200 MFI") is ringed
    assert "M3 2024-04-08" in title
    assert len(points[0].findall(SVG + "circle")) == (2 if ringed else 1)


def test_the_strength_bands_and_the_cutoff_are_drawn_in_order():
    root = draw(DQ2)
    bands = by_class(root, "rect", "band")
    assert [b.get("data-band") for b in bands] == ["equivocal", "weak", "moderate", "strong"]
    tops = [float(b.get("y")) for b in bands]
    assert tops == sorted(tops, reverse=True)  # stronger bands sit higher
    for lower, upper in zip(bands, bands[1:], strict=False):  # bands touch: no gap, no overlap
        assert float(upper.get("y")) + float(upper.get("height")) == pytest.approx(
            float(lower.get("y")), abs=0.11
        )
    cutoff = by_class(root, "line", "cutoff")[0]
    weak = bands[1]
    weak_bottom = float(weak.get("y")) + float(weak.get("height"))
    assert float(cutoff.get("y1")) == pytest.approx(weak_bottom, abs=0.11)
    assert "cutoff 1,000" in {e.text for e in root.iter(SVG + "text")}


def test_the_exposure_is_marked_with_its_date_between_the_baseline_and_the_first_visit():
    root = draw(DQ2)
    exposure = by_class(root, "g", "exposure")[0]
    assert exposure.find(SVG + "title").text == "infusion 05 Jan 2024"
    x = float(exposure.find(SVG + "line").get("x1"))
    first_visit = by_class(root, "line", "visit-grid")[0]
    baseline = float(by_class(root, "g", "point")[0].find(SVG + "circle").get("cx"))
    assert baseline < x < float(first_visit.get("x1"))


def test_visits_label_the_time_axis():
    root = draw(DQ2)
    assert [e.text for e in by_class(root, "text", "visit-label")] == ["M1", "M3", "M6"]


def test_the_y_axis_is_logarithmic():
    """Equal ratios are equal distances: 100 -> 1000 spans what 1000 -> 10000 spans."""
    root = draw(DQ2)
    ticks = {e.text: float(e.get("y")) for e in by_class(root, "text", "y-tick")}
    assert ticks["100"] - ticks["1,000"] == pytest.approx(ticks["1,000"] - ticks["10,000"])
    assert "MFI (log scale)" in {e.text for e in root.iter(SVG + "text")}


def test_a_value_below_the_floor_is_drawn_hollow_on_the_floor_and_says_so():
    root = draw(DR4)
    last = by_class(root, "g", "point")[-1]
    assert f"below {FLOOR:,.0f}" in last.find(SVG + "title").text
    assert last.find(SVG + "circle").get("fill") == "#ffffff"
    floor_y = {e.text: float(e.get("y")) for e in by_class(root, "text", "y-tick")}["100"] - 4
    assert float(last.find(SVG + "circle").get("cy")) == pytest.approx(floor_y)


def test_no_dsa_gives_a_plot_that_says_so():
    root = draw()
    assert not by_class(root, "path", "dsa-line")
    assert by_class(root, "text", "empty")[0].text == "No serum tested yet"
    assert by_class(root, "rect", "band")  # the bands still show what would count


NEGATIVE_YEAR = tuple(
    SerumMark(day, visit, "usable", f"{visit}: no DSA")
    for visit, day in (
        ("baseline", D(2024, 1, 2)),
        ("M1", D(2024, 2, 5)),
        ("M3", D(2024, 4, 4)),
        ("M6", D(2024, 7, 8)),
    )
) + (SerumMark(D(2024, 4, 4), "M3", "qc_failed", "QC failed: class I run, PC bead too low"),)


def test_a_recipient_monitored_negative_shows_every_serum_over_the_whole_follow_up():
    """Before: the x axis took only DSA points and collapsed to days around the infusion."""
    root = draw(sera=NEGATIVE_YEAR)
    sera = by_class(root, "g", "serum")
    assert [(g.get("data-visit"), g.get("class")) for g in sera] == [
        ("baseline", "serum serum-usable"),
        ("M1", "serum serum-usable"),
        ("M3", "serum serum-qc-failed"),
        ("M3", "serum serum-usable"),
        ("M6", "serum serum-usable"),
    ]
    xs = [float(g.find(SVG + "rect").get("x")) for g in sera if "usable" in g.get("class")]
    assert xs[-1] - xs[0] > 400  # a year across the plot, not a few days
    assert [t.text for t in by_class(root, "text", "baseline-label")] == ["baseline"]
    assert "PC bead" in sera[2].find(SVG + "title").text
    assert by_class(root, "text", "empty")[0].text == "No DSA in the 4 sera tested so far"
    assert "target dates" in by_class(root, "text", "x-caption")[0].text
    labels = [t.text for t in by_class(root, "text", "visit-label")]
    assert labels == ["M1", "M3", "M6"]


def test_preformed_and_rising_points_are_marked_like_de_novo():
    rising = series(
        "DR4", ((2024, 1, 2), 1800, "preformed", "baseline"), ((2024, 4, 8), 4700, "persistent", "M3")
    )
    rising = DSASeries(
        "DR4", (rising.points[0], PlotPoint(D(2024, 4, 8), 4700, "persistent", "M3", rising=True))
    )
    root = draw(rising)
    points = by_class(root, "g", "point")
    assert [p.get("class") for p in points] == ["point preformed", "point rising"]
    assert points[0].find(SVG + "title").text.startswith("preformed DSA — DR4")
    assert points[1].find(SVG + "title").text.startswith("rising DSA — DR4")


def test_labels_are_escaped():
    root = draw(series('<b>&"', ((2024, 4, 8), 4200, "de_novo", "M3")))
    assert by_class(root, "path", "dsa-line")[0].get("data-dsa") == '<b>&"'


def test_the_svg_has_a_title_and_a_text_description_for_screen_readers():
    root = draw(DQ2)
    assert root.get("role") == "img"
    assert root.find(SVG + "title").text == "MFI of each DSA by sample"
    assert "DQ2: baseline 300 (negative), M3 4,200 (de novo)" in root.find(SVG + "desc").text


def marks(root):
    """What a plot says, whatever its layout: its points, lines, serum marks and bands."""
    return (
        [
            (g.get("class"), g.get("data-dsa"), g.find(SVG + "title").text)
            for g in by_class(root, "g", "point")
        ],
        [p.get("data-dsa") for p in by_class(root, "path", "dsa-line")],
        [(g.get("class"), g.get("data-visit")) for g in by_class(root, "g", "serum")],
        [r.get("data-band") for r in by_class(root, "rect", "band")],
    )


def test_the_narrow_plot_draws_the_same_marks_and_names_its_lines_in_its_key():
    """A phone's plot (issue 15): 360 units wide, no names at the lines' ends (no room right of
    the plot), each DSA named with its latest MFI in the key under the plot instead."""
    wide, narrow = (
        draw(DQ2, DR4, B44, sera=NEGATIVE_YEAR),
        draw(DQ2, DR4, B44, sera=NEGATIVE_YEAR, layout=NARROW),
    )
    assert marks(narrow) == marks(wide)
    assert narrow.get("viewBox").split()[:3] == ["0", "0", "360"]
    assert narrow.get("class") == "mfi-timeline-narrow" and wide.get("class") == "mfi-timeline"
    assert not by_class(narrow, "text", "end-label")
    assert [e.text for e in by_class(narrow, "text", "key-dsa")] == ["DQ2 12,500", "DR4 60", "B44 1,500"]
    axis_y = float(by_class(narrow, "line", "visit-grid")[0].get("y1"))
    assert all(float(e.get("y")) > axis_y for e in by_class(narrow, "text", "key-dsa"))
    key = [e.text for e in by_class(narrow, "g", "key")[0].iter(SVG + "text")]
    assert "positivity cutoff 1,000 MFI" in key and "QC-failed run (no call)" in key


def test_every_narrow_text_is_at_least_11_units_and_inside_the_plot():
    """One unit is one px or more on screen (pages.css), so this is 11 px; estimated widths."""
    root = draw(DQ2, DR4, B44, sera=NEGATIVE_YEAR, layout=NARROW)
    width, height = (float(v) for v in root.get("viewBox").split()[2:])
    for text in root.iter(SVG + "text"):
        assert float(text.get("font-size") or root.get("font-size")) >= 11, text.text
        y = float(text.get("y"))
        assert 0 < y <= height, text.text
        if text.get("transform"):  # the rotated axis title
            continue
        half = len(text.text) * 12 * 0.62 / 2
        x, anchor = float(text.get("x")), text.get("text-anchor") or "start"
        left = {"start": x, "middle": x - half, "end": x - 2 * half}[anchor]
        assert 0 <= left and left + 2 * half <= width, text.text


def test_narrow_visit_labels_that_would_collide_are_left_out_their_grid_lines_kept():
    crowded = VISITS + (("M2", D(2024, 3, 5)), ("W6", D(2024, 2, 16)))
    crowded = tuple(sorted(crowded, key=lambda v: v[1]))
    root = draw(DQ2, visits=crowded, layout=NARROW)
    assert len(by_class(root, "line", "visit-grid")) == 5
    labels = by_class(root, "text", "visit-label")
    assert [e.text for e in labels][0] == "M1" and len(labels) < 5
    xs = [float(e.get("x")) for e in labels]
    assert all(b - a >= 40 for a, b in zip(xs, xs[1:], strict=False))  # "4 Feb"-wide apart
    # the wide plot has room for more; W6, 12 days after M1, would overprint it at any width
    assert [e.text for e in by_class(draw(DQ2, visits=crowded), "text", "visit-label")] == [
        "M1",
        "M2",
        "M3",
        "M6",
    ]
