"""The upload pipeline: lab file bytes in, samples stored all or nothing, JSON-ready answer out."""

from __future__ import annotations

from .enrolment import EnrolmentResult, enrol_file
from .enrolment_file import EnrolmentRefused
from .manifest import read_manifest
from .request import UploadRequest, import_request, sent_file_name
from .result import HIDDEN_DUPLICATE, StoredSample, UploadResult
from .study_settings import import_study_upload
from .upload import import_parsed, import_upload

__all__ = [
    "HIDDEN_DUPLICATE",
    "EnrolmentRefused",
    "EnrolmentResult",
    "StoredSample",
    "UploadRequest",
    "UploadResult",
    "enrol_file",
    "import_parsed",
    "import_request",
    "sent_file_name",
    "import_study_upload",
    "import_upload",
    "read_manifest",
]
