"""``dsa-monitor serve``: run the web service (development server; use gunicorn in production)."""

from __future__ import annotations

import click
from flask import Flask

from . import existing_database, make_app


def data_folders(app: Flask) -> str:
    """Where this process keeps its data, said rather than guessed: the database file, the
    reference folder and where alert e-mails go (an SMTP server, or a folder of .eml files)."""
    config = app.config
    mail = (
        f"SMTP {config['SMTP_HOST']}:{config.get('SMTP_PORT')}"
        if config.get("SMTP_HOST")
        else f"{config['MAIL_DIR']} (.eml files; set DSA_MONITOR_SMTP_HOST to send)"
    )
    return f"  database:  {config['DATABASE']}\n  reference: {config['REFERENCE_DIR']}\n  mail:      {mail}"


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
def command(host: str, port: int) -> None:
    """Serve the web pages and the HTTP API with Flask's built-in server."""
    app = existing_database(make_app())
    click.echo(f"dsa-monitor on http://{host}:{port}/\n{data_folders(app)}")
    app.run(host=host, port=port)
