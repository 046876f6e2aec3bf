"""The MFI timeline of a recipient's DSA as an SVG drawn on the server: no script, prints as seen.

One line per DSA over the visits, on a log MFI axis. Why log: the strength bands are ratios
(1000 / 3000 / 10000 each about half a decade apart), assay noise is proportional (CV ~20 %,
DSA_RULES.md §7) and the changes that matter clinically are ratios (a doubling, a fall by half,
Lopez del Moral 2022): on a log axis each looks the same at 1500 or at 15000 MFI. A linear axis
would flatten every weak DSA against the floor as soon as one strong DSA is drawn. Values below
``FLOOR`` (100 MFI) are drawn on the floor with a hollow marker and say so in their tooltip.

Colours are the Okabe-Ito palette (safe for the common colour-vision deficiencies), and each line
also has its own dash pattern, so the lines stay apart in grey print. Lines are named at their
ends (no legend to decode); the strength bands are grey, the cutoff a dashed line, the exposure a
vertical line; de novo points are ringed, preformed ones squared, rising ones capped with an arrow
head, each with a <title> (a tooltip on screen). Every serum is marked on a row above the x axis
(a QC-failed run as a red cross) and the x axis spans every serum and scheduled visit, so a
recipient monitored negative shows a year of negative sera, not an empty plot (``plot_marks``).

No text is smaller than ``svg.SMALL_TEXT`` (11) units and the page never draws a plot narrower
than its viewBox (pages.css), so every label reads at 11 px or more. The same drawing has two
``Layout``s, both served in the page: ``WIDE`` (920 units, for desktops and print) and ``NARROW``
(360 units, shown instead below 960 px by CSS, no script): fewer visit labels, spaced so that
they do not collide, band names inside the plot and the DSA names in a key under it rather than
at the lines' ends. On a 390 px phone the whole narrow plot, its y axis and its key included, is
on screen at 11 px type; the wide one would scroll its axis and names out of view (issue 15).
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from ..sab.values import mfi_text
from .plot_marks import KeyEntry, SerumMark, key_rows, point_kinds, rings, serum_row
from .svg import SMALL_TEXT
from .svg import el as _el
from .svg import fmt as _fmt

FLOOR = 100.0
# Okabe & Ito (2008), "Color Universal Design": the yellow is left out (unreadable on white).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "12 4", "4 2 1 2", "1 2")
BAND_FILLS = ("#f6f6f6", "#ececec", "#e0e0e0", "#d2d2d2")  # light to dark with strength
LABEL_GAP = 13  # px between two line-end labels
KEY_ROW = 22  # px from one key row to the next
# Estimated text widths, per character and font px: "05 Mar" measured 0.52 em a character in the
# tests' Chromium (Liberation Sans), DejaVu Sans's glyph widths give about 0.55; the visit labels
# keep a 4-unit gap on top, so that labels judged apart are apart in either.
CHAR_EM, BOLD_EM = 0.55, 0.62


@dataclass(frozen=True, slots=True)
class Layout:
    """Where the plot's parts go for one screen width, in SVG units.

    ``axis_y`` is the x axis; ``end_room`` is kept free right of the last sample for the names of
    the lines. ``legend_below``: the DSA names go into the key under the plot (not at the lines'
    ends), the key flows into as many rows as the width needs and the band names sit inside the
    plot, for a width with no room right of the plot. ``height`` None: as tall as the key needs."""

    width: int
    axis_y: int
    left: int
    right: int
    top: int
    end_room: int
    date_format: str  # the visit dates under the visit names: str.format of the date
    caption_chars: int  # the x caption wraps at this many characters
    legend_below: bool
    height: int | None = None


WIDE = Layout(
    width=920,
    axis_y=306,
    left=64,
    right=132,
    top=30,
    end_room=138,
    date_format="{0:%d %b %Y}",
    caption_chars=120,
    legend_below=False,
    height=410,
)
# 360 units: at 390 px a phone page's content box is about 370 px wide, so one unit is at least
# one px and 11-unit text stays at 11 px or more (pages.css shows it below 960 px).
NARROW = Layout(
    width=360,
    axis_y=250,
    left=60,
    right=8,
    top=36,
    end_room=10,
    date_format="{0.day} {0:%b}",
    caption_chars=40,
    legend_below=True,
)
WIDTH = WIDE.width


@dataclass(frozen=True, slots=True)
class PlotPoint:
    """One DSA's value in one sample: when drawn, its MFI, its timeline status, its visit."""

    date: dt.date
    mfi: float
    status: str
    visit: str = ""
    rising: bool = False


