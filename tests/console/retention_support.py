"""The two units of the retention and access-request console tests, and archived dossiers due for review in them."""

from __future__ import annotations

import io

from console_support import create_people, pdf
from pki_support import sign_for_submission
from pypdf import PdfWriter
from sqlalchemy import select

from kholuutru.archive import dossier_lists, dossiers, fonds, units
from kholuutru.archive.access import Actor
from kholuutru.archive.document_files import add_file
from kholuutru.archive.dossier_lists import EntryDraft, HeadingDraft, Retention
from kholuutru.archive.models import Unit
from kholuutru.archive.roles import READER, RECORDS_STAFF, SYSTEM_ADMIN, UNIT_HEAD

ADMIN = Actor.system("test")
PEOPLE = (("ht.canbo", RECORDS_STAFF, "own"), ("ht.lanhdao", UNIT_HEAD, "own"), ("ht.khaithac", READER, "other"),
          ("ht.quantri", SYSTEM_ADMIN, "own"))
DOSSIER = {"access_level": "public", "language": "Tiếng Việt", "start_date": "01/02/2010",
           "end_date": "31/12/2010", "reliability": "born_digital"}
DOCUMENT = {"type_name": "Kế hoạch", "number": "3", "symbol": "KH-SXD", "issued_on": "15/02/2010",
            "issuing_organisation": "Sở Xây dựng", "summary": "Kế hoạch công tác năm 2010", "usage_mode": "public",
            "page_count": "1"}


def make_province(database, own_code: str, other_code: str) -> dict:
    """The owning unit (Sở Xây dựng, with a fonds and an approved 2010 list) and the reader's unit, with people."""
    with database.session(ADMIN) as session:
        root = session.scalar(select(Unit.id).where(Unit.code == "000.00.00.H47"))
        own = units.create_unit(session, ADMIN, code=own_code, name="Sở Xây dựng", level="department",
                                parent_id=root).id
        other = units.create_unit(session, ADMIN, code=other_code, name="Sở Công Thương",
                                  level="department", parent_id=root).id
        fonds.create_fonds(session, ADMIN, own, code="SXD", name="Phông Sở Xây dựng")
        people = create_people(session, [(name, role, own if key == "own" else other) for name, role, key in PEOPLE])
        drafts = tuple(EntryDraft(title=f"Kế hoạch công tác số {n}", retention=Retention(permanent=False, years=10))
                       for n in range(1, 6))
        created = dossier_lists.create_list(session, ADMIN, own, 2010,
                                            [HeadingDraft(title="Tổng hợp", abbreviation="TH", entries=drafts)])
        dossier_lists.approve_list(session, ADMIN, created.id)
        return {"own": own, "other": other, "people": people, "entries": [e.id for e in created.entries]}


def archived(database, storage, settings, pki, province, marker: str) -> int:
    """An archived dossier of the owning unit (2010, kept 10 years: due for review) with one real signed PDF."""
    staff, head = province["people"]["ht.canbo"], province["people"]["ht.lanhdao"]
    with database.session(staff) as session:
        dossier = dossiers.create_dossier(session, staff, unit_id=province["own"], year=2010,
                                          list_entry_id=province["entries"].pop(0), metadata=DOSSIER)
        document = dossiers.add_document(session, staff, dossier.id, DOCUMENT)
        writer = PdfWriter(clone_from=io.BytesIO(pdf()))
        writer.add_metadata({"/Title": marker})
        data = io.BytesIO()
        writer.write(data)
        add_file(session, staff, storage, settings, document_id=document.id, stream=io.BytesIO(data.getvalue()),
                 file_name="ke-hoach.pdf")
        dossier_id, document_id = dossier.id, document.id
    sign_for_submission(database, storage, settings, pki, document_id)
    for actor, step in ((staff, dossiers.submit), (head, dossiers.approve), (head, dossiers.archive)):
        with database.session(actor) as session:
            step(session, actor, dossier_id)
    return dossier_id
