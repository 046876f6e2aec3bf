"""PLACEHOLDER, replaced by the reference-data work: which release the app runs on."""

from __future__ import annotations


class _Embedded:
    def describe(self) -> dict:
        return {"release": "embedded", "embedded": True}


def init_app(app) -> None:
    app.extensions["dsa_reference"] = _Embedded()


def current(app):
    return app.extensions["dsa_reference"]
