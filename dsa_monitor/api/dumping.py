"""Response schemas dumped without marshmallow's per-field machinery, to the same result.

Why: a DSA reading has ~150 values; ``Schema.dump`` reaches each through four calls (accessor,
``get_value``, ``serialize``, ``_serialize``) and cost more than reading the evaluation from the
database (0.5 of 1.1 ms per request, measured). ``dumper_of`` walks a schema's dump fields once
and returns a function that, for each field, takes the value from a dict by key and calls the
field's own ``_serialize`` (so every field type, ours included, formats exactly as marshmallow
would), descending into ``Nested`` and ``List`` without the wrappers. Whatever this fast path
does not cover is handed to marshmallow itself: a schema with dump hooks, a field with
``attribute``/a dotted name/a dump default/no attribute check (``Function``), an object that is
not a dict, a key that is absent. ``CHECK`` (on in the API tests) compares every dump with
``Schema.dump`` and raises on any difference.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import marshmallow as ma
from marshmallow.decorators import POST_DUMP, PRE_DUMP

CHECK = False  # the API tests set it: every response also dumped by marshmallow, and compared

Dumper = Callable[[Any], Any]
_ABSENT = object()
_DEPTH = 8  # nested schemas compiled (ours go 4 deep); deeper is a schema nesting itself


class DumpMismatch(AssertionError):
    """The fast dump differs from ``Schema.dump`` (only raised with ``CHECK``)."""


def dumper_of(schema: ma.Schema) -> Dumper:
    """A function that dumps like ``schema.dump`` (with ``CHECK``, compared to it)."""
    fast = _compiled(schema)

    def dump(data: Any) -> Any:
        found = fast(data)
        if CHECK:
            expected = schema.dump(data)
            if found != expected:
                raise DumpMismatch(f"{type(schema).__name__}: fast dump {found!r} != {expected!r}")
        return found

    return dump


def _compiled(schema: ma.Schema, depth: int = 0) -> Dumper:
    if schema._hooks[PRE_DUMP] or schema._hooks[POST_DUMP]:
        return schema.dump
    one = _object_dumper(schema, depth)
    if schema.many:
        return lambda data: None if data is None else [one(item) for item in data]
    return one


def _object_dumper(schema: ma.Schema, depth: int) -> Dumper:
    """One object of the schema: each dump field by key, else by marshmallow."""
    plan = [
        (name, field.data_key if field.data_key is not None else name, field, _value_dumper(field, depth))
        for name, field in schema.dump_fields.items()
    ]
    accessor = schema.get_attribute

    def dump(obj: Any) -> dict:
        if type(obj) is not dict:
            return schema.dump(obj, many=False)
        result = {}
        for name, key, field, value_of in plan:
            value = obj.get(name, _ABSENT)
            if value_of is not None and value is not _ABSENT:
                result[key] = value_of(value, name, obj)
                continue
            value = field.serialize(name, obj, accessor=accessor)  # absent, or left to marshmallow
            if value is not ma.missing:
                result[key] = value
        return result

    return dump


def _value_dumper(field: ma.fields.Field, depth: int) -> Callable[[Any, str, Any], Any] | None:
    """How a present value of ``field`` is dumped, or None: leave the field to marshmallow."""
    if (
        field.attribute is not None
        or not field._CHECK_ATTRIBUTE
        or field.dump_default is not ma.missing
        or "." in (field.name or "")
    ):
        return None
    return _contents_dumper(field, depth)


def _contents_dumper(field: ma.fields.Field, depth: int = 0) -> Callable[[Any, str, Any], Any]:
    """``field._serialize`` with ``Nested`` and ``List`` taken apart (their own code, inlined),
    down to ``_DEPTH`` nested schemas; deeper (a schema nesting itself) marshmallow's own."""
    if isinstance(field, ma.fields.Nested) and type(field) is ma.fields.Nested and depth < _DEPTH:
        schema = field.schema
        inner = _compiled(schema, depth + 1)
        many = schema.many or field.many
        if many and not schema.many:
            one = inner
            inner = lambda data: [one(item) for item in data]  # noqa: E731
        return lambda value, attr, obj: None if value is None else inner(value)
    if isinstance(field, ma.fields.List) and type(field) is ma.fields.List:
        each = _contents_dumper(field.inner, depth)
        return lambda value, attr, obj: None if value is None else [each(v, attr, obj) for v in value]
    return field._serialize
