"""One error hierarchy: domain errors carry a message fit for a lab user, and their HTTP status.

Domain code raises these without knowing HTTP; the API maps ``status`` to a response in one place.
"""

from __future__ import annotations


class DSAMonitorError(Exception):
    """Base of every error the service reports to a user."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = {k: v for k, v in details.items() if v is not None}

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "details": self.details}


class InvalidHLAName(DSAMonitorError, ValueError):
    """An HLA name (allele, antigen, code or GL String) that cannot be accepted.

    The message always starts with the offending token in quotes, then why:
    ``"A*99:99": no such allele in IPD-IMGT/HLA 3.58.0``.
    """

    status = 422
    code = "invalid_hla_name"

    def __init__(self, token: str, reason: str) -> None:
        super().__init__(f'"{token}": {reason}', token=token, reason=reason)
        self.token = token
        self.reason = reason


class ReferenceDataError(DSAMonitorError):
    """Reference data (an IPD-IMGT/HLA release) missing, unreadable or failing its checksum."""

    status = 422
    code = "reference_data"


class FileFormatError(DSAMonitorError):
    """A lab file that cannot be read as the layout it claims, located to file, line and column."""

    status = 422
    code = "file_format"

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: str | None = None,
        value: object = None,
        expected: str | None = None,
    ) -> None:
        where = ", ".join(
            part
            for part in (
                file,
                f"line {line}" if line is not None else None,
                f"column {column}" if column is not None else None,
            )
            if part
        )
        text = f"{where}: {message}" if where else message
        if value is not None:
            text += f" (found {value!r}"
            text += f", expected {expected})" if expected else ")"
        elif expected:
            text += f" (expected {expected})"
        super().__init__(
            text, file=file, line=line, column=column,
            value=None if value is None else str(value), expected=expected,
        )
        self.file, self.line, self.column, self.value, self.expected = (
            file, line, column, value, expected,
        )


class UnknownLot(FileFormatError):
    """A result whose bead lot has no registered catalogue: its bead regions cannot be interpreted."""

    code = "unknown_lot"


class NotFound(DSAMonitorError):
    status = 404
    code = "not_found"


class Forbidden(DSAMonitorError):
    """An authenticated caller (token or signed-in user) whose role does not allow the action."""

    status = 403
    code = "forbidden"


class Conflict(DSAMonitorError):
    status = 409
    code = "conflict"


class UnknownPatient(DSAMonitorError):
    """Samples whose patient ID names no recipient (or several): the upload cannot place them."""

    status = 422
    code = "unknown_patient"


class UploadTooLarge(DSAMonitorError):
    """An upload over the configured size limit (MAX_UPLOAD_MB), refused before it is read."""

    status = 413
    code = "upload_too_large"


class UnknownEncoding(DSAMonitorError):
    """A text encoding named with an upload that Python does not know as a text codec."""

    status = 422
    code = "unknown_encoding"


class SampleClash(DSAMonitorError):
    """A serum already stored for one recipient that an upload places with another."""

    status = 422
    code = "sample_clash"


class NoMFIValues(DSAMonitorError):
    """None of the MFI values the rules accept (normalized, BCM, raw) is given for the samples."""

    status = 422
    code = "no_mfi_values"


class InvalidRules(DSAMonitorError):
    """A rules document that cannot be used (unknown field, bad value, unordered bands)."""

    status = 422
    code = "invalid_rules"


class InvalidSetting(DSAMonitorError):
    """A setting the service cannot run with: named with its environment variable."""

    status = 500
    code = "invalid_setting"


class BackupFailed(DSAMonitorError):
    """A copy that could not be made or failed its integrity check (and was not kept)."""

    status = 500
    code = "backup_failed"


class ImplausibleDate(DSAMonitorError):
    """A date outside what a clinical record can hold."""

    status = 422
    code = "implausible_date"


class InvalidVisit(DSAMonitorError):
    """A serum assigned to a visit it cannot count for (not in the schedule, before the exposure)."""

    status = 422
    code = "invalid_visit"
