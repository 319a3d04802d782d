"""The reports screen (Báo cáo thống kê): counts by a grouping, the per-unit indicators with charts, and the
six-monthly usage report to download as .xlsx or .pdf — all through ``kholuutru.archive.reports``, so a unit head
sees their unit and province-wide roles every unit; anyone else is told they may not.
"""

from __future__ import annotations

import datetime as dt
from io import BytesIO

from flask import request, send_file
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from werkzeug.wrappers import Response

from kholuutru.archive import reports, usage_report_files
from kholuutru.archive.errors import ArchiveError

from ..i18n import current_language
from .forms import in_language, transaction
from .report_charts import bar_chart

PERMISSION = "ReportsView"
MENU = "Reports"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


class ReportsView(BaseView):
    """Statistics and indicators for leaders and inspectors."""

    route_base = "/reports"
    class_permission_name = PERMISSION
    default_view = "index"

    @expose("/")
    @has_access
    @permission_name("read")
    def index(self) -> str | tuple[str, int]:
        """Counts by the chosen grouping and the chosen half-year's indicators, with charts."""
        today = dt.date.today()
        year = request.args.get("year") or str(today.year if today.month > 6 else today.year - 1)
        half = request.args.get("half") or ("1" if today.month > 6 else "2")
        group_by = request.args.get("group_by") or "unit"
        try:
            period = reports.Period.half_year(year, half)
            with transaction() as (session, actor):
                counts = reports.counts(session, actor, group_by)
                report = reports.usage_report(session, actor, period)
        except ArchiveError as refused:
            page = self.render_template("kholuutru/reports.html", error=refused.message(current_language()),
                                        year=year, half=half, group_by=group_by, groups=self._groups())
            return page, refused.http_status
        charts = {
            "counts": bar_chart("kholuutru-chart-counts", [(row.label, row.dossiers) for row in counts],
                                lambda value: f"{value:,.0f}"),
            "created": bar_chart("kholuutru-chart-created", [(row.unit_name, row.created) for row in report.rows],
                                 lambda value: f"{value:,.0f}"),
            "archived": bar_chart("kholuutru-chart-archived", [
                (row.unit_name, row.shares["archived"] or 0.0) for row in report.rows], _percent),
        }
        return self.render_template("kholuutru/reports.html", error=None, year=year, half=half, group_by=group_by,
                                    groups=self._groups(), counts=counts, report=report, charts=charts,
                                    percent=_percent, period_label=in_language(period.label_vi, period.label_en))

    @expose("/usage.<kind>")
    @has_access
    @permission_name("read")
    def usage(self, kind: str) -> Response | tuple[str, int]:
        """The six-monthly usage report as .xlsx or .pdf."""
        if kind not in ("xlsx", "pdf"):
            return "", 404
        try:
            period = reports.Period.half_year(request.args.get("year"), request.args.get("half"))
            with transaction() as (session, actor):
                report = reports.usage_report(session, actor, period)
        except ArchiveError as refused:
            return refused.message(current_language()), refused.http_status
        payload = usage_report_files.to_xlsx(report) if kind == "xlsx" else usage_report_files.to_pdf(report)
        return send_file(BytesIO(payload), mimetype=XLSX if kind == "xlsx" else "application/pdf",
                         as_attachment=True, download_name=f"{period.file_stem}.{kind}")

    @staticmethod
    def _groups() -> list[tuple[str, str]]:
        return [(code, in_language(*names)) for code, names in reports.GROUPS.items()]