@dataclass(frozen=True, slots=True)
class DSASeries:
    """One DSA (antigen or allele, and its donor when several) over the samples."""

    label: str
    points: tuple[PlotPoint, ...]


@dataclass(frozen=True, slots=True)
class Band:
    """A strength category's MFI range (``high`` None: open-ended)."""

    name: str
    low: float
    high: float | None


@dataclass(frozen=True, slots=True)
class MFITimeline:
    """Everything the plot shows: the series, the rules' lines and bands, the dates that matter."""

    series: tuple[DSASeries, ...]
    cutoff: float
    bands: tuple[Band, ...] = ()
    exposure: dt.date | None = None
    exposure_label: str = "exposure"
    visits: tuple[tuple[str, dt.date], ...] = ()  # visit name, target date
    title: str = "MFI of each DSA by sample"
    sera: tuple[SerumMark, ...] = ()  # every serum and QC-failed run, DSA or not


def strength_bands(
    cutoff: float, moderate_from: float, strong_from: float, equivocal_from: float | None = None
) -> tuple[Band, ...]:
    """The bands of ``dsa.rules.Rules``: equivocal (if set), weak, moderate, strong."""
    bands = [] if equivocal_from is None else [Band("equivocal", equivocal_from, cutoff)]
    bands += [
        Band("weak", cutoff, moderate_from),
        Band("moderate", moderate_from, strong_from),
        Band("strong", strong_from, None),
    ]
    return tuple(bands)


class _Scale:
    """Data to pixels: dates on x, log10 MFI on y."""

    def __init__(self, start: dt.date, end: dt.date, top_mfi: float, layout: Layout) -> None:
        self.start, self.days = start, max((end - start).days, 1)
        self.log_low, self.log_high = math.log10(FLOOR), math.log10(top_mfi)
        self.layout = layout
        self.x0, self.edge = layout.left, layout.width - layout.right
        self.x1 = self.edge - layout.end_room
        self.y0, self.y1 = layout.axis_y, layout.top

    def x(self, day: dt.date) -> float:
        return self.x0 + (day - self.start).days / self.days * (self.x1 - self.x0)

    def y(self, mfi: float) -> float:
        value = math.log10(min(max(mfi, FLOOR), 10**self.log_high))
        share = (value - self.log_low) / (self.log_high - self.log_low)
        return self.y0 - share * (self.y0 - self.y1)


def _top_mfi(timeline: MFITimeline) -> float:
    """The axis top: a 1-3-10 step above the highest value and the highest band start."""
    highest = max(
        [timeline.cutoff, *(b.low for b in timeline.bands)]
        + [p.mfi for s in timeline.series for p in s.points]
    )
    top = 1000.0
    while top < highest * 1.4:
        top *= 3 if str(int(top))[0] == "1" else 10 / 3
    return round(top)


