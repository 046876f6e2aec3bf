"""``dsa-monitor report``: a study's report (the sentence, sera per visit) or its long-format
export, as the report page and ``GET /api/v1/studies/{code}/report`` give them."""

from __future__ import annotations

import datetime as dt

import click

from .. import store
from ..readings.eplet_table import active_table
from ..readings.report import export_csv, export_rows, report_csv, study_report
from . import existing_database, make_app, opened_store, settings


def _text(report: dict) -> str:
    """The report for a terminal: sentences first, then one line per visit with a header."""
    lines = [f"study {report['study']}, {report['recipients']} recipients, as of {report['as_of']}"]
    lines += [s[:1].upper() + s[1:] + "." for s in report["sentences"]]
    header = ("visit", "expected", "received", "QC failed", "overdue", "with DSA")
    rows = [
        (v["visit"], *(str(v[k]) for k in ("expected", "received", "qc_failed", "overdue", "with_dsa")))
        for v in report["visits"]
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    for word in ("preformed", "persistent", "resolved"):
        lines.append(f"{word}: {', '.join(report[word]) or 'none'}")
    return "\n".join(lines)


@click.command("report")
@click.option("--study", required=True, help="The study code.")
@click.option("--csv", "as_csv", is_flag=True, help="The per-visit table as CSV.")
@click.option(
    "--export",
    "export",
    is_flag=True,
    help="The long format instead, as CSV: one row per recipient × serum × DSA.",
)
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Count visits due by this day (default: today).",
)
def command(study: str, as_csv: bool, export: bool, as_of: dt.datetime | None) -> None:
    """Print a study's report: "de novo DSA in 1 of 8 recipients, at M3", sera per visit
    (expected, received, QC-failed, overdue), recipients by DSA course; or its export."""
    app = existing_database(make_app())
    with opened_store(app) as db:
        found = store.get_study(db, study)
        if export:
            click.echo(
                export_csv(export_rows(db, found, active_table(settings(app).reference_dir))), nl=False
            )
            return
        report = study_report(db, found, today=as_of.date() if as_of else None)
        click.echo(report_csv(report) if as_csv else _text(report), nl=not as_csv)
