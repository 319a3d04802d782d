"""The demo unit's archive (part of ``kholuutru seed --demo``): fonds, an approved 2026 dossier list, a store room
with boxes, and dossiers in every workflow state with real PDF files — so a newcomer sees each screen with content.
A 2014 dossier kept ten years is due for retention review, and the demo reader has asked to consult an archived
dossier, so the retention and access-request screens have content too.

Everything is made through the same services people use, as the demo people themselves (the records officer forms,
signs personally and submits, the clerk adds the organisation signature, the unit head approves), so the audit log of
a demo reads like a real one, and every document that went through submission carries both valid signatures, made
with the demo keys (``demo_pki``).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping

from pypdf import PdfWriter
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import access_requests, demo_pki, dossier_lists, dossiers, fonds, locations, signing
from .access import Actor
from .document_files import add_file
from .models import Account, Fonds, Unit
from .settings import Settings
from .signing_keys import Pkcs12Key
from .storage import Storage

DEMO_UNIT = "000.00.01.H47"
DEMO_YEAR = 2026
EXPIRED_YEAR = 2014
DEMO_CA = "CA trình diễn kholuutru"
# (title, abbreviation, [(entry title, retention)])
LIST_CONTENT = (
    ("Tổng hợp", "TH", [
        ("Kế hoạch công tác năm 2026 của Sở", "Vĩnh viễn"),
        ("Báo cáo tổng kết công tác năm 2026", "Vĩnh viễn"),
        ("Hồ sơ hội nghị cán bộ, công chức năm 2026", "10 năm"),
        ("Hồ sơ giao ban tuần của lãnh đạo Sở", "5 năm"),
    ]),
    ("Tổ chức cán bộ", "TCCB", [
        ("Hồ sơ tuyển dụng công chức năm 2026", "Vĩnh viễn"),
        ("Hồ sơ nâng bậc lương thường xuyên năm 2026", "20 năm"),
        ("Hồ sơ đào tạo, bồi dưỡng công chức năm 2026", "10 năm"),
    ]),
    ("Văn thư, lưu trữ", "VTLT", [
        ("Hồ sơ kiểm tra công tác văn thư, lưu trữ năm 2026", "10 năm"),
        ("Sổ đăng ký văn bản đi năm 2026", "20 năm"),
        ("Hồ sơ chỉnh lý tài liệu tồn đọng giai đoạn 2020–2025", "Vĩnh viễn"),
    ]),
)
DOSSIER_METADATA = {"access_level": "public", "language": "Tiếng Việt", "start_date": "2026-01-05",
                    "end_date": "2026-06-30", "reliability": "born_digital", "creator": "Phạm Thị Dung"}
DOCUMENTS = (
    {"type_name": "Kế hoạch", "number": "15", "symbol": "KH-SNV", "issued_on": "2026-01-12",
     "issuing_organisation": "Sở Nội vụ tỉnh Quảng Nam", "summary": "Kế hoạch triển khai nhiệm vụ năm 2026",
     "usage_mode": "public", "page_count": 2, "signer_name": "Lê Văn Cường", "signer_position": "Giám đốc"},
    {"type_name": "Báo cáo", "number": "87", "symbol": "BC-SNV", "issued_on": "2026-06-20",
     "issuing_organisation": "Sở Nội vụ tỉnh Quảng Nam", "summary": "Báo cáo kết quả thực hiện 6 tháng đầu năm",
     "usage_mode": "public", "page_count": 1, "signer_name": "Lê Văn Cường", "signer_position": "Giám đốc"},
)


def seed_demo_archive(session: Session, storage: Storage, settings: Settings,
                      units: Mapping[str, Unit]) -> demo_pki.DemoPki | None:
    """Create the demo unit's archive unless its fonds already exists (the seed is idempotent); return the demo
    signing keys made for it (None when the archive was already there)."""
    unit = units[DEMO_UNIT]
    if session.scalar(select(Fonds.id).where(Fonds.unit_id == unit.id)) is not None:
        return None
    admin, head, staff, clerk = (_actor(session, name) for name in ("qtdonvi", "lanhdao", "canbo", "vanthu"))
    officer = _account(session, staff.username)
    keys = demo_pki.create(settings.data_dir, DEMO_CA, [
        demo_pki.Holder(staff.username, f"{officer.last_name} {officer.first_name}", unit.name),
        demo_pki.Holder(clerk.username, unit.name, unit.name),
    ])
    fonds.create_fonds(session, admin, unit.id, code="SNV", name="Phông Sở Nội vụ tỉnh Quảng Nam",
                       time_span="2008–2026", language="Tiếng Việt", lookup_tools="Mục lục hồ sơ")
    entries = _approved_list(session, admin, head, unit.id)
    shelf = locations.create_shelf(
        session, staff, locations.create_warehouse(session, staff, unit.id, code="K1", name="Kho lưu trữ cơ quan",
                                                   address="Tầng 1, nhà B").id,
        code="03", name="Giá 03")
    boxes = [locations.create_box(session, staff, shelf.id, code=f"{n:02d}", capacity=20) for n in (1, 2, 3)]

    draft = dossiers.create_dossier(session, staff, unit_id=unit.id, year=DEMO_YEAR, list_entry_id=entries[3])
    dossiers.update_dossier(session, staff, draft.id, {"keywords": "giao ban"})
    signers = ((staff, keys.key(staff.username), officer.position), (clerk, keys.key(clerk.username)))
    for entry, state in ((entries[0], "archived"), (entries[1], "approved"), (entries[4], "submitted"),
                         (entries[7], "returned")):
        dossier = _complete_dossier(session, storage, settings, staff, unit.id, entry)
        _sign_documents(session, storage, settings, dossier, *signers)
        dossiers.submit(session, staff, dossier.id)
        if state == "returned":
            dossiers.return_dossier(session, head, dossier.id, "Bổ sung văn bản phê duyệt kế hoạch.")
            continue
        if state in ("approved", "archived"):
            dossiers.approve(session, head, dossier.id)
        if state == "archived":
            dossiers.archive(session, head, dossier.id)
            locations.place_dossier(session, staff, dossier.id, boxes[0].id)
            archived = dossier
    expired = _expired_dossier(session, storage, settings, (admin, head, staff), unit.id, signers)
    locations.place_dossier(session, staff, expired.id, boxes[1].id)
    reader = _actor(session, "khaithac")
    today = dt.date.today()
    access_requests.request_access(session, reader, archived.id, {
        "purpose": "Tham khảo kế hoạch công tác để xây dựng kế hoạch của Sở Tư pháp",
        "wanted_from": today, "wanted_until": today + dt.timedelta(days=30)})
    return keys


def _approved_list(session: Session, admin: Actor, head: Actor, unit_id: int) -> list[int]:
    dossier_list = dossier_lists.create_list(session, admin, unit_id, DEMO_YEAR)
    entries = []
    for title, abbreviation, planned in LIST_CONTENT:
        heading = dossier_lists.add_heading(session, admin, dossier_list.id, title=title, abbreviation=abbreviation)
        for entry_title, retention in planned:
            entries.append(dossier_lists.add_entry(session, admin, dossier_list.id, heading_id=heading.id,
                                                   title=entry_title, retention=retention,
                                                   responsible_person="Phạm Thị Dung").id)
    dossier_lists.approve_list(session, head, dossier_list.id)
    return entries


def _expired_dossier(session: Session, storage: Storage, settings: Settings, people: tuple[Actor, Actor, Actor],
                     unit_id: int, signers: tuple[tuple[Actor, Pkcs12Key, str | None], tuple[Actor, Pkcs12Key]],
                     ) -> dossiers.Dossier:
    """An archived 2014 dossier kept 10 years: kept through 2024, due for review since 1 January 2025."""
    admin, head, staff = people
    dossier_list = dossier_lists.create_list(session, admin, unit_id, EXPIRED_YEAR)
    heading = dossier_lists.add_heading(session, admin, dossier_list.id, title="Tổng hợp", abbreviation="TH")
    entry = dossier_lists.add_entry(session, admin, dossier_list.id, heading_id=heading.id, retention="10 năm",
                                    title=f"Hồ sơ hội nghị cán bộ, công chức năm {EXPIRED_YEAR}",
                                    responsible_person="Phạm Thị Dung")
    dossier_lists.approve_list(session, head, dossier_list.id)
    dossier = _complete_dossier(session, storage, settings, staff, unit_id, entry.id, year=EXPIRED_YEAR,
                                metadata={**DOSSIER_METADATA, "start_date": f"{EXPIRED_YEAR}-01-06",
                                          "end_date": f"{EXPIRED_YEAR}-12-31"})
    _sign_documents(session, storage, settings, dossier, *signers)
    dossiers.submit(session, staff, dossier.id)
    dossiers.approve(session, head, dossier.id)
    return dossiers.archive(session, head, dossier.id)


def _complete_dossier(session: Session, storage: Storage, settings: Settings, staff: Actor, unit_id: int,
                      entry_id: int, *, year: int = DEMO_YEAR,
                      metadata: Mapping[str, str] = DOSSIER_METADATA) -> dossiers.Dossier:
    dossier = dossiers.create_dossier(session, staff, unit_id=unit_id, year=year, list_entry_id=entry_id,
                                      metadata=metadata)
    for metadata in DOCUMENTS:
        document = dossiers.add_document(session, staff, dossier.id, metadata)
        add_file(session, staff, storage, settings, document_id=document.id,
                 stream=io.BytesIO(_blank_pdf(int(metadata["page_count"]), document.identifier)),
                 file_name=f"{dossier.code}.{document.order_in_dossier:02d}.pdf")
    return dossier


def _sign_documents(session: Session, storage: Storage, settings: Settings, dossier: dossiers.Dossier,
                    personal: tuple[Actor, Pkcs12Key, str | None], organisation: tuple[Actor, Pkcs12Key]) -> None:
    """Regulation Đ15.5 before submission: the records officer's signature, then the clerk's seal, on each file."""
    for document in dossier.documents:
        signing.sign_personal(session, personal[0], storage, settings, document_id=document.id, key=personal[1],
                              position=personal[2])
        signing.sign_organisation(session, organisation[0], storage, settings, document_id=document.id,
                                  key=organisation[1])


def _blank_pdf(pages: int, identifier: str) -> bytes:
    """A small valid PDF, different per document (its identifier is in the metadata) so each is its own object."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": identifier})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _account(session: Session, username: str) -> Account:
    return session.scalars(select(Account).where(Account.username == username)).one()


def _actor(session: Session, username: str) -> Actor:
    account = _account(session, username)
    return Actor(user_id=account.id, username=account.username, unit_id=account.unit_id,
                 roles=frozenset(role.name for role in account.roles))
