"""``dsa-monitor reference``: install IPD-IMGT/HLA releases, list them, choose the active one;
install the NMDP allele-code table."""

from __future__ import annotations

import json

import click

from ..errors import DSAMonitorError
from ..reference import install, nmdp, service
from . import make_app


@click.group("reference")
def command() -> None:
    """Manage the IPD-IMGT/HLA releases the service interprets HLA typings with."""


@command.command("install")
@click.option("--release", required=True, help="Release number, e.g. 3.58.0.")
@click.option(
    "--source",
    default=None,
    help="Directory or URL holding the WMDA files (air-gapped sites); "
    "default: the IPD-IMGT/HLA repository on GitHub.",
)
@click.option(
    "--timeout",
    default=install.TIMEOUT,
    show_default=True,
    type=float,
    help="Seconds to wait for each download.",
)
@click.option("--force", is_flag=True, help="Replace the release if already installed.")
def install_command(release: str, source: str | None, timeout: float, force: bool) -> None:
    """Download (or copy), verify against md5checksum.txt, and install one release."""
    app = make_app()
    try:
        target = install.install(
            app.config["REFERENCE_DIR"], release, source, timeout=timeout, force=force
        )
    except DSAMonitorError as error:
        raise click.ClickException(error.message) from error
    active = install.active_release(app.config["REFERENCE_DIR"])
    click.echo(f"installed IPD-IMGT/HLA {release} in {target} (active release: {active})")


@command.command("list")
def list_command() -> None:
    """List the installed releases; the active one is marked with '*'."""
    reference_dir = make_app().config["REFERENCE_DIR"]
    active = install.active_release(reference_dir)
    releases = install.installed_releases(reference_dir)
    if not releases:
        click.echo(f"no release installed in {reference_dir}: running on the embedded default")
    for release in releases:
        manifest_path = install.Path(reference_dir) / release / install.MANIFEST
        manifest = (
            json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
        )
        mark = "*" if release == active else " "
        click.echo(
            f"{mark} {release}  {manifest.get('source', '?')}  {manifest.get('installed_at', '')}"
        )


@command.command("activate")
@click.argument("release")
def activate_command(release: str) -> None:
    """Make an installed RELEASE the active one (new typings are interpreted with it)."""
    app = make_app()
    try:
        install.activate(app.config["REFERENCE_DIR"], release)
        described = service.current(app).describe()
    except DSAMonitorError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"active release: {described['release']} ({described['alleles']} alleles)")


@command.command("install-nmdp")
@click.option(
    "--source",
    default=None,
    help="numer.v3.txt or numer.v3.zip, a file or URL (air-gapped sites); "
    f"default: {nmdp.DEFAULT_SOURCE}.",
)
@click.option(
    "--timeout",
    default=install.TIMEOUT,
    show_default=True,
    type=float,
    help="Seconds to wait for the download.",
)
def install_nmdp_command(source: str | None, timeout: float) -> None:
    """Install (or update) the NMDP allele-code table: without it, typings holding an NMDP code
    (A*02:AB) are refused, since a code cannot be expanded by guess."""
    app = make_app()
    try:
        target, table = nmdp.install_table(app.config["REFERENCE_DIR"], source, timeout=timeout)
    except DSAMonitorError as error:
        raise click.ClickException(error.message) from error
    updated = f", updated {table.updated}" if table.updated else ""
    click.echo(f"installed the NMDP code table in {target} ({len(table)} codes{updated})")
