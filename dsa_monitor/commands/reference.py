"""``dsa-monitor reference``: install IPD-IMGT/HLA releases, list them, choose the active one;
install the NMDP allele-code table; install eplet tables."""

from __future__ import annotations

import json

import click

from ..reference import eplets, install, nmdp, service
from . import domain_errors, make_app, settings


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
    with domain_errors():
        target = install.install(settings(app).reference_dir, release, source, timeout=timeout, force=force)
    active = install.active_release(settings(app).reference_dir)
    click.echo(f"installed IPD-IMGT/HLA {release} in {target} (active release: {active})")


@command.command("list")
def list_command() -> None:
    """List the installed releases; the active one is marked with '*'."""
    reference_dir = settings().reference_dir
    active = install.active_release(reference_dir)
    releases = install.installed_releases(reference_dir)
    if not releases:
        click.echo(f"no release installed in {reference_dir}: running on the embedded default")
    for release in releases:
        manifest_path = install.Path(reference_dir) / release / install.MANIFEST
        manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
        mark = "*" if release == active else " "
        click.echo(f"{mark} {release}  {manifest.get('source', '?')}  {manifest.get('installed_at', '')}")


@command.command("activate")
@click.argument("release")
def activate_command(release: str) -> None:
    """Make an installed RELEASE the active one (new typings are interpreted with it)."""
    app = make_app()
    with domain_errors():
        install.activate(settings(app).reference_dir, release)
        described = service.current(app).describe()
    click.echo(f"active release: {described['release']} ({described['alleles']} alleles)")


@command.command("install-nmdp")
@click.option(
    "--source",
    default=None,
    help=f"numer.v3.txt or numer.v3.zip, a file or URL (air-gapped sites); default: {nmdp.DEFAULT_SOURCE}.",
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
    with domain_errors():
        target, table = nmdp.install_table(settings(app).reference_dir, source, timeout=timeout)
    updated = f", updated {table.updated}" if table.updated else ""
    click.echo(f"installed the NMDP code table in {target} ({len(table)} codes{updated})")


@command.command("install-eplets")
@click.option(
    "--source",
    required=True,
    type=click.Path(exists=True, file_okay=False),
    help="Folder holding MHC_I_eplet_<v>.csv, MHC_II_eplet_B_<v>.csv and "
    "MHC_II_eplet_A_<v>.csv (hlaR's inst/extdata/ref layout) and their licence.",
)
@click.option(
    "--version",
    "version",
    default=None,
    help="Table version to install (v2, v3); needed when the folder holds several.",
)
@click.option(
    "--activate",
    "activate_it",
    is_flag=True,
    help="Make it the active version (the first one installed always is).",
)
@click.option("--force", is_flag=True, help="Replace the version if already installed.")
def install_eplets_command(source: str, version: str | None, activate_it: bool, force: bool) -> None:
    """Install one version of the eplet tables (HLAMatchmaker-derived, from hlaR) beside the
    others: every eplet load and candidate eplet names the version it was read with."""
    reference_dir = settings().reference_dir
    with domain_errors():
        table = eplets.install_tables(reference_dir, source, version, force=force, activate_it=activate_it)
    sizes = ", ".join(
        f"{g} {d['alleles']} alleles/{d['eplets']} eplets" for g, d in table.describe()["groups"].items()
    )
    click.echo(
        f"installed eplet tables {table.version} ({sizes}); active: {eplets.active_version(reference_dir)}"
    )
    for note in table.notes:
        click.echo(f"  note: {note}")


@command.command("activate-eplets")
@click.argument("version")
def activate_eplets_command(version: str) -> None:
    """Make an installed VERSION of the eplet tables the active one."""
    reference_dir = settings().reference_dir
    with domain_errors():
        eplets.activate(reference_dir, version)
    click.echo(
        f"active eplet tables: {version} (installed: {', '.join(eplets.installed_versions(reference_dir))})"
    )