def _date_range(timeline: MFITimeline) -> tuple[dt.date, dt.date]:
    """Every DSA point, serum, scheduled visit and the exposure: a recipient without DSA is
    shown over its whole follow-up, not a few days around the infusion."""
    dates = [p.date for s in timeline.series for p in s.points]
    dates += [m.date for m in timeline.sera] + [day for _, day in timeline.visits]
    if timeline.exposure is not None:
        dates.append(timeline.exposure)
    if not dates:
        today = dt.date.today()
        return today - dt.timedelta(days=30), today
    start, end = min(dates), max(dates)
    pad = dt.timedelta(days=max(3, (end - start).days // 25))
    return start - pad, end + pad


def _status_text(status: str) -> str:
    return status.replace("_", " ")


def _text_width(text: str, size: float = 12, bold: bool = False) -> float:
    return len(text) * size * (BOLD_EM if bold else CHAR_EM)


def render_svg(timeline: MFITimeline, layout: Layout = WIDE) -> str:
    """The plot as one self-contained SVG element (presentation attributes only: no CSS needed),
    laid out for ``layout``: the same marks, lines and key at either width."""
    start, end = _date_range(timeline)
    scale = _Scale(start, end, _top_mfi(timeline), layout)
    x_axis, caption_end = _x_axis(timeline, scale)
    body = [
        _el("title", escape(timeline.title)),
        _el("desc", escape(_description(timeline))),
        *_bands(timeline, scale),
        *_y_axis(scale),
        *x_axis,
        *_cutoff(timeline, scale),
        *_exposure(timeline, scale),
        *serum_row(timeline.sera, scale.x, scale.y0, scale.x0),
    ]
    ends: list[tuple[float, str, str]] = []
    for index, series in enumerate(timeline.series):
        drawn, end_label = _series(series, index, scale)
        body += drawn
        if end_label is not None:
            ends.append(end_label)
    if not layout.legend_below:
        body += _end_labels(ends, scale)
    key, height = _key(timeline, scale, caption_end + KEY_ROW)
    body += key
    if not any(s.points for s in timeline.series):
        usable = sum(1 for m in timeline.sera if m.kind == "usable")
        said = f"No DSA in the {usable} sera tested so far" if usable else "No serum tested yet"
        body.append(
            _el(
                "text",
                said,
                x=_fmt((scale.x0 + scale.x1) / 2),
                y=_fmt((scale.y0 + scale.y1) / 2),
                text_anchor="middle",
                font_size=14,
                fill="#333333",
                class_="empty",
            )
        )
    return _el(
        "svg",
        "".join(body),
        xmlns="http://www.w3.org/2000/svg",
        viewBox=f"0 0 {layout.width} {height}",
        width=layout.width,
        height=height,
        role="img",
        font_family="sans-serif",
        font_size=12,
        class_="mfi-timeline-narrow" if layout.legend_below else "mfi-timeline",
    )


def _description(timeline: MFITimeline) -> str:
    lines = []
    for series in timeline.series:
        values = ", ".join(
            f"{p.visit or p.date.isoformat()} {mfi_text(p.mfi)} ({_status_text(p.status)})"
            for p in series.points
        )
        lines.append(f"{series.label}: {values or 'no values'}.")
    return " ".join(lines) or "No DSA."


def _bands(timeline: MFITimeline, scale: _Scale) -> list[str]:
    out = []
    fills = BAND_FILLS[-len(timeline.bands) :] if timeline.bands else ()
    for band, fill in zip(timeline.bands, fills, strict=True):
        top = scale.y(band.high) if band.high is not None else scale.y1
        bottom = scale.y(band.low)
        out.append(
            _el(
                "rect",
                x=scale.x0,
                y=_fmt(top),
                width=scale.edge - scale.x0,
                height=_fmt(bottom - top),
                fill=fill,
                class_="band",
                data_band=band.name,
            )
        )
        range_text = (
            f"{mfi_text(band.low)}–{mfi_text(band.high)}"
            if band.high is not None
            else f"≥ {mfi_text(band.low)}"
        )
        if scale.layout.legend_below:  # no room on the right: the name inside, the range on the axis
            out.append(
                _el(
                    "text",
                    escape(band.name),
                    x=scale.edge - 4,
                    y=_fmt(min(top + 13, bottom - 3)),
                    text_anchor="end",
                    font_size=SMALL_TEXT,
                    fill="#444444",
                    stroke=fill,
                    stroke_width=3,
                    paint_order="stroke",
                    class_="band-label",
                )
            )
            continue
        out.append(
            _el(
                "text",
                escape(band.name),
                x=scale.edge + 6,
                y=_fmt(min(top + 13, bottom - 3)),
                font_size=SMALL_TEXT,
                fill="#444444",
                class_="band-label",
            )
        )
        out.append(
            _el(
                "text",
                escape(range_text),
                x=scale.edge + 6,
                y=_fmt(min(top + 26, bottom - 3)),
                font_size=SMALL_TEXT,
                fill="#666666",
            )
        )
    return out


def _y_axis(scale: _Scale) -> list[str]:
    out = [_el("line", x1=scale.x0, y1=scale.y0, x2=scale.x0, y2=scale.y1, stroke="#333333")]
    tick = FLOOR
    while tick <= 10**scale.log_high * 1.001:
        y = _fmt(scale.y(tick))
        out.append(_el("line", x1=scale.x0 - 4, y1=y, x2=scale.x0, y2=y, stroke="#333333"))
        out.append(
            _el(
                "text",
                mfi_text(tick),
                x=scale.x0 - 7,
                y=_fmt(scale.y(tick) + 4),
                text_anchor="end",
                fill="#333333",
                class_="y-tick",
            )
        )
        tick *= 3 if str(int(tick))[0] == "1" else 10 / 3
        tick = round(tick)
    mid = (scale.y0 + scale.y1) / 2
    out.append(
        _el(
            "text",
            "MFI (log scale)",
            x=14,
            y=_fmt(mid),
            text_anchor="middle",
            transform=f"rotate(-90 14 {_fmt(mid)})",
            fill="#333333",
        )
    )
    return out


def _x_axis(timeline: MFITimeline, scale: _Scale) -> tuple[list[str], float]:
    """The x axis with a grid line at each visit, the visits labelled where their labels do not
    collide (a narrow plot has room for fewer), and a caption saying what the labels are. Also
    gives the caption's last baseline, under which the key goes."""
    layout = scale.layout
    out = [_el("line", x1=scale.x0, y1=scale.y0, x2=scale.edge, y2=scale.y0, stroke="#333333")]
    marks = [
        (name, day)
        for name, day in timeline.visits
        if scale.start <= day <= scale.start + dt.timedelta(days=scale.days)
    ]
    if not marks:  # no schedule: the first of each month (thinned to about eight labels)
        months, day = [], dt.date(scale.start.year, scale.start.month, 1)
        while day <= scale.start + dt.timedelta(days=scale.days):
            if day >= scale.start:
                months.append((day.strftime("%b"), day))
            day = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
        marks = months[:: max(1, math.ceil(len(months) / 8))]
    taken = -math.inf  # the right end of the last label drawn
    for name, day in marks:
        x = _fmt(scale.x(day))
        out.append(
            _el(
                "line",
                x1=x,
                y1=scale.y0,
                x2=x,
                y2=scale.y1,
                stroke="#999999",
                stroke_dasharray="1 3",
                class_="visit-grid",
            )
        )
        when = layout.date_format.format(day)
        half = max(_text_width(name, bold=True), _text_width(when, SMALL_TEXT)) / 2
        centre = min(max(scale.x(day), half), layout.width - half)
        if centre - half < taken + 4:
            continue  # would collide with the label before: the grid line alone marks it
        taken = centre + half
        out.append(
            _el(
                "text",
                escape(name),
                x=_fmt(centre),
                y=scale.y0 + 16,
                text_anchor="middle",
                font_weight="bold",
                fill="#333333",
                class_="visit-label",
            )
        )
        out.append(
            _el(
                "text",
                when,
                x=_fmt(centre),
                y=scale.y0 + 30,
                text_anchor="middle",
                font_size=SMALL_TEXT,
                fill="#555555",
            )
        )
    said = (
        "visit names at their target dates; points and serum marks at draw dates"
        if timeline.visits
        else "months; points and serum marks at draw dates"
    )
    y = scale.y0 + 46
    for index, line in enumerate(textwrap.wrap(said, layout.caption_chars)):
        y = scale.y0 + 46 + 14 * index
        out.append(
            _el(
                "text",
                line,
                x=_fmt((scale.x0 + scale.x1) / 2),
                y=y,
                text_anchor="middle",
                font_size=SMALL_TEXT,
                fill="#555555",
                class_="x-caption",
            )
        )
    return out, y


def _cutoff(timeline: MFITimeline, scale: _Scale) -> list[str]:
    """The cutoff line, labelled at its left end; a narrow plot has its baseline points there
    (they would cover the label), so it gives the cutoff's value in its key instead."""
    y = _fmt(scale.y(timeline.cutoff))
    line = _el(
        "line",
        x1=scale.x0,
        y1=y,
        x2=scale.edge,
        y2=y,
        stroke="#222222",
        stroke_width=1.5,
        stroke_dasharray="7 4",
        class_="cutoff",
    )
    if scale.layout.legend_below:
        return [line]
    return [
        line,
        _el(
            "text",
            f"cutoff {mfi_text(timeline.cutoff)}",
            x=scale.x0 + 4,
            y=_fmt(scale.y(timeline.cutoff) - 4),
            font_size=SMALL_TEXT,
            fill="#222222",
            stroke="#ffffff",
            stroke_width=3,
            paint_order="stroke",
        ),
    ]


def _exposure(timeline: MFITimeline, scale: _Scale) -> list[str]:
    if timeline.exposure is None:
        return []
    x = _fmt(scale.x(timeline.exposure))
    left = scale.x(timeline.exposure) < (scale.x0 + scale.x1) / 2  # label on the roomier side
    label = f"{timeline.exposure_label} {timeline.exposure.strftime('%d %b %Y')}"
    return [
        _el(
            "g",
            _el("title", escape(label))
            + _el("line", x1=x, y1=scale.y0, x2=x, y2=scale.y1 - 4, stroke="#000000", stroke_width=2)
            + _el("path", d=f"M{x} {scale.y1 - 4} l-5 -8 h10 z", fill="#000000")
            + _el(
                "text",
                escape(label),
                x=_fmt(float(x) + (8 if left else -8)),
                y=scale.y1 - 6,
                text_anchor="start" if left else "end",
                font_weight="bold",
                fill="#000000",
            ),
            class_="exposure",
        )
    ]


def _series(series: DSASeries, index: int, scale: _Scale) -> tuple[list[str], tuple[float, str, str] | None]:
    points = sorted(series.points, key=lambda p: p.date)
    if not points:
        return [], None
    colour, dash = PALETTE[index % len(PALETTE)], DASHES[index % len(DASHES)]
    path = " ".join(
        f"{'M' if i == 0 else 'L'}{_fmt(scale.x(p.date))} {_fmt(scale.y(p.mfi))}"
        for i, p in enumerate(points)
    )
    out = [
        _el(
            "path",
            d=path,
            fill="none",
            stroke=colour,
            stroke_width=2.5,
            stroke_dasharray=dash or None,
            stroke_linejoin="round",
            class_="dsa-line",
            data_dsa=series.label,
        )
    ]
    for point in points:
        x, y = _fmt(scale.x(point.date)), _fmt(scale.y(point.mfi))
        when = f"{point.visit} " if point.visit else ""
        tip = (
            f"{series.label}: {mfi_text(point.mfi)} MFI, {_status_text(point.status)} — "
            f"{when}{point.date.isoformat()}"
        )
        if point.mfi < FLOOR:
            tip += f" (below {mfi_text(FLOOR)}, drawn at {mfi_text(FLOOR)})"
        kinds = point_kinds(point.status, point.rising)
        if kinds:
            tip = " ".join(k.replace("-", " ") for k in kinds) + " DSA — " + tip
        marker = _el(
            "circle",
            cx=x,
            cy=y,
            r=4.5,
            fill="#ffffff" if point.mfi < FLOOR else colour,
            stroke=colour,
            stroke_width=2,
        )
        out.append(
            _el(
                "g",
                _el("title", escape(tip)) + rings(kinds, x, y) + marker,
                class_=" ".join(("point", *kinds)),
                data_status=point.status,
                data_dsa=series.label,
            )
        )
    last = points[-1]
    return out, (scale.y(last.mfi), f"{series.label} {mfi_text(last.mfi)}", colour)


def _end_labels(ends: Sequence[tuple[float, str, str]], scale: _Scale) -> list[str]:
    """Name each line at the right edge, nudged apart so that no two labels overlap."""
    placed: list[tuple[float, str, str]] = []
    for y, text, colour in sorted(ends):
        if placed and y - placed[-1][0] < LABEL_GAP:
            y = placed[-1][0] + LABEL_GAP
        placed.append((y, text, colour))
    overflow = placed[-1][0] - (scale.y0 - 2) if placed else 0
    if overflow > 0:  # pushed below the axis: shift the stack up, keeping the gaps
        placed = [(y - overflow, text, colour) for y, text, colour in placed]
    x = scale.x1 + 12
    return [
        _el(
            "text",
            escape(text),
            x=x,
            y=_fmt(y + 4),
            fill=colour,
            font_weight="bold",
            stroke="#ffffff",
            stroke_width=3,
            paint_order="stroke",
            class_="end-label",
        )
        for y, text, colour in placed
    ]


def _key(timeline: MFITimeline, scale: _Scale, y: float) -> tuple[list[str], float]:
    """The key from baseline ``y`` down, and the plot's height. Wide: two rows at their hand-set
    spacing. Narrow: the DSA lines first (their names are not at the lines' ends), then the
    marks, each group flowed into rows as wide as the plot; the plot is as tall as its key."""
    layout = scale.layout
    has_points = any(s.points for s in timeline.series)
    hollow = any(p.mfi < FLOOR for s in timeline.series for p in s.points)
    cutoff = (
        "positivity cutoff"
        if not layout.legend_below
        else f"positivity cutoff {mfi_text(timeline.cutoff)} MFI"
    )
    rows = key_rows(
        timeline.sera, has_points, cutoff, f"hollow: below {mfi_text(FLOOR)} MFI" if hollow else None
    )
    placed: list[tuple[float, float, KeyEntry]] = []
    if not layout.legend_below:
        for row, start in zip(rows, (layout.left, layout.left + 4), strict=True):
            at = float(start)
            for entry in row:
                placed.append((at, y, entry))
                at += entry.advance
            y += KEY_ROW
        height = layout.height or y
    else:
        for group in (_line_entries(timeline), [*rows[0], *rows[1]]):
            at = 10.0
            for entry in group:
                width = entry.text_at + _text_width(entry.text, bold=entry.bold)
                if at > 10 and at + width > layout.width - 10:
                    at, y = 10.0, y + KEY_ROW
                placed.append((at, y, entry))
                at += width + 16
            if group:
                y += KEY_ROW
        height = round(y - KEY_ROW + 14)
    out = [
        entry.swatch(x, row_y)
        + _el(
            "text",
            escape(entry.text),
            x=_fmt(x + entry.text_at),
            y=_fmt(row_y),
            fill="#333333",
            font_weight="bold" if entry.bold else None,
            class_=entry.kind,
        )
        for x, row_y, entry in placed
    ]
    return [_el("g", "".join(out), class_="key")], height


def _line_entries(timeline: MFITimeline) -> list[KeyEntry]:
    """A key entry per drawn DSA line: its colour, dash and marker, its name and latest MFI."""
    entries = []
    for index, series in enumerate(timeline.series):
        if not series.points:
            continue
        colour, dash = PALETTE[index % len(PALETTE)], DASHES[index % len(DASHES)]
        last = sorted(series.points, key=lambda p: p.date)[-1]

        def swatch(x: float, y: float, colour: str = colour, dash: str = dash) -> str:
            return _el(
                "line",
                x1=_fmt(x),
                y1=_fmt(y - 4),
                x2=_fmt(x + 28),
                y2=_fmt(y - 4),
                stroke=colour,
                stroke_width=2.5,
                stroke_dasharray=dash or None,
            ) + _el("circle", cx=_fmt(x + 14), cy=_fmt(y - 4), r=4.5, fill=colour)

        entries.append(
            KeyEntry(swatch, f"{series.label} {mfi_text(last.mfi)}", 36, bold=True, kind="key-dsa")
        )
    return entries
