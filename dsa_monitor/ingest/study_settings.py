"""How an upload is read for the study it is for: the date layout the lab chose once (remembered
per study), strict uploads. The three doors (page, API, command) resolve them here alike."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from ..sab.dates import date_format_of
from ..sab.model import ParseOptions
from ..store.studies import get_recipient, get_study, list_studies, remember_date_layout
from .result import UploadResult
from .upload import import_upload


@dataclass(frozen=True, slots=True)
class UploadSettings:
    """What the upload is read with, and where each setting came from (said in the answer)."""

    date_format: str | None  # strptime pattern, or None: read from the file's own dates
    date_layout: str | None  # as the lab writes it (DD-MM-YYYY)
    remembered: bool  # the layout is the study's remembered one, not chosen with this upload
    strict: bool
    control_pattern: str | None  # the study's own control sera (all studies' for an upload of all)


def upload_settings(db: Database, study: int | str | None, *, layout: str | None,
                    strict: bool, default_format: str | None) -> UploadSettings:
    """The chosen layout, else the study's remembered one, else the server's date format; strict
    when asked or when the study takes strict uploads only."""
    row = None if study is None else get_study(db, study)
    strict = strict or bool(row and row["strict_uploads"])
    controls = _control_patterns(db, row)
    if layout:
        layout = layout.strip().upper()
        return UploadSettings(date_format_of(layout), layout, False, strict, controls)
    if row is not None and row["date_layout"]:
        return UploadSettings(date_format_of(row["date_layout"]), row["date_layout"], True,
                              strict, controls)
    return UploadSettings(default_format, None, False, strict, controls)


def _control_patterns(db: Database, row: dict | None) -> str | None:
    """The study's control-serum pattern; for an upload of every study, any study's (a control
    serum of the lab is one whichever study set its pattern)."""
    if row is not None:
        return row["control_pattern"] or None
    found = [s["control_pattern"] for s in list_studies(db) if s["control_pattern"]]
    return "|".join(f"(?:{pattern})" for pattern in found) or None


def remember_layout(db: Database, result: UploadResult, study: int | str | None,
                    settings: UploadSettings, *, user: str) -> None:
    """After a stored upload with a layout chosen for it: keep that layout for its study (or, for
    an upload of every study, for the studies whose recipients it stored), and say so."""
    if settings.date_layout is None or result.outcome != "stored":
        return
    if settings.remembered:
        result.warnings.append(f"dates read as {settings.date_layout}, the date layout"
                               " remembered for the study")
        return
    studies: list[int | str] = [study] if study is not None else sorted(
        {get_recipient(db, s.recipient_id)["study_id"] for s in result.samples})
    remember_date_layout(db, studies, settings.date_layout, user=user)


def import_study_upload(db: Database, data: bytes, file_name: str, *, user: str,
                        study: int | str | None, layout: str | None, strict: bool,
                        default_format: str | None, options: ParseOptions,
                        **kwargs: Any) -> UploadResult:
    """``import_upload`` with the study's settings: the one call of the page, API and command."""
    settings = upload_settings(db, study, layout=layout, strict=strict,
                               default_format=default_format)
    result = import_upload(
        db, data, file_name, user=user, study=study, strict=settings.strict,
        control_pattern=settings.control_pattern,
        options=dataclasses.replace(options, date_format=settings.date_format), **kwargs)
    remember_layout(db, result, study, settings, user=user)
    return result
