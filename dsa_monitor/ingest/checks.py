"""What an upload is refused for beyond what the parsers check: an encoding name that is no text
encoding, impossible dates, samples with fewer beads than their lot (a file cut short)."""

from __future__ import annotations

import codecs
import datetime as dt

from ..errors import FileFormatError, UnknownEncoding
from ..sab.catalogue import Catalogue, CatalogueRegistry
from ..sab.model import ParsedFile, SampleResult

EARLIEST = dt.date(1900, 1, 1)
# A lab ahead of UTC may date a serum "tomorrow": one day of grace, no more.
GRACE = dt.timedelta(days=1)


def check_encoding(encoding: str | None, file_name: str) -> None:
    """Refuse an encoding name Python cannot decode text with, before any byte is read: a file
    with a byte-order mark would otherwise be read without it and the mistake go unnoticed."""
    if encoding is None:
        return
    try:
        # bytes.decode refuses the codecs that are not text (base64, zlib) by this same flag.
        known = getattr(codecs.lookup(encoding), "_is_text_encoding", True)
    except (LookupError, ValueError):  # ValueError: a NUL in the name ("embedded null")
        known = False
    if not known:
        raise UnknownEncoding(
            f"unknown text encoding {encoding!r}; e.g. utf-8, cp1252, utf-16",
            encoding=encoding,
            file=file_name,
        )


def utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def date_problem(value: dt.date, today: dt.date) -> str | None:
    """Why a draw or run date cannot be true, or None."""
    if value < EARLIEST:
        return f"is before {EARLIEST.year}"
    if value > today + GRACE:
        return f"is in the future (today is {today.isoformat()} UTC)"
    return None


def plausible_range(today: dt.date) -> str:
    return f"a date from {EARLIEST.isoformat()} to {(today + GRACE).isoformat()}"


def check_sample_dates(
    sample: SampleResult, draw_date: dt.date, source: str, file_name: str, today: dt.date
) -> None:
    """Refuse a run or draw date in the future or before 1900, and a serum tested before drawn."""
    drawn = "draw date" if source == "file" else f"draw date (from the {source.replace('_', ' ')})"
    for what, value in (("run date", sample.run_date), (drawn, draw_date)):
        problem = None if value is None else date_problem(value, today)
        if value is not None and problem:
            raise FileFormatError(
                f"sample {sample.sample_id!r}: the {what} {problem}",
                file=file_name,
                line=sample.line,
                value=value.isoformat(),
                expected=plausible_range(today),
            )
    if sample.run_date is not None and draw_date > sample.run_date:
        raise FileFormatError(
            f"sample {sample.sample_id!r}: the {drawn} {draw_date.isoformat()} is later than its"
            f" run date {sample.run_date.isoformat()} (a serum cannot be tested before it is"
            " drawn)",
            file=file_name,
            line=sample.line,
            expected=f"a draw date on or before {sample.run_date.isoformat()}",
        )


def lot_catalogue(registry: CatalogueRegistry, lot: str | None) -> Catalogue | None:
    """The one registered catalogue a sample's lot names, or None (unregistered or ambiguous)."""
    found = registry.find(lot) if lot else []
    return found[0] if len(found) == 1 else None


def check_complete(parsed: ParsedFile, registry: CatalogueRegistry) -> None:
    """Refuse a file with a sample missing beads: fewer antigen beads than its lot's registered
    catalogue, or fewer beads than another sample of the same lot in the file. A file cut at a
    line boundary parses cleanly; storing it would hide every DSA against the beads cut off."""
    fullest: dict[str, SampleResult] = {}
    for sample in parsed.samples:
        if sample.lot and len(sample.beads) > len(fullest.setdefault(sample.lot, sample).beads):
            fullest[sample.lot] = sample
    short: list[tuple[SampleResult, str]] = []
    for sample in parsed.samples:
        catalogue = lot_catalogue(registry, sample.lot)
        antigens = sum(bead.control is None for bead in sample.beads)
        expected = 0 if catalogue is None else sum(b.control is None for b in catalogue.beads)
        other = fullest.get(sample.lot) if sample.lot else None
        if catalogue is not None and antigens < expected:
            short.append(
                (
                    sample,
                    f"has {antigens} antigen beads where the registered catalogue"
                    f" of lot {catalogue.lot} has {expected}",
                )
            )
        elif other is not None and len(sample.beads) < len(other.beads):
            short.append(
                (
                    sample,
                    f"has {len(sample.beads)} beads where sample"
                    f" {other.sample_id!r} of the same lot has {len(other.beads)}",
                )
            )
    if short:
        raise FileFormatError(
            "the file looks truncated: "
            + "; ".join(f"sample {s.sample_id!r} (lot {s.lot}) {why}" for s, why in short)
            + "; nothing was stored",
            file=parsed.file_name,
            line=short[0][0].line,
            expected="every sample with all the beads of its lot: upload the complete export",
        )


def unterminated_warning(data: bytes, format: str) -> str | None:
    """A text export whose last line has no line break may have been cut inside its last value
    (3517 read as 35): said in the answer, not refused, since many complete exports end so."""
    if format == "haml":  # XML: a cut document does not parse at all
        return None
    tail = data.rstrip(b"\x00\x1a \t")  # UTF-16/32 padding, DOS end-of-file mark, blanks
    if not tail or tail.endswith((b"\n", b"\r")):
        return None
    return (
        "the file's last line has no line break: if the file was cut short (an interrupted copy"
        " or transfer), the last value may be incomplete; check the last sample against the"
        " lab's export"
    )
