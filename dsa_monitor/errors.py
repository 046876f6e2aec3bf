"""One error hierarchy: domain errors carry a message fit for a lab user, and their HTTP status.

Domain code raises these without knowing HTTP; the API maps ``status`` to a response in one place.
Every error a user can be shown lives here, so its code and status are read in one file. A module's
private signal that never reaches a user (the mailer's ``DeliveryFailure``, a job's ``JobFailed``, a
date reader's ``DateError`` turned into a ``FileFormatError`` with its line) stays in its module.
"""

from __future__ import annotations

from dataclasses import dataclass

# A file wrong in every row says so without a page of thousands of lines.
MAX_PROBLEMS = 100


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
            text,
            file=file,
            line=line,
            column=column,
            value=None if value is None else str(value),
            expected=expected,
        )
        self.file, self.line, self.column, self.value, self.expected = (
            file,
            line,
            column,
            value,
            expected,
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


class Unauthenticated(DSAMonitorError):
    """No valid bearer token: missing, malformed, unknown or revoked."""

    status = 401
    code = "unauthenticated"


class InvalidSubscription(DSAMonitorError):
    """A subscription that cannot be kept (bad address, unknown kind, no or two scopes)."""

    status = 422
    code = "invalid_subscription"


class InvalidEvent(DSAMonitorError):
    """An event fact the alerts cannot record (unknown kind, a correction of nothing)."""

    status = 422
    code = "invalid_event"


class SignInRefused(DSAMonitorError):
    """A sign-in that did not succeed: the message never says whether the e-mail exists."""

    status = 401
    code = "sign_in_refused"


class AccountLocked(SignInRefused):
    """Too many wrong passwords in a row: sign-in is refused until ``locked_until``."""

    code = "account_locked"


class WeakPassword(DSAMonitorError):
    """A new password the strength rule refuses: the message says what the rule asks."""

    code = "weak_password"


class TooManyResetRequests(DSAMonitorError):
    """More reset requests for one address than the hour allows (whether or not it has an account)."""

    status = 429
    code = "too_many_reset_requests"


class ResetLinkRefused(DSAMonitorError):
    """A reset link that does not work (any more): the message says why and what to do."""

    status = 410
    code = "reset_link_refused"


class CSRFFailure(DSAMonitorError):
    """A form sent without this session's token: from another site, or from an old page."""

    status = 400
    code = "csrf"


@dataclass(frozen=True, slots=True)
class Problem:
    """One wrong cell (or row, or header): where it is and why."""

    line: int
    column: str | None
    message: str
    value: str | None = None

    def text(self, file_name: str) -> str:
        where = ", ".join(
            p for p in (file_name, f"line {self.line}", self.column and f"column {self.column}") if p
        )
        found = f" (found {self.value!r})" if self.value else ""
        return f"{where}: {self.message}{found}"

    def to_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "message": self.message, "value": self.value}


class EnrolmentRefused(DSAMonitorError):
    """An enrolment file refused whole: its problems, each with line and column."""

    status = 422
    code = "enrolment_refused"

    def __init__(self, file_name: str, problems: list[Problem]) -> None:
        shown = problems[:MAX_PROBLEMS]
        more = len(problems) - len(shown)
        lines = "\n".join(p.text(file_name) for p in shown)
        tail = f"\n... and {more} more" if more > 0 else ""
        super().__init__(
            f"{file_name}: nothing enrolled, {len(problems)} problem(s):\n{lines}{tail}",
            file=file_name,
            problems=[p.to_dict() for p in shown],
        )
        self.file_name, self.problems = file_name, problems
