"""The schemas every resource shares: the error body, text, identifiers, time stamps and dates.

Input fields check what the store cannot accept (text that is not UTF-8, integers past SQLite's
64 bits) so that such input is a 422, never a 500. Time stamps are UTC ISO 8601; dates YYYY-MM-DD.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable

import marshmallow as ma

from ..errors import DSAMonitorError
from .openapi_patterns import DATE_FROM_1900, VISIBLE_TEXT, VISIBLE_TEXT_RULE

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
            f"invisible or direction-changing character U+{ord(hidden[0]):04X} is not allowed"
        )


def domain_check(check: Callable[[str], object]) -> Callable[[str], None]:
    """A field validator from a domain rule that raises ``DSAMonitorError``: the rule stays
    where the store or the readers apply it too, and its message becomes the field's."""

    def validate(value: str) -> None:
        try:
            check(value)
        except DSAMonitorError as error:
            raise ma.ValidationError(error.message) from error

    return validate


def code(*, metadata: dict | None = None, **kwargs) -> Text:
    """A short identifier typed by people (study code, subject code, donor code, lab ID).

    The document gives the validators' rule as a pattern, so that a schema-valid code is
    accepted; the description says it in words."""
    metadata = dict(metadata or {})
    metadata["description"] = "; ".join(filter(None, (metadata.get("description"), VISIBLE_TEXT_RULE)))
    return Text(
        validate=[ma.validate.Length(min=1, max=100), _no_blank_ends, _visible],
        metadata={**metadata, "pattern": VISIBLE_TEXT},
        **kwargs,
    )


class ExactlyOneSchema(ma.Schema):
    """A body that takes exactly one of ``one_of``: checked on load, and said in the document
    (``spec`` adds ``oneOf: [{required: [a]}, {required: [b]}]``)."""

    one_of: tuple[str, ...] = ()
    one_of_message = "give exactly one of them"

    @ma.validates_schema
    def _exactly_one(self, data: dict, **kwargs) -> None:
        if sum(name in data for name in self.one_of) != 1:
            raise ma.ValidationError(self.one_of_message, "_schema")


class IsoDate(ma.fields.Date):
    """A date written ``YYYY-MM-DD`` exactly, from 1900 on: ``date.fromisoformat`` alone would
    take ``20240105`` and ``2024-W01-1`` too, which the document's ``format: date`` does not."""

    _ISO = re.compile(DATE_FROM_1900)

    def __init__(self, **kwargs) -> None:
        metadata = {"pattern": DATE_FROM_1900, **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> dt.date:
        if not isinstance(value, str) or not self._ISO.fullmatch(value):
            raise ma.ValidationError("not a date written YYYY-MM-DD from 1900 on")
        return super()._deserialize(value, attr, data, **kwargs)


def identifier(**kwargs) -> ma.fields.Integer:
    """A row id as given in input: a positive JSON integer."""
    return ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=SQLITE_MAX_INT), **kwargs)


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
