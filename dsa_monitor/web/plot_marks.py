"""What the MFI plot marks besides the DSA lines: every serum (negative ones are what prove "de
novo"), QC-failed runs, the baseline, and the points where a DSA's story turns (de novo,
preformed, rising), each with its own shape so that grey print and colour-blind readers tell
them apart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from xml.sax.saxutils import escape

from .svg import SMALL_TEXT, el, fmt

DE_NOVO_STATUSES = frozenset({"de_novo", "de_novo_baseline_missing"})
SERUM_ROW = 12  # px above the x axis: the row of serum marks
QC_COLOUR = "#B00020"
BASELINE_HALF = 26  # px: half the "baseline" label's width, and a little room from the y axis


@dataclass(frozen=True, slots=True)
class SerumMark:
    """A serum (a draw) or a QC-failed run on the plot's serum row."""

    date: dt.date
    visit: str
    kind: str  # "usable" (drawn, tested), "qc_failed" (a run that gave no call), "excluded"
    text: str  # the tooltip: what it was and why it counts or not


def point_kinds(status: str, rising: bool) -> tuple[str, ...]:
    """Which turning points a DSA's value is: de novo, preformed, rising (any of them)."""
    kinds = []
    if status in DE_NOVO_STATUSES:
        kinds.append("de-novo")
    elif status == "preformed":
        kinds.append("preformed")
    if rising:
        kinds.append("rising")
    return tuple(kinds)


def rings(kinds: tuple[str, ...], x: str, y: str) -> str:
    """De novo: a round ring; preformed: a square; rising: an arrow head above the point."""
    out = ""
    if "de-novo" in kinds:
        out += el("circle", cx=x, cy=y, r=9, fill="none", stroke="#000000", stroke_width=2)
    if "preformed" in kinds:
        out += el(
            "rect",
            x=fmt(float(x) - 8),
            y=fmt(float(y) - 8),
            width=16,
            height=16,
            fill="none",
            stroke="#000000",
            stroke_width=2,
        )
    if "rising" in kinds:
        out += el("path", d=f"M{x} {fmt(float(y) - 19)} l-5 8 h10 z", fill="#000000")
    return out


def serum_row(
    sera: tuple[SerumMark, ...], x_of: Callable[[dt.date], float], axis_y: float, left: float
) -> list[str]:
    """One mark per serum on a row just above the x axis; the baseline is labelled, its label
    kept right of the y axis at ``left`` (the baseline serum is often a few px from it)."""
    y = axis_y - SERUM_ROW
    out = []
    for mark in sorted(sera, key=lambda m: (m.date, m.kind)):
        x = fmt(x_of(mark.date))
        if mark.kind == "qc_failed":
            shape = el(
                "path",
                d=f"M{fmt(float(x) - 5)} {fmt(y - 5)} l10 10 m0 -10 l-10 10",
                stroke=QC_COLOUR,
                stroke_width=2.5,
            )
        else:
            shape = el(
                "rect",
                x=fmt(float(x) - 4),
                y=fmt(y - 4),
                width=8,
                height=8,
                transform=f"rotate(45 {x} {fmt(y)})",
                stroke="#333333",
                fill="#ffffff" if mark.kind == "excluded" else "#777777",
            )
        label = ""
        if mark.visit == "baseline" and mark.kind == "usable":
            label = el(
                "text",
                "baseline",
                x=fmt(max(float(x), left + BASELINE_HALF)),
                y=fmt(y - 9),
                text_anchor="middle",
                font_size=SMALL_TEXT,
                fill="#333333",
                class_="baseline-label",
            )
        out.append(
            el(
                "g",
                el("title", escape(mark.text)) + shape + label,
                class_=f"serum serum-{mark.kind.replace('_', '-')}",
                data_visit=mark.visit,
                data_date=mark.date.isoformat(),
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class KeyEntry:
    """One entry of the plot's key: its swatch, drawn at ``x`` on a row whose text baseline is
    ``y``, and its text at ``x + text_at``. ``advance`` is where the next entry of a row starts on
    the wide plot (its hand-set spacing); the narrow plot flows the entries by their text width."""

    swatch: Callable[[float, float], str]
    text: str
    text_at: float
    advance: float = 0.0
    bold: bool = False
    kind: str = ""  # the text's class, if any


def key_rows(
    sera: tuple[SerumMark, ...], has_points: bool, cutoff: str, hollow: str | None
) -> tuple[list[KeyEntry], list[KeyEntry]]:
    """The key's two rows, the same for the wide and the narrow plot: the point and line marks
    (de novo, cutoff, bands, hollow), then the point shapes and the serum marks the plot draws."""
    first = [
        KeyEntry(
            lambda x, y: (
                el("circle", cx=fmt(x + 6), cy=fmt(y - 4), r=9, fill="none", stroke="#000000", stroke_width=2)
                + el("circle", cx=fmt(x + 6), cy=fmt(y - 4), r=4.5, fill="#555555")
            ),
            "de novo DSA",
            22,
            120,
        ),
        KeyEntry(
            lambda x, y: el(
                "line",
                x1=fmt(x),
                y1=fmt(y - 4),
                x2=fmt(x + 30),
                y2=fmt(y - 4),
                stroke="#222222",
                stroke_width=1.5,
                stroke_dasharray="7 4",
            ),
            cutoff,
            36,
            150,
        ),
        KeyEntry(lambda x, y: "", "grey bands: strength (weak, moderate, strong)", 0, 290),
    ]
    if hollow:
        first.append(KeyEntry(lambda x, y: "", hollow, 0))
    second = []
    if has_points:
        second += [
            KeyEntry(
                lambda x, y: el(
                    "rect",
                    x=fmt(x - 2),
                    y=fmt(y - 12),
                    width=16,
                    height=16,
                    fill="none",
                    stroke="#000000",
                    stroke_width=2,
                ),
                "preformed",
                20,
                94,
            ),
            KeyEntry(
                lambda x, y: el("path", d=f"M{fmt(x + 6)} {fmt(y - 12)} l-5 8 h10 z", fill="#000000"),
                "rising",
                18,
                76,
            ),
        ]
    if sera:
        second.append(
            KeyEntry(
                lambda x, y: el(
                    "rect",
                    x=fmt(x),
                    y=fmt(y - 8),
                    width=8,
                    height=8,
                    fill="#777777",
                    stroke="#333333",
                    transform=f"rotate(45 {fmt(x + 4)} {fmt(y - 4)})",
                ),
                "serum tested",
                14,
                115,
            )
        )
        if any(m.kind == "qc_failed" for m in sera):
            second.append(
                KeyEntry(
                    lambda x, y: el(
                        "path",
                        d=f"M{fmt(x + 1)} {fmt(y - 9)} l10 10 m0 -10 l-10 10",
                        stroke=QC_COLOUR,
                        stroke_width=2.5,
                    ),
                    "QC-failed run (no call)",
                    17,
                )
            )
    return first, second
