"""Safe XML reading for lab files (.eds lot files, HAML): no entities, elements located by line.

Lab files come from outside: defusedxml refuses entity declarations and external references
(billion-laughs, XXE), and every element keeps the line it started on so errors can point at it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from ..errors import FileFormatError

_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


class _LineTreeBuilder(ET.TreeBuilder):
    """A tree builder that notes the line each element starts on."""

    def __init__(self) -> None:
        super().__init__()
        self.expat: object | None = None
        self.lines: dict[int, int] = {}

    def start(self, tag: str, attrs: dict[str, str]) -> ET.Element:
        element = super().start(tag, attrs)
        self.lines[id(element)] = self.expat.CurrentLineNumber  # type: ignore[union-attr]
        return element


@dataclass
class XMLDocument:
    """A parsed XML file with the line of each element, for error messages."""

    root: ET.Element
    file_name: str
    lines: dict[int, int] = field(default_factory=dict)

    def line(self, element: ET.Element) -> int | None:
        return self.lines.get(id(element))

    def error(
        self,
        message: str,
        element: ET.Element,
        *,
        column: str | None = None,
        value: object = None,
        expected: str | None = None,
    ) -> FileFormatError:
        return FileFormatError(
            message,
            file=self.file_name,
            line=self.line(element),
            column=column,
            value=value,
            expected=expected,
        )


def parse_xml(data: bytes | str, file_name: str) -> XMLDocument:
    """Parse untrusted XML bytes or text; malformed XML or entities become a FileFormatError."""
    if isinstance(data, str):
        # The text is already decoded: an encoding declaration would only contradict it.
        data = _DECLARATION.sub("", data.lstrip("\ufeff"), count=1)
    builder = _LineTreeBuilder()
    parser = DefusedXMLParser(target=builder)
    builder.expat = parser.parser
    try:
        parser.feed(data)
        root = parser.close()
    except ET.ParseError as exc:
        line, column = exc.position
        reason = re.sub(r": line \d+, column \d+$", "", str(exc))
        raise FileFormatError(
            f"not well-formed XML: {reason}", file=file_name, line=line, column=str(column + 1)
        ) from None
    except DefusedXmlException as exc:
        raise FileFormatError(
            f"XML with entity declarations or external references is refused ({exc})",
            file=file_name,
        ) from None
    return XMLDocument(root, file_name, builder.lines)


def local_name(tag: str) -> str:
    """An element's name without its namespace (``{urn:HAML.Namespace}bead`` -> ``bead``)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def child(element: ET.Element, name: str) -> ET.Element | None:
    """The first child with that local name, whatever its namespace."""
    for item in element:
        if local_name(item.tag) == name:
            return item
    return None


def children(element: ET.Element, name: str) -> list[ET.Element]:
    """All children with that local name, whatever their namespace."""
    return [item for item in element if local_name(item.tag) == name]


def child_text(element: ET.Element, name: str) -> str | None:
    """The stripped text of the first child of that name; None when absent or empty."""
    item = child(element, name)
    if item is None or item.text is None:
        return None
    text = " ".join(item.text.split())
    return text or None
