"""Writing SVG elements as text: the one helper the plot's modules share (no DOM, no script)."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

# The smallest type on the plot, in SVG units. The page never draws a plot narrower than its
# viewBox (pages.css: a phone gets the 360-unit narrow plot; a screen narrower still scrolls it
# inside its frame), so one unit is at least one CSS px and this renders at 11 px or more at any
# screen width (tests/web/test_plot_text_size.py).
SMALL_TEXT = 11


def el(tag: str, text: str | None = None, **attrs: object) -> str:
    """``<tag attr="...">text</tag>``; ``class_`` -> class, ``data_x`` -> data-x; None or "" drops
    the attribute."""
    parts = "".join(
        f" {name.rstrip('_').replace('_', '-')}={quoteattr(str(value))}"
        for name, value in attrs.items()
        if value is not None and value != ""
    )
    if text is None:
        return f"<{tag}{parts}/>"
    return f"<{tag}{parts}>{text}</{tag}>"


def fmt(value: float) -> str:
    return f"{value:.1f}"
