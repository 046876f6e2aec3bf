"""Writing SVG elements as text: the one helper the plot's modules share (no DOM, no script)."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr


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
