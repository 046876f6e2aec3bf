"""The one door for result files: bytes in, ``ParsedFile`` out, whatever the vendor layout.

Each layout is a module with ``sniff(text) -> bool`` and ``parse(text, file_name, options)``.
``FORMATS`` names them in detection order: XML layouts and the instrument export first, then the
vendor CSVs, then the documented generic CSV (its header names are exact, so it never shadows one).
Modules are imported lazily so that a layout still being written does not break the others.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from ...errors import FileFormatError
from ..checks import check_parsed
from ..csvtable import first_line
from ..decoding import decode
from ..model import ParsedFile, ParseOptions

FORMATS: dict[str, str] = {
    "haml": f"{__name__}.haml",
    "xponent": f"{__name__}.xponent",
    "matchit": f"{__name__}.matchit",
    "generic": f"{__name__}.generic",
    "fusion": f"{__name__}.fusion",
}

DESCRIPTIONS: dict[str, str] = {
    "haml": "HAML XML (HLA Antibody Markup Language)",
    "xponent": "Luminex xPONENT CSV with a registered lot catalogue",
    "matchit": "Immucor MATCH IT! Antibody CSV export",
    "generic": "the documented generic CSV (docs/generic-csv.md)",
    "fusion": "One Lambda HLA Fusion CSV export",
}


def load_format(name: str) -> ModuleType:
    """The module reading layout ``name``; an error listing the known layouts otherwise."""
    module_name = FORMATS.get(name)
    if module_name is None:
        raise FileFormatError(
            f"unknown file format {name!r}",
            value=name,
            expected=f"one of {', '.join(sorted(FORMATS))}",
        )
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != module_name:
            raise
        raise FileFormatError(
            f"file format {name!r} is not available in this installation",
            value=name,
            expected=f"one of {', '.join(available_formats())}",
        ) from None


def available_formats() -> list[str]:
    """Names of the layouts whose reader is installed, in detection order."""
    return [name for name in FORMATS if _optional_module(name) is not None]


def _optional_module(name: str) -> ModuleType | None:
    """The layout's module, or ``None`` only when that module itself does not exist."""
    module_name = FORMATS[name]
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name == module_name:
            return None
        raise


def detect_format(text: str, file_name: str) -> str:
    """The first layout whose ``sniff`` accepts ``text``; an error listing the layouts if none."""
    for name in FORMATS:
        module = _optional_module(name)
        if module is not None and module.sniff(text):
            return name
    found = first_line(text)
    start = found[1][:120] if found else ""
    for name in FORMATS:
        module = _optional_module(name)
        hint = getattr(module, "near_miss", None)
        message = hint(text) if hint else None
        if message:
            raise FileFormatError(
                message,
                file=file_name,
                line=found[0] if found else None,
                value=start,
                expected=f"the header of the {DESCRIPTIONS[name]}",
            )
    known = "; ".join(f"{name}: {DESCRIPTIONS[name]}" for name in available_formats())
    raise FileFormatError(
        "the file is not in a layout this service reads",
        file=file_name,
        line=found[0] if found else None,
        value=start,
        expected=known,
    )


def parse_file(
    data: bytes,
    file_name: str,
    *,
    format: str | None = None,
    options: ParseOptions = ParseOptions(),  # noqa: B008 - frozen dataclass, safe as a default
) -> ParsedFile:
    """Decode ``data``, detect its layout unless ``format`` names one, parse it, and check its
    identifiers and numbers the one way every layout's are checked (``checks.check_parsed``)."""
    module = load_format(format) if format is not None else None
    text = [decode(data, file_name, options.encoding)]
    if module is None:
        module = load_format(detect_format(text[0], file_name))
    # Handed over, not kept here (a Python call takes its arguments over from the caller's
    # stack): a reader may then free the text once read into its table (fusion.parse).
    parsed = module.parse(text.pop(), file_name, options)
    check_parsed(parsed)
    return parsed
