"""An upload as a door received it, and the one call that imports it under the settings.

The upload page, the API and ``dsa-monitor import`` each parse their own form or options into an
``UploadRequest``; what happens to it (the study's settings, the size limit, the QC limits, the
date layout) is decided once, here and below, never in a door.
"""

from __future__ import annotations

import datetime as dt
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass

from sqlite_utils import Database

from ..config import Settings
from ..sab.model import ParseOptions
from .result import UploadResult
from .study_settings import import_study_upload


def sent_file_name(name: str | None, default: str) -> str:
    """The name a client sent with a file, without the folders of its machine (a Windows
    browser may send ``C:\\runs\\run.csv``): what errors and the upload list call the file."""
    return posixpath.basename((name or "").replace("\\", "/")) or default


@dataclass(frozen=True, slots=True)
class UploadRequest:
    """One lab file and how its sender asked for it to be read."""

    data: bytes
    file_name: str
    user: str  # who sent it (kept with the upload and in the audit log)
    format: str | None = None  # None: recognised from the file
    manifest: Mapping[str, dt.date] | None = None  # draw dates by sample ID
    study: int | str | None = None  # the study it is for (id or code); None: every study
    layout: str | None = None  # the date layout chosen with this upload (DD/MM/YYYY)
    strict: bool = False  # refuse the file when any sample is not enrolled
    lot: str | None = None
    encoding: str | None = None
    serum_treatment: str = "neat"


def import_request(db: Database, request: UploadRequest, settings: Settings) -> UploadResult:
    """Import one upload, all or nothing, under the service's settings and its study's."""
    return import_study_upload(
        db,
        request.data,
        request.file_name,
        user=request.user,
        format=request.format,
        manifest=request.manifest,
        study=request.study,
        layout=request.layout,
        strict=request.strict,
        default_format=settings.date_format,
        options=ParseOptions(lot=request.lot, encoding=request.encoding),
        max_bytes=settings.max_upload_bytes,
        qc_limits=settings.qc_limits,
        serum_treatment=request.serum_treatment,
    )
