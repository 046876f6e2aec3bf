"""An upload attempt: the bytes a user sent, their digest, and who sent them.

Every answer and record of an upload names these (the stored upload, a rejection, a duplicate's
answer, the audit), so they travel as one typed value rather than a dict read by key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Attempt:
    data: bytes
    file_name: str
    user: str
    sha256: str
    size: int

    @classmethod
    def of(cls, data: bytes, file_name: str, user: str) -> Attempt:
        return cls(data, file_name, user, hashlib.sha256(data).hexdigest(), len(data))
