"""``GET /studies/{code}/report`` and ``/studies/{code}/export``: what a trial reports, and the
long format a statistician analyses (``readings.report``), as JSON or CSV.

CSV is asked for with ``Accept: text/csv`` or ``?format=csv`` (a browser link or a spreadsheet's
"from web" import cannot set a header).
"""

from __future__ import annotations

import marshmallow as ma
from flask import Response, current_app, request

from .. import store
from ..config import settings_of
from ..readings.eplet_table import active_table
from ..readings.report import export_csv, export_rows, report_csv, study_report
from .routing import operation
from .studies import visible_study

CSV = "text/csv"

# ---- schemas ---------------------------------------------------------------------------------


class ReportQueryArgsSchema(ma.Schema):
    format = ma.fields.String(
        validate=ma.validate.OneOf(("json", "csv")),
        metadata={"description": "csv: the same as Accept: text/csv"},
    )


class VisitCountsSchema(ma.Schema):
    visit = ma.fields.String(required=True)
    expected = ma.fields.Integer(
        required=True,
        metadata={"description": "recipients whose visit window has closed, or with a serum for it"},
    )
    received = ma.fields.Integer(required=True, metadata={"description": "usable sera"})
    qc_failed = ma.fields.Integer(
        required=True,
        metadata={"description": "sera whose every run failed QC (and nothing usable at the visit)"},
    )
    overdue = ma.fields.Integer(required=True)
    with_dsa = ma.fields.Integer(required=True)


class DeNovoSchema(ma.Schema):
    subject = ma.fields.String(required=True)
    visit = ma.fields.String(required=True, metadata={"description": "of its first de novo DSA"})


class StudyReportSchema(ma.Schema):
    study = ma.fields.String(required=True)
    as_of = ma.fields.String(required=True, metadata={"format": "date"})
    recipients = ma.fields.Integer(required=True)
    visits = ma.fields.List(ma.fields.Nested(VisitCountsSchema), required=True)
    sentence = ma.fields.String(
        required=True, metadata={"description": 'e.g. "de novo DSA in 1 of 8 recipients, at M3"'}
    )
    sentences = ma.fields.List(ma.fields.String(), required=True)
    de_novo = ma.fields.List(ma.fields.Nested(DeNovoSchema), required=True)
    preformed = ma.fields.List(ma.fields.String(), required=True)
    persistent = ma.fields.List(ma.fields.String(), required=True)
    resolved = ma.fields.List(ma.fields.String(), required=True)


def wants_csv(query: dict) -> bool:
    if query.get("format"):
        return query["format"] == "csv"
    return request.accept_mimetypes.best_match(["application/json", CSV]) == CSV


def csv_response(text: str, name: str) -> Response:
    return Response(text, mimetype=CSV, headers={"Content-Disposition": f'attachment; filename="{name}"'})


# ---- views -----------------------------------------------------------------------------------


@operation(
    "/studies/<code>/report",
    "GET",
    summary="The study report: per visit sera expected, received, QC-failed, overdue;"
    " recipients with de novo, preformed, persistent, resolved DSA; the sentence",
    permission="read",
    tag="dsa",
    query=ReportQueryArgsSchema,
    responses={200: StudyReportSchema},
    errors=(404, 422),
)
def get_study_report(code: str, query: dict):
    study = visible_study(code)
    report = study_report(store.get_db(), study)
    if wants_csv(query):
        return csv_response(report_csv(report), f"{study['code']}-report.csv"), 200
    return report, 200


@operation(
    "/studies/<code>/export",
    "GET",
    summary="Long format, CSV: one row per recipient × serum × DSA (subject, visit, day,"
    " draw date, antigen, level, MFI, strength, origin, status, rules, release)",
    permission="read",
    tag="dsa",
    responses={200: None},
    errors=(404,),
)
def get_study_export(code: str):
    study = visible_study(code)
    rows = export_rows(store.get_db(), study, active_table(settings_of(current_app).reference_dir))
    return csv_response(export_csv(rows), f"{study['code']}-export.csv"), 200
