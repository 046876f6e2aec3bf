"""The study report page (printable) and its CSV downloads: the reading of ``readings.report``,
the same as ``GET /api/v1/studies/{code}/report`` and ``dsa-monitor report``."""

from __future__ import annotations

from flask import Response, current_app, render_template

from .. import store
from ..config import settings_of
from ..readings.eplet_table import active_table
from ..readings.report import export_csv, export_rows, report_csv, study_report
from . import auth
from .blueprint import blueprint


def _study(code: str) -> dict:
    study = store.get_study(store.get_db(), code)
    auth.check_study(study["id"], f"study {code!r}")
    return study


def _csv(text: str, name: str) -> Response:
    return Response(
        text, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@blueprint.route("/studies/<code>/report")
@auth.signed_in("read")
def study_report_page(code: str):
    """The sentence a paper prints, sera per visit, recipients by DSA course."""
    study = _study(code)
    return render_template("report.html", study=study, report=study_report(store.get_db(), study))


@blueprint.route("/studies/<code>/report.csv")
@auth.signed_in("read")
def study_report_csv(code: str):
    study = _study(code)
    return _csv(report_csv(study_report(store.get_db(), study)), f"{study['code']}-report.csv")


@blueprint.route("/studies/<code>/export.csv")
@auth.signed_in("read")
def study_export_csv(code: str):
    """One row per recipient × serum × DSA, for analysis."""
    study = _study(code)
    return _csv(
        export_csv(export_rows(store.get_db(), study, active_table(settings_of(current_app).reference_dir))),
        f"{study['code']}-export.csv",
    )
