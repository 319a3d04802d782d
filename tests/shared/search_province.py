"""A small province for search and report tests: two departments, a few hundred dossiers through the bulk path.

Shared by tests/archive/search and the console tests of the search and report pages.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from kholuutru.archive import bulk_ingest, units
from kholuutru.archive.access import Actor
from kholuutru.archive.bulk_ingest import DossierRecord
from kholuutru.archive.models import Fonds
from kholuutru.archive.roles import INSPECTOR, RECORDS_STAFF

ADMIN = Actor.system("test")
TARGET_TITLE = "Quyết định về việc phê duyệt quy hoạch khu dân cư Đồng Nà"
TITLES = ("Tập lưu văn bản đi năm {year}", "Hồ sơ hội nghị tổng kết công tác thi đua năm {year}",
          "Kế hoạch chuyển đổi số giai đoạn {year}-2030", "Báo cáo tình hình giải ngân vốn đầu tư công năm {year}",
          "Quyết định về việc khen thưởng tập thể, cá nhân năm {year}")
_ids = itertools.count(5000)


@dataclass
class Place:
    """A unit of the test province: its id, fonds and the records ingested into it."""

    id: int
    fonds_id: int
    records: list[DossierRecord]

    def actor(self, role: str = RECORDS_STAFF) -> Actor:
        return Actor(user_id=next(_ids), username=f"{role}-{self.id}", unit_id=self.id, roles=frozenset({role}))


INSPECTOR_ACTOR = Actor(user_id=4999, username="inspector", unit_id=None, roles=frozenset({INSPECTOR}))


def records_for(unit_id: int, fonds_id: int, prefix: str, count: int) -> list[DossierRecord]:
    """``count`` dossiers: years 2017-2026, every fifth a land procedure dossier, one the target title."""
    made = []
    for n in range(count):
        year = 2017 + n % 10
        procedure = n % 5 == 0
        title = TARGET_TITLE if n == 7 else TITLES[n % len(TITLES)].format(year=year)
        start = dt.date(year, 3, 1) + dt.timedelta(days=n % 200)
        metadata = {"access_level": "public", "language": "Tiếng Việt", "start_date": start,
                    "end_date": start + dt.timedelta(days=20), "page_count": 10 + n % 7}
        if procedure:
            metadata |= {"procedure_code": "1.005129", "applicant": f"ông Nguyễn Văn Hùng {n}",
                         "procedure_dossier_code": f"{prefix}-{start:%y%m%d}-{n:04d}", "received_on": start}
        documents = [{"type_name": "Quyết định", "number": str(100 + n), "symbol": f"QĐ-{prefix}",
                      "issued_on": start, "issuing_organisation": f"Sở {prefix} tỉnh Quảng Nam",
                      "summary": f"Về việc {title.lower()}", "page_count": 2}]
        if n % 3 == 0:
            documents.append({"type_name": "Tờ trình", "number": str(500 + n), "symbol": f"TTr-{prefix}",
                              "issued_on": start, "issuing_organisation": "UBND huyện Thăng Bình",
                              "summary": "Tờ trình đề nghị thẩm định hồ sơ", "page_count": 1})
        state = ("archived", "approved", "submitted", "draft")[n % 4]
        created = dt.datetime(year, 3, 1, 8, tzinfo=dt.UTC) + dt.timedelta(days=n % 90)
        submitted = created + dt.timedelta(days=5) if state != "draft" else None
        approved = submitted + dt.timedelta(days=2) if state in ("approved", "archived") else None
        made.append(DossierRecord(
            unit_id=unit_id, fonds_id=fonds_id, year=year, number_symbol=f"{n + 1:03d}.{prefix}", title=title,
            retention_permanent=n % 4 == 0, retention_years=None if n % 4 == 0 else 10 + 10 * (n % 2),
            state=state, metadata=metadata, documents=documents, created_at=created, submitted_at=submitted,
            approved_at=approved, archived_at=approved + dt.timedelta(days=1) if state == "archived" else None))
    return made


def build_places(database) -> dict[str, Place]:
    """Units A (150 dossiers) and B (120) under a provincial UBND, each dossier ingested by the unit's own staff."""
    made: dict[str, Place] = {}
    with database.session(ADMIN) as session:
        root = units.create_unit(session, ADMIN, code="000.00.00.H47", name="UBND tỉnh", level="province")
        for name, code, count in (("A", "000.00.01.H47", 150), ("B", "000.00.02.H47", 120)):
            unit = units.create_unit(session, ADMIN, code=code, name=f"Sở {name}", level="department",
                                     parent_id=root.id)
            fonds_row = Fonds(unit_id=unit.id, code=f"F0{name}", name=f"Phông Sở {name}", is_open=True)
            session.add(fonds_row)
            session.flush()
            made[name] = Place(unit.id, fonds_row.id, records_for(unit.id, fonds_row.id, f"S{name}", count))
    for place in made.values():
        staff = place.actor()
        with database.session(staff) as session:
            bulk_ingest.ingest(session, staff, place.records)
    return made
