"""The schemas every resource shares: the error body, text, identifiers, time stamps and dates.

Input fields check what the store cannot accept (text that is not UTF-8, integers past SQLite's
64 bits) so that such input is a 422, never a 500. Time stamps are UTC ISO 8601; dates YYYY-MM-DD.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import marshmallow as ma

from ..errors import DSAMonitorError

SQLITE_MAX_INT = 2**63 - 1


class Text(ma.fields.String):
    """A string that can be stored: encodable as UTF-8 (JSON may carry lone surrogates)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as error:
            raise ma.ValidationError("not valid UTF-8 text") from error
        return text


def _no_blank_ends(text: str) -> None:
    # A function, not a documented pattern: regex flavours disagree on what is a blank.
    if text != text.strip():
        raise ma.ValidationError("no blank at either end")


def _visible(text: str) -> None:
    # Control and format characters (zero-width spaces, right-to-left overrides) would let two
    # codes look alike on a page or in an e-mail.
    hidden = [c for c in text if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")]
    if hidden:
        raise ma.ValidationError(
            f"invisible or direction-changing character U+{ord(hidden[0]):04X} is not allowed")


def domain_check(check: Callable[[str], object]) -> Callable[[str], None]:
    """A field validator from a domain rule that raises ``DSAMonitorError``: the rule stays
    where the store or the readers apply it too, and its message becomes the field's."""
    def validate(value: str) -> None:
        try:
            check(value)
        except DSAMonitorError as error:
            raise ma.ValidationError(error.message) from error

    return validate


def code(**kwargs) -> Text:
    """A short identifier typed by people (study code, subject code, donor code, lab ID)."""
    return Text(validate=[ma.validate.Length(min=1, max=100), _no_blank_ends, _visible], **kwargs)


def identifier(**kwargs) -> ma.fields.Integer:
    """A row id as given in input: a positive JSON integer."""
    return ma.fields.Integer(
        strict=True, validate=ma.validate.Range(min=1, max=SQLITE_MAX_INT), **kwargs
    )


def timestamp() -> ma.fields.String:
    """A stored UTC time stamp, ISO 8601 with its offset (``2026-11-25T15:01:43.123456+00:00``)."""
    return ma.fields.String(dump_only=True, metadata={"format": "date-time"})


def day(**kwargs) -> ma.fields.String:
    """A stored date, ``YYYY-MM-DD``."""
    return ma.fields.String(metadata={"format": "date"}, **kwargs)


class ErrorBodySchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "machine-readable kind"})
    message = ma.fields.String(required=True, metadata={"description": "for a person to read"})
    details = ma.fields.Dict(
        required=True, metadata={"description": "where and what: field messages, file, line"}
    )


class ErrorSchema(ma.Schema):
    """Every 4xx/5xx answer of the API."""

    error = ma.fields.Nested(ErrorBodySchema, required=True)


class HealthSchema(ma.Schema):
    status = ma.fields.String(required=True)
    version = ma.fields.String(required=True)
    reference = ma.fields.Dict(required=True, metadata={"description": "the active HLA release"})
