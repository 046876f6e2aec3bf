"""The Flask application factory: configuration, then each infrastructure package's ``init_app``."""

from __future__ import annotations

import logging
import os

from flask import Flask
from werkzeug.routing import IntegerConverter

from . import api, config, store, web
from .alerts.scheduler import scheduler
from .reference import service as reference_service

log = logging.getLogger(__name__)


class RowIdConverter(IntegerConverter):
    """Every ``<int:...>`` of a route is a row id of at most 18 digits (SQLite's INTEGER holds
    19): a larger number matches no route (404) rather than failing in the query (500)."""

    regex = r"\d{1,18}"


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults < ``instance/dsa_monitor.cfg`` < environment < ``test_config``."""
    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = RowIdConverter
    app.config.from_mapping(config.DEFAULTS)
    app.config.from_pyfile("dsa_monitor.cfg", silent=True)
    app.config.update(config.from_environment())
    if test_config:
        app.config.update(test_config)
    config.check(app.config)
    config.resolve_paths(app.config, app.instance_path)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config["MAX_CONTENT_LENGTH"] = config.settings_of(app).max_upload_bytes

    reference_service.init_app(app)
    store.init_app(app)
    api.init_app(app)
    web.init_app(app)
    scheduler.init_app(app)

    return app
