"""A small province for dossier tests: two departments with a fonds and an approved 2026 dossier list each; complete
drafts carry a real PDF signed personally and by the organisation with the test PKI, as submission requires."""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass

import pytest
from pki_support import Pki, sign_for_submission
from pypdf import PdfWriter

from kholuutru.archive import document_files, dossiers, units
from kholuutru.archive.access import Actor
from kholuutru.archive.catalogue_models import DossierList, ListEntry, ListHeading
from kholuutru.archive.models import Fonds
from kholuutru.archive.roles import RECORDS_STAFF, UNIT_HEAD
from kholuutru.archive.settings import Settings
from kholuutru.archive.storage import Storage

ADMIN = Actor.system("test")
_ids = itertools.count(1000)


@dataclass
class UnitFixture:
    id: int
    entries: list[int]

    def actor(self, role: str = RECORDS_STAFF, user_id: int | None = None) -> Actor:
        return Actor(user_id=user_id or next(_ids), username=f"{role}-{self.id}", unit_id=self.id,
                     roles=frozenset({role}))


@pytest.fixture(scope="module")
def province(database) -> dict[str, UnitFixture]:
    made = {}
    with database.session(ADMIN) as session:
        root = units.create_unit(session, ADMIN, code="000.00.00.H47", name="UBND tỉnh", level="province")
        for name, code, fonds_code in (("A", "000.00.01.H47", "F01"), ("B", "000.00.02.H47", "F02")):
            unit = units.create_unit(session, ADMIN, code=code, name=f"Sở {name}", level="department",
                                     parent_id=root.id)
            session.add(Fonds(unit_id=unit.id, code=fonds_code, name=f"Phông Sở {name}", is_open=True))
            dossier_list = DossierList(unit_id=unit.id, year=2026, status="approved")
            session.add(dossier_list)
            session.flush()
            heading = ListHeading(list_id=dossier_list.id, unit_id=unit.id, label="I", abbreviation="TH",
                                  title="Tổng hợp", position=1)
            session.add(heading)
            session.flush()
            entries = [
                ListEntry(list_id=dossier_list.id, unit_id=unit.id, heading_id=heading.id,
                          number_symbol=f"{n:02d}.TH", title=f"Hồ sơ kế hoạch số {n}", retention_permanent=n == 1,
                          retention_years=None if n == 1 else 10, position=n)
                for n in range(1, 60)
            ]
            session.add_all(entries)
            session.flush()
            made[name] = UnitFixture(unit.id, [e.id for e in entries])
    return made


COMPLETE_DOSSIER = {"access_level": "public", "language": "Tiếng Việt", "start_date": "01/02/2026",
                    "end_date": "2026-03-31", "reliability": "born_digital"}
COMPLETE_DOCUMENT = {"type_name": "Kế hoạch", "number": "12", "symbol": "KH-SNV", "issued_on": "15/02/2026",
                     "issuing_organisation": "Sở Nội vụ", "summary": "Kế hoạch công tác văn thư, lưu trữ năm 2026",
                     "usage_mode": "public", "page_count": 3}


@dataclass
class Factory:
    """Makes dossiers in a given state through the real services."""

    database: object
    storage: Storage
    settings: Settings
    pki: Pki

    def draft(self, unit: UnitFixture, staff: Actor, *, complete: bool = True) -> int:
        """A draft dossier; when complete, ready to submit: full metadata, one document, its PDF signed twice."""
        with self.database.session(staff) as session:
            dossier = dossiers.create_dossier(session, staff, unit_id=unit.id, year=2026,
                                              list_entry_id=unit.entries.pop(0),
                                              metadata=COMPLETE_DOSSIER if complete else {})
            if not complete:
                return dossier.id
            document = dossiers.add_document(session, staff, dossier.id, COMPLETE_DOCUMENT)
            document_files.add_file(session, staff, self.storage, self.settings, document_id=document.id,
                                    stream=io.BytesIO(_pdf(dossier.code)), file_name="ke-hoach.pdf")
            dossier_id, document_id = dossier.id, document.id
        sign_for_submission(self.database, self.storage, self.settings, self.pki, document_id)
        return dossier_id

    def in_state(self, unit: UnitFixture, state: str) -> tuple[int, Actor]:
        """A dossier moved to ``state`` by the unit's staff and head; returns it with its creator."""
        staff = unit.actor(RECORDS_STAFF)
        head = unit.actor(UNIT_HEAD)
        dossier_id = self.draft(unit, staff)
        steps = {"submitted": [(staff, dossiers.submit)],
                 "approved": [(staff, dossiers.submit), (head, dossiers.approve)],
                 "archived": [(staff, dossiers.submit), (head, dossiers.approve), (head, dossiers.archive)]}
        for actor, step in steps.get(state, []):
            with self.database.session(actor) as session:
                step(session, actor, dossier_id)
        return dossier_id, staff


def _pdf(title: str) -> bytes:
    """A one-page PDF of its own (the title differs), so each document's file is its own stored object."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": title})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def factory(database, storage, settings, province, pki) -> Factory:
    return Factory(database, storage, settings, pki)


@pytest.fixture
def complete_document() -> dict:
    return dict(COMPLETE_DOCUMENT)


@pytest.fixture
def complete_dossier() -> dict:
    return dict(COMPLETE_DOSSIER)
