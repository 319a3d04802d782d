"""``/api/v1/reports/``: counts, the per-unit indicators and the six-monthly usage report (JSON, .xlsx, .pdf).

Through ``kholuutru.archive.reports``: a unit head or unit admin gets their unit, province-wide roles every unit.
"""

from __future__ import annotations

from io import BytesIO

from flask import Response, request, send_file
from flask_appbuilder.api import expose, safe
from flask_appbuilder.security.decorators import permission_name, protect

from kholuutru.archive import reports, usage_report_files, validation
from kholuutru.archive.validation import Label

from .responses import READ, ServiceApi, archive_session, refusals_as_json, reply

REPORTS_API = "ReportsApi"
"""FAB permission name of this API (``can_read``)."""
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMAT = Label("format", "Định dạng", "Format")
YEAR_FROM = Label("year_from", "Từ năm", "From year")
YEAR_TO = Label("year_to", "Đến năm", "To year")


def period_from(arguments) -> reports.Period:  # type: ignore[no-untyped-def]
    """The half-year of ``year`` and ``half`` (1 or 2) in the query string."""
    return reports.Period.half_year(arguments.get("year"), arguments.get("half"))


class ReportsApi(ServiceApi):
    """Reports as a REST resource."""

    resource_name = "reports"
    class_permission_name = REPORTS_API
    openapi_spec_tag = "Reports"

    @expose("/counts", methods=["GET"])
    @protect()
    @safe
    @permission_name(READ)
    @refusals_as_json
    def counts(self) -> Response:
        """Dossiers, documents and pages per unit, year, state, retention or procedure.
        ---
        get:
          summary: Count dossiers, documents and pages by a grouping
          parameters:
          - {in: query, name: group_by, required: true, schema: {type: string,
              enum: [unit, year, state, retention, procedure]}}
          - {in: query, name: year_from, schema: {type: integer}}
          - {in: query, name: year_to, schema: {type: integer}}
          responses:
            200:
              description: One row per group
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      group_by: {type: string}
                      result:
                        type: array
                        items:
                          type: object
                          properties:
                            key: {type: string}
                            label: {type: string}
                            dossiers: {type: integer}
                            documents: {type: integer}
                            pages: {type: integer}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            422: {$ref: '#/components/responses/Refused'}
        """
        group_by = request.args.get("group_by", "")
        year_from = validation.integer(YEAR_FROM, request.args.get("year_from"), minimum=1900, maximum=9999)
        year_to = validation.integer(YEAR_TO, request.args.get("year_to"), minimum=1900, maximum=9999)
        with archive_session() as (session, actor):
            rows = reports.counts(session, actor, group_by, year_from=year_from, year_to=year_to)
        return reply(200, {"group_by": group_by, "result": [vars(row) for row in rows]})

    @expose("/usage", methods=["GET"])
    @protect()
    @safe
    @permission_name(READ)
    @refusals_as_json
    def usage(self) -> Response:
        """The six-monthly usage report with every visible unit's indicators (regulation Đ13.6, Đ18.3, Đ18.6).
        ---
        get:
          summary: The six-monthly usage report and indicators per unit, as JSON, .xlsx or .pdf
          parameters:
          - {in: query, name: year, required: true, schema: {type: integer}}
          - {in: query, name: half, required: true, schema: {type: integer, enum: [1, 2]}}
          - {in: query, name: format, schema: {type: string, enum: [json, xlsx, pdf], default: json}}
          responses:
            200:
              description: The report (JSON rows with counts and shares, or the file)
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      period: {type: string}
                      result: {type: array, items: {type: object}}
                      total: {type: object}
                application/pdf: {schema: {type: string, format: binary}}
                application/vnd.openxmlformats-officedocument.spreadsheetml.sheet:
                  schema: {type: string, format: binary}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            422: {$ref: '#/components/responses/Refused'}
        """
        kind = validation.choice(FORMAT, request.args.get("format") or "json", ("json", "xlsx", "pdf"))
        period = period_from(request.args)
        with archive_session() as (session, actor):
            report = reports.usage_report(session, actor, period)
        if kind == "json":
            return reply(200, {"period": period.label_vi, "period_en": period.label_en,
                               "result": [row.as_dict() for row in report.rows], "total": report.total.as_dict()})
        name = f"{period.file_stem}.{kind}"
        payload = usage_report_files.to_xlsx(report) if kind == "xlsx" else usage_report_files.to_pdf(report)
        return send_file(BytesIO(payload), mimetype=XLSX if kind == "xlsx" else "application/pdf",
                         as_attachment=True, download_name=name)
