"""WSGI entry point for gunicorn: ``gunicorn wsgi:app``."""

from dsa_monitor.app import create_app

app = create_app()
