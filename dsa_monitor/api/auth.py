"""Who is calling: a bearer token names a role and, optionally, the one study it may see.

Roles grant permissions through one table (``readings.permissions.PERMISSIONS``); a token scoped
to a study is told "not found" (404, not 403) for anything outside it, so it learns nothing of
other studies.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, request

from ..errors import Forbidden, NotFound, Unauthenticated
from ..readings.permissions import PERMISSIONS
from ..store import get_db, tokens


@dataclass(frozen=True, slots=True)
class Caller:
    """The token behind the current request: its name goes into the audit log."""

    name: str
    role: str
    study_id: int | None
    study_code: str | None

    def sees_study(self, study_id: int) -> bool:
        return self.study_id is None or self.study_id == study_id


def require(permission: str) -> Caller:
    """Authenticate the request and check its role; the caller is kept for the view."""
    caller = _authenticate()
    if caller.role not in PERMISSIONS[permission]:
        raise Forbidden(
            f"the role {caller.role!r} may not do this ({permission})",
            role=caller.role,
            permission=permission,
        )
    g.api_caller = caller
    return caller


def current() -> Caller:
    """The caller authenticated for this request (set by ``require``)."""
    return g.api_caller


def _authenticate() -> Caller:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if not header:
        raise Unauthenticated("an Authorization: Bearer <token> header is required")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
    row = tokens.find_token(get_db(), secret.strip())
    if row is None:
        raise Unauthenticated("the token is unknown or revoked")
    return Caller(row["name"], row["role"], row["study_id"], row["study_code"])


def check_study(study_id: int, what: str, **details: object) -> None:
    """Refuse, as not found, an object of a study the caller's token is not scoped to."""
    if not current().sees_study(study_id):
        raise NotFound(f"no {what}", **details)
