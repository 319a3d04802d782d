"""The access report (báo cáo khai thác): per unit and period, requests received, approved, refused, still pending,
and the views and downloads made under the grants — for the console table, CSV and Excel.

A unit head or unit admin sees their unit; inspectors and the system administrator see every unit (row-level
security keeps the counts to the units the actor sees either way).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import astuple, dataclass, fields

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from .access import Actor, require
from .access_request_models import AccessEvent, AccessRequest
from .errors import InvalidInput
from .models import Unit
from .signature_stamps import VIETNAM_TIME
from .validation import Label
from .validation import date as date_field

START = Label("start", "Từ ngày", "From")
END = Label("end", "Đến ngày", "Until")
HEADERS_VI = ("Mã đơn vị", "Tên đơn vị", "Yêu cầu", "Đã duyệt", "Từ chối", "Chờ duyệt", "Lượt xem", "Lượt tải")
HEADERS_EN = ("Unit code", "Unit", "Requests", "Approved", "Refused", "Pending", "Views", "Downloads")


@dataclass(frozen=True)
class ReportRow:
    """One unit's line of the report."""

    unit_code: str
    unit_name: str
    requests: int
    approved: int
    refused: int
    pending: int
    views: int
    downloads: int


def access_report(session: Session, actor: Actor, unit_id: int | None, start: object,
                  end: object) -> list[ReportRow]:
    """The report for one unit (or every unit when ``unit_id`` is None) over the days ``start``..``end``."""
    require(actor, "access_request.report", unit_id)
    first = date_field(START, start, required=True)
    last = date_field(END, end, required=True)
    assert first is not None and last is not None
    if last < first:
        raise InvalidInput("'Đến ngày' phải sau 'Từ ngày'.", "'Until' must not be before 'From'.", field=END.key)
    since = dt.datetime.combine(first, dt.time(), tzinfo=VIETNAM_TIME)
    until = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=VIETNAM_TIME)

    def counted(state: str) -> object:
        return func.count(case((AccessRequest.state == state, 1)))

    requests = (select(AccessRequest.unit_id, func.count().label("requests"), counted("approved").label("approved"),
                       counted("refused").label("refused"), counted("pending").label("pending"))
                .where(AccessRequest.requested_at >= since, AccessRequest.requested_at < until)
                .group_by(AccessRequest.unit_id))
    uses = (select(AccessEvent.unit_id, func.count(case((AccessEvent.kind == "view", 1))).label("views"),
                   func.count(case((AccessEvent.kind == "download", 1))).label("downloads"))
            .where(AccessEvent.occurred_at >= since, AccessEvent.occurred_at < until).group_by(AccessEvent.unit_id))
    if unit_id is not None:
        requests = requests.where(AccessRequest.unit_id == unit_id)
        uses = uses.where(AccessEvent.unit_id == unit_id)
    counts: dict[int, list[int]] = {}
    for row in session.execute(requests):
        counts.setdefault(row.unit_id, [0] * 6)[:4] = [row.requests, row.approved, row.refused, row.pending]
    for row in session.execute(uses):
        counts.setdefault(row.unit_id, [0] * 6)[4:] = [row.views, row.downloads]
    units = {unit.id: unit for unit in session.scalars(select(Unit).where(Unit.id.in_(counts)))}
    return sorted((ReportRow(units[key].code, units[key].name, *values) for key, values in counts.items()),
                  key=lambda row: row.unit_code)


def headers(language: str) -> tuple[str, ...]:
    return HEADERS_EN if language == "en" else HEADERS_VI


def report_csv(rows: list[ReportRow], language: str = "vi") -> bytes:
    """The report as UTF-8 CSV with a byte-order mark, so Excel shows the Vietnamese letters right."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers(language))
    writer.writerows(astuple(row) for row in rows)
    return ("\ufeff" + out.getvalue()).encode()


def report_xlsx(rows: list[ReportRow], language: str = "vi") -> bytes:
    """The report as an Excel workbook, one sheet, bold headers."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Khai thac" if language != "en" else "Access"
    sheet.append(headers(language))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(astuple(row))
    for index, _ in enumerate(fields(ReportRow), start=1):
        sheet.column_dimensions[chr(64 + index)].width = 14 if index != 2 else 50
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
