"""How an upload is read for the study it is for: the date layout the lab chose once (remembered
per study; for an upload naming no study, its recipients' studies' when they agree), strict
uploads. The three doors (page, API, command) resolve them here alike."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from ..sab.dates import date_format_of
from ..sab.model import ParsedFile, ParseOptions
from ..store.studies import get_recipient, get_study, list_studies, remember_date_layout
from .remembered_layout import layout_of_recipients
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


def upload_settings(
    db: Database,
    study: int | str | None,
    *,
    layout: str | None,
    strict: bool,
    default_format: str | None,
    recipients_layout: Callable[[], str | None] | None = None,
) -> UploadSettings:
    """The chosen layout, else the study's remembered one (for an upload naming no study, the one
    ``recipients_layout`` finds remembered by the studies of the file's recipients), else the
    server's date format; strict when asked or when the study takes strict uploads only."""
    row = None if study is None else get_study(db, study)
    strict = strict or bool(row and row["strict_uploads"])
    controls = _control_patterns(db, row)
    if layout:
        layout = layout.strip().upper()
        return UploadSettings(date_format_of(layout), layout, False, strict, controls)
    remembered = (
        row["date_layout"]
        if row is not None
        else (recipients_layout() if recipients_layout is not None else None)
    )
    if remembered:
        return UploadSettings(date_format_of(remembered), remembered, True, strict, controls)
    return UploadSettings(default_format, None, False, strict, controls)


def _control_patterns(db: Database, row: dict | None) -> str | None:
    """The study's control-serum pattern; for an upload of every study, any study's (a control
    serum of the lab is one whichever study set its pattern)."""
    if row is not None:
        return row["control_pattern"] or None
    found = [s["control_pattern"] for s in list_studies(db) if s["control_pattern"]]
    return "|".join(f"(?:{pattern})" for pattern in found) or None


def remember_layout(
    db: Database, result: UploadResult, study: int | str | None, settings: UploadSettings, *, user: str
) -> None:
    """After a stored upload with a layout chosen for it: keep that layout for its study (or, for
    an upload of every study, for the studies whose recipients it stored), and say so."""
    if settings.date_layout is None or result.outcome != "stored":
        return
    if settings.remembered:
        whose = "the study" if study is not None else "the studies of its recipients"
        result.warnings.append(
            f"dates read as {settings.date_layout}, the date layout remembered for {whose}"
        )
        return
    studies: list[int | str] = (
        [study]
        if study is not None
        else sorted({get_recipient(db, s.recipient_id)["study_id"] for s in result.samples})
    )
    remember_date_layout(db, studies, settings.date_layout, user=user)


def import_study_upload(
    db: Database,
    data: bytes,
    file_name: str,
    *,
    user: str,
    study: int | str | None,
    layout: str | None,
    strict: bool,
    default_format: str | None,
    options: ParseOptions,
    **kwargs: Any,
) -> UploadResult:
    """``import_upload`` with the study's settings: the one call of the page, API and command."""
    readings: list[ParsedFile] = []  # the reading that found the remembered layout, if any

    def recipients_layout() -> str | None:
        found, reading = layout_of_recipients(
            db,
            data,
            file_name,
            format=kwargs.get("format"),
            options=options,
            max_bytes=kwargs.get("max_bytes"),
        )
        readings.extend([reading] if reading is not None else [])
        return found

    settings = upload_settings(
        db,
        study,
        layout=layout,
        strict=strict,
        default_format=default_format,
        recipients_layout=recipients_layout,
    )
    result = import_upload(
        db,
        data,
        file_name,
        user=user,
        study=study,
        strict=settings.strict,
        control_pattern=settings.control_pattern,
        options=dataclasses.replace(options, date_format=settings.date_format),
        reading=readings[0] if readings and settings.remembered else None,
        **kwargs,
    )
    remember_layout(db, result, study, settings, user=user)
    return result
