"""``dsa-monitor serve``: run the web service (development server; use gunicorn in production)."""

from __future__ import annotations

import click

from . import existing_database, make_app


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
def command(host: str, port: int) -> None:
    """Serve the web pages and the HTTP API with Flask's built-in server."""
    app = existing_database(make_app())
    click.echo(f"dsa-monitor on http://{host}:{port}/ (database {app.config['DATABASE']})")
    app.run(host=host, port=port)
