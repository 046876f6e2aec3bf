"""``dsa-monitor import FILE``: store a lab's SAB result file, all or nothing."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import click

from .. import store
from ..errors import DSAMonitorError
from ..ingest import UploadRequest, import_request, read_manifest
from ..store.schema import SERUM_TREATMENTS
from . import settings


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format", "format_", default=None, help="fusion, matchit, xponent, generic or haml (default: detected)."
)
@click.option(
    "--manifest",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV with columns sample_id,draw_date (ISO dates) for files without draw dates.",
)
@click.option(
    "--user",
    default=getpass.getuser,
    show_default="the login name",
    help="Who uploads (kept in the audit log).",
)
@click.option(
    "--study",
    default=None,
    help="The study the file is for: patient IDs are matched within it, and its"
    " remembered date layout, control-serum pattern and strictness apply.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Refuse the whole file when any sample is not an enrolled recipient's"
    " (control sera aside); by default such samples are listed as not stored.",
)
@click.option(
    "--date-layout",
    default=None,
    help="How the file's ambiguous dates are written, e.g. DD-MM-YYYY or MM/DD/YYYY;"
    " remembered for the study (default: the study's remembered layout).",
)
@click.option(
    "--treatment",
    type=click.Choice(SERUM_TREATMENTS),
    default="neat",
    show_default=True,
    help="How the serum was treated before the run.",
)
@click.option(
    "--lot",
    default=None,
    help="The bead lot of the run when the file does not name it (xPONENT exports whose"
    " ProtocolName holds no lot); its catalogue must be registered.",
)
@click.option(
    "--encoding",
    default=None,
    help="Text encoding of a file that is not UTF-8 or UTF-16/32 with a byte-order mark,"
    " e.g. cp1252 for old Windows exports.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON.")
def command(
    file: Path,
    format_: str | None,
    manifest: Path | None,
    user: str,
    study: str | None,
    strict: bool,
    date_layout: str | None,
    treatment: str,
    lot: str | None,
    encoding: str | None,
    as_json: bool,
) -> None:
    """Import one result FILE (HLA Fusion, MATCH IT!, xPONENT, HAML): samples are matched to
    recipients by the lab's patient ID, QC-checked and stored in one transaction; a rejected file
    is recorded with its reason. The same file twice is recognised; a corrected file supersedes.
    Samples of no enrolled recipient (control sera, other services' patients) are listed as not
    stored, unless --strict."""
    config = settings()
    db = store.open_database(config.database)
    try:
        draw_dates = read_manifest(manifest.read_bytes(), manifest.name) if manifest else None
        result = import_request(
            db,
            UploadRequest(
                file.read_bytes(),
                file.name,
                user,
                format=format_,
                manifest=draw_dates,
                study=study,
                layout=date_layout,
                strict=strict,
                lot=lot,
                encoding=encoding,
                serum_treatment=treatment,
            ),
            config,
        )
    except DSAMonitorError as error:
        not_stored = error.details.get("not_stored")  # the placement's list, when it says one
        raise click.ClickException(
            error.message + _not_stored_lines(not_stored if isinstance(not_stored, list) else [])
        ) from error
    finally:
        db.close()
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
        return
    if result.outcome == "duplicate":
        click.echo(f"{file.name}: already stored as upload {result.duplicate_of}; nothing stored")
        return
    stored = len(result.samples)
    click.echo(
        f"{file.name}: upload {result.upload_id}, {stored} sample(s) stored,"
        f" {len(result.not_stored)} not stored"
    )
    for sample in result.samples:
        notes = [f"draw date {sample.draw_date} ({sample.draw_date_source})", f"QC {sample.qc_status}"]
        if sample.qc_reasons:
            notes[-1] += f" ({'; '.join(sample.qc_reasons)})"
        if sample.excluded:
            notes.append("excluded from DSA calls")
        if sample.supersedes is not None:
            notes.append(f"supersedes sample {sample.supersedes}")
        click.echo(f"  {sample.lab_sample_id} class {sample.hla_class}: {', '.join(notes)}")
    click.echo(_not_stored_lines(result.not_stored).lstrip("\n"), nl=False)
    for warning in result.warnings:
        click.echo(f"  warning: {warning}")


def _not_stored_lines(not_stored: list[dict]) -> str:
    """One line per sample not stored, with its reason (and the enrolled IDs it is nearly)."""
    lines = []
    for entry in not_stored:
        near = f" (nearly {', '.join(entry['near'])})" if entry.get("near") else ""
        lines.append(f"  not stored: {entry['sample_id']}: {entry['reason']}{near}\n")
    return "\n" + "".join(lines) if lines else ""
