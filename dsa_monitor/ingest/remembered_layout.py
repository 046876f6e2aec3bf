"""The date layout an upload naming no study is read with: the one remembered for the studies of
the recipients its samples belong to, when they all remember the same one.

A lab chooses the layout of its ambiguous dates once per study (``study_settings``); a run file
sent without a study is of the same lab and the same studies, so it is read as they are. Which
recipients a file's samples belong to is decided by ``place_samples``, the rule of the upload
itself; to know the samples, the file is read once beforehand with a remembered layout (the
samples a file names do not depend on how its dates are read); when that is the layout found,
that reading is the upload's own (the file is not read twice). Studies that disagree, a study
that remembers none, or a file that cannot be read or placed give no layout: the upload then
asks for one as before, and its own reading reports what is wrong with the file.
"""

from __future__ import annotations

import dataclasses

from sqlite_utils import Database

from ..errors import DSAMonitorError
from ..sab.dates import date_format_of
from ..sab.model import ParsedFile, ParseOptions
from ..store.studies import get_recipient, get_study, list_studies
from .placement import place_samples
from .upload import parse


def layout_of_recipients(
    db: Database,
    data: bytes,
    file_name: str,
    *,
    format: str | None,
    options: ParseOptions,
    max_bytes: int | None,
) -> tuple[str | None, ParsedFile | None]:
    """The layout all studies of the file's enrolled samples remember, or None; and the file as
    read with that layout when the first reading was made with it (else None)."""
    layouts = sorted({s["date_layout"] for s in list_studies(db) if s["date_layout"]})
    if not layouts or (max_bytes is not None and len(data) > max_bytes):
        return None, None  # nothing remembered, or refused for its size anyway
    first = _first_reading(db, data, file_name, format, options, layouts)
    if first is None:
        return None, None
    read_with, parsed = first
    try:
        placement = place_samples(db, parsed, None, [])
    except DSAMonitorError:  # no enrolled sample, or an ID of several recipients: said later
        return None, None
    studies = {get_recipient(db, r)["study_id"] for r in set(placement.recipients) if r}
    found = {get_study(db, study)["date_layout"] for study in studies}
    if len(found) != 1 or None in found:
        return None, None
    layout = found.pop()
    return layout, parsed if layout == read_with else None


def _first_reading(
    db: Database, data: bytes, file_name: str, format: str | None, options: ParseOptions, layouts: list[str]
) -> tuple[str, ParsedFile] | None:
    """The first remembered layout the file's dates allow and the file read with it, or None."""
    for layout in layouts:
        try:
            return layout, parse(
                db,
                data,
                file_name,
                format=format,
                options=dataclasses.replace(options, date_format=date_format_of(layout)),
            )
        except Exception:  # any refusal is the upload's own to record and to say
            continue
    return None
