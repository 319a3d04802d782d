"""Every role × every service action × own unit / other unit, against the real services and a real database.

The demo province is in the module's database (seeded once per session: tests/conftest.py); each call runs in its
own transaction that is rolled back, so the cases never see each other's changes. The expected outcome is the rights
table: ``access.may`` of the action's right in the unit the service checks it in — the object's unit; none for the
province-wide rights (incidents, LGSP synchronisation, the retention schedule), which are not about a unit; the
actor's own unit for the catalogue of access requests, which a requester reads about every other unit. An allowed
call must succeed and write exactly one audit event (reads: none); any other call must be refused with
PermissionDenied or NotFound and write nothing. "Other unit" is an actor of the same role whose own unit is another
department than the object's (for the province-wide rights both placements expect the same).
"""

from __future__ import annotations

import datetime as dt
import io
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfWriter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kholuutru.archive import (
    access_requests,
    accounts,
    destruction,
    digitisation,
    dossier_lists,
    dossiers,
    extraction,
    fonds,
    incidents,
    lgsp_records,
    lgsp_sync,
    locations,
    retention,
    roles,
    signing,
    suspension,
    units,
)
from kholuutru.archive.access import Actor, apply_rls_context, may
from kholuutru.archive.access_report import access_report
from kholuutru.archive.access_request_models import AccessRequest
from kholuutru.archive.database import Database
from kholuutru.archive.demo_dossiers import DEMO_YEAR, DOCUMENTS, DOSSIER_METADATA, EXPIRED_YEAR
from kholuutru.archive.digitisation_models import Digitisation
from kholuutru.archive.document_files import add_file
from kholuutru.archive.dossier_models import DocumentFile, Dossier
from kholuutru.archive.errors import NotFound, PermissionDenied
from kholuutru.archive.models import Account, AuditEvent, Unit
from kholuutru.archive.rights import RIGHTS
from kholuutru.archive.seed import DEMO_ACCOUNTS
from kholuutru.archive.settings import Settings
from kholuutru.archive.storage import Storage
from kholuutru.archive.sync_models import SyncReview

sys.path.insert(0, str(Path(__file__).parents[2] / "shared"))  # the shared test PKI (tests/shared)
from pki_support import Pki  # noqa: E402

OWN_UNIT, OTHER_UNIT = "000.00.01.H47", "000.00.02.H47"
REQUEST = accounts.AccountRequest(reason="Nghỉ việc", document_number="15/SNV-VP", document_date=dt.date(2026, 11, 20),
                                  requested_by="Văn phòng Sở Nội vụ")
FIELDS = [{"key": "so", "label": "Số", "type": "text", "anchor": "Số"}]
TODAY = dt.date.today()
APPRAISAL = {"council_members": "Ông A (Chủ tịch), Bà B, Ông C", "council_minutes_number": "05/BB-HĐXĐGTTL",
             "council_date": TODAY.isoformat(), "council_opinion": "Đồng ý hủy các hồ sơ hết giá trị."}
LATE_YEAR = 2013
"""The year of the expired dossiers the fixture forms for the destruction batches (the demo's is EXPIRED_YEAR)."""


@dataclass(frozen=True)
class Targets:
    """Ids of the objects the actions work on, all in the demo unit (Sở Nội vụ)."""

    storage: Storage
    settings: Settings
    pki: Pki
    province: int
    unit: int
    other_unit: int
    draft: int
    returned: int
    submitted: int
    approved: int
    archived: int
    free_entry: int
    draft_list: int
    draft_heading: int
    leaf_unit: int
    fonds: int
    warehouse: int
    shelf: int
    box: int
    document: int
    signed_document: int
    template: int
    extraction: int
    staff_account: int
    clerk_account: int
    locked_account: int
    account_ids: dict[str, int]
    expired: int
    held: int
    proposed_batch: int
    appraised_batch: int
    approved_batch: int
    access_request: int
    incident: int
    review: int


def _object_unit(_actor: Actor, targets: Targets) -> int | None:
    return targets.unit


def _no_unit(_actor: Actor, _targets: Targets) -> int | None:
    return None


def _actor_unit(actor: Actor, _targets: Targets) -> int | None:
    return actor.unit_id


@dataclass(frozen=True)
class Action:
    """A service call, the right it needs and the unit the service checks that right in."""

    right: str
    call: Callable[[Session, Actor, Targets], object]
    writes: bool = True
    unit: Callable[[Actor, Targets], int | None] = _object_unit


def _pdf(marker: str = "") -> bytes:
    """A one-page PDF; its bytes differ with ``marker`` (its title), so each marked one is an object of its own."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if marker:
        writer.add_metadata({"/Title": marker})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


ACTIONS: dict[str, Action] = {
    "units.create_unit": Action("units.manage", lambda s, a, t: units.create_unit(
        s, a, code="000.00.09.H47", name="Sở Thử nghiệm", level="department", parent_id=t.province)),
    "units.update_unit": Action("units.manage", lambda s, a, t: units.update_unit(
        s, a, t.leaf_unit, name="Ủy ban nhân dân xã Tam Phú (đổi tên)")),
    "units.delete_unit": Action("units.manage", lambda s, a, t: units.delete_unit(s, a, t.leaf_unit)),
    "fonds.update_fonds": Action("fonds.manage", lambda s, a, t: fonds.update_fonds(
        s, a, t.fonds, name="Phông Sở Nội vụ (đổi tên)")),
    "fonds.create_fonds": Action("fonds.manage", lambda s, a, t: fonds.create_fonds(
        s, a, t.unit, code="MATRAN", name="Phông thử nghiệm")),
    "dossier_lists.create_list": Action("dossier_list.draw", lambda s, a, t: dossier_lists.create_list(
        s, a, t.unit, 2030)),
    "dossier_lists.approve_list": Action("dossier_list.approve", lambda s, a, t: dossier_lists.approve_list(
        s, a, t.draft_list)),
    "locations.create_warehouse": Action("store.manage", lambda s, a, t: locations.create_warehouse(
        s, a, t.unit, code="K9", name="Kho thử nghiệm")),
    "locations.create_shelf": Action("store.manage", lambda s, a, t: locations.create_shelf(
        s, a, t.warehouse, code="09", name="Giá 09")),
    "locations.create_box": Action("store.manage", lambda s, a, t: locations.create_box(
        s, a, t.shelf, code="09", capacity=10)),
    "locations.update_warehouse": Action("store.manage", lambda s, a, t: locations.update_warehouse(
        s, a, t.warehouse, name="Kho lưu trữ (đổi tên)")),
    "locations.update_shelf": Action("store.manage", lambda s, a, t: locations.update_shelf(
        s, a, t.shelf, name="Giá (đổi tên)")),
    "locations.update_box": Action("store.manage", lambda s, a, t: locations.update_box(s, a, t.box, capacity=30)),
    "dossier_lists.add_heading": Action("dossier_list.draw", lambda s, a, t: dossier_lists.add_heading(
        s, a, t.draft_list, title="Phụ lục", abbreviation="PL")),
    "dossier_lists.add_entry": Action("dossier_list.draw", lambda s, a, t: dossier_lists.add_entry(
        s, a, t.draft_list, heading_id=t.draft_heading, title="Kế hoạch công tác", retention="5")),
    "dossiers.add_document": Action("dossier.edit", lambda s, a, t: dossiers.add_document(s, a, t.draft, DOCUMENTS[0])),
    "dossiers.update_document": Action("dossier.edit", lambda s, a, t: dossiers.update_document(
        s, a, t.document, {"keywords": "ma trận quyền"})),
    "extraction.confirm": Action("document.extract", lambda s, a, t: extraction.confirm(
        s, a, t.settings, t.extraction, {"so": "12/GCN"})),
    "locations.place_dossier": Action("dossier.place", lambda s, a, t: locations.place_dossier(
        s, a, t.draft, t.box)),
    "extraction.create_template": Action("extraction_templates.manage", lambda s, a, t: extraction.create_template(
        s, a, unit_id=t.unit, procedure_code="1.000001", name="Mẫu thử", fields=FIELDS)),
    "dossiers.create_dossier": Action("dossier.form", lambda s, a, t: dossiers.create_dossier(
        s, a, unit_id=t.unit, year=DEMO_YEAR, list_entry_id=t.free_entry)),
    "dossiers.update_dossier": Action("dossier.edit", lambda s, a, t: dossiers.update_dossier(
        s, a, t.draft, {"keywords": "ma trận quyền"})),
    "dossiers.submit": Action("dossier.submit", lambda s, a, t: dossiers.submit(s, a, t.returned)),
    "dossiers.withdraw": Action("dossier.withdraw", lambda s, a, t: dossiers.withdraw(s, a, t.submitted)),
    "dossiers.approve": Action("dossier.approve", lambda s, a, t: dossiers.approve(s, a, t.submitted)),
    "dossiers.return_dossier": Action("dossier.return", lambda s, a, t: dossiers.return_dossier(
        s, a, t.submitted, "Thiếu văn bản")),
    "dossiers.archive": Action("dossier.archive", lambda s, a, t: dossiers.archive(s, a, t.approved)),
    "dossiers.correct": Action("dossier.correct", lambda s, a, t: dossiers.correct(
        s, a, t.archived, {"keywords": "hiệu chỉnh"}, "Sai từ khóa")),
    "document_files.add_file": Action("document.add_file", lambda s, a, t: add_file(
        s, a, t.storage, t.settings, document_id=t.document, stream=io.BytesIO(_pdf()), file_name="ban-moi.pdf")),
    "signing.sign_personal": Action("document.sign_personal", lambda s, a, t: signing.sign_personal(
        s, a, t.storage, t.settings, document_id=t.document, key=t.pki.pkcs12("staff"))),
    "signing.sign_organisation": Action("document.sign_organisation", lambda s, a, t: signing.sign_organisation(
        s, a, t.storage, t.settings, document_id=t.signed_document, key=t.pki.pkcs12("seal"))),
    "digitisation.request": Action("document.digitise", lambda s, a, t: digitisation.request(
        s, a, t.storage, t.settings, document_id=t.document)),
    "extraction.propose": Action("document.extract", lambda s, a, t: extraction.propose(
        s, a, document_id=t.document, template_id=t.template)),
    "suspension.suspend": Action("platform.suspend", lambda s, a, t: suspension.suspend(s, a, "Diễn tập sự cố")),
    "accounts.create_account": Action("accounts.manage", lambda s, a, t: accounts.create_account(
        s, a, username="nguoimoi", password="mat-khau-du-dai-1", first_name="Mới", last_name="Nguyễn Văn",
        email="nguoimoi@demo.kholuutru.local", unit_id=t.unit, role_codes=[roles.READER])),
    "accounts.list_accounts": Action("accounts.view", lambda s, a, t: accounts.list_accounts(s, a, t.unit),
                                     writes=False),
    "accounts.locked_accounts": Action("accounts.view", lambda s, a, t: accounts.locked_accounts(s, a, t.unit),
                                       writes=False),
    "accounts.get_account": Action("accounts.view", lambda s, a, t: accounts.get_account(s, a, t.staff_account),
                                   writes=False),
    "accounts.grant_role": Action("accounts.manage", lambda s, a, t: accounts.grant_role(
        s, a, t.staff_account, roles.CLERK)),
    "accounts.revoke_role": Action("accounts.manage", lambda s, a, t: accounts.revoke_role(
        s, a, t.clerk_account, roles.CLERK)),
    "accounts.set_roles": Action("accounts.manage", lambda s, a, t: accounts.set_roles(
        s, a, t.staff_account, [roles.RECORDS_STAFF, roles.UNIT_HEAD])),
    "accounts.lock_account": Action("accounts.manage", lambda s, a, t: accounts.lock_account(
        s, a, t.staff_account, REQUEST)),
    "accounts.unlock_account": Action("accounts.manage", lambda s, a, t: accounts.unlock_account(
        s, a, t.locked_account, "Đã xác minh lại")),
    "accounts.transfer_account": Action("accounts.move", lambda s, a, t: accounts.transfer_account(
        s, a, t.staff_account, t.other_unit, REQUEST)),
    "accounts.retire_account": Action("accounts.move", lambda s, a, t: accounts.retire_account(
        s, a, t.staff_account, REQUEST)),
    "incidents.report": Action("incident.report", lambda s, a, t: incidents.report(
        s, a, title="Không tải được tệp", description="Lỗi khi mở văn bản", category="technical", severity="low"),
        unit=_no_unit),
    "incidents.get": Action("incident.view", lambda s, a, t: incidents.get(s, a, t.incident), writes=False,
                            unit=_no_unit),
    "incidents.assign": Action("incident.manage", lambda s, a, t: incidents.assign(
        s, a, t.incident, "trucvanhanh"), unit=_no_unit),
    "incidents.update": Action("incident.manage", lambda s, a, t: incidents.update(
        s, a, t.incident, severity="high"), unit=_no_unit),
    "incidents.link_units": Action("incident.manage", lambda s, a, t: incidents.link_units(
        s, a, t.incident, [t.unit]), unit=_no_unit),
    "incidents.resolve": Action("incident.manage", lambda s, a, t: incidents.resolve(
        s, a, t.incident, "Đã khởi động lại dịch vụ"), unit=_no_unit),
    "incidents.add_entry": Action("incident.timeline", lambda s, a, t: incidents.add_entry(
        s, a, t.incident, "Đã kiểm tra nhật ký máy chủ"), unit=_no_unit),
    "accounts.create_pending_account": Action("lgsp.sync", lambda s, a, t: accounts.create_pending_account(
        s, a, username="chodongbo", first_name="Chờ", last_name="Trần Văn", email="chodongbo@demo.kholuutru.local",
        unit_id=t.unit), unit=_no_unit),
    "accounts.update_profile": Action("lgsp.sync", lambda s, a, t: accounts.update_profile(
        s, a, s.get(Account, t.staff_account), first_name="Dung", last_name="Phạm Thị",
        email="canbo@demo.kholuutru.local", position="Chuyên viên chính"), unit=_no_unit),
    "lgsp_sync.dismiss_review": Action("lgsp.review", lambda s, a, t: lgsp_sync.dismiss_review(s, a, t.review)),
    "retention.save_group": Action("retention_schedule.manage", lambda s, a, t: retention.save_group(
        s, a, {"code": "99.1", "group_name": "Tài liệu khác", "title": "Tài liệu thử nghiệm", "years": "5"}),
        unit=_no_unit),
    "retention.due_for_review": Action("retention.review", lambda s, a, t: retention.due_for_review(
        s, a, t.unit), writes=False),
    "destruction.list_batches": Action("retention.review", lambda s, a, t: destruction.list_batches(
        s, a, t.unit), writes=False),
    "destruction.tombstones": Action("retention.review", lambda s, a, t: destruction.tombstones(s, a, t.unit),
                                     writes=False),
    "destruction.propose": Action("retention.propose_destruction", lambda s, a, t: destruction.propose(
        s, a, t.unit, [t.expired], "Hồ sơ hết giá trị")),
    "destruction.record_appraisal": Action("retention.record_appraisal", lambda s, a, t: destruction.record_appraisal(
        s, a, t.proposed_batch, APPRAISAL)),
    "destruction.approve": Action("destruction.approve", lambda s, a, t: destruction.approve(
        s, a, t.appraised_batch, "12/QĐ-SNV", TODAY)),
    "destruction.reject": Action("destruction.approve", lambda s, a, t: destruction.reject(
        s, a, t.proposed_batch, "Cần xem lại giá trị lịch sử")),
    "destruction.destroy": Action("destruction.execute", lambda s, a, t: destruction.destroy(
        s, a, t.storage, t.approved_batch, "03/BB-HTL")),
    "retention.set_legal_hold": Action("dossier.legal_hold", lambda s, a, t: retention.set_legal_hold(
        s, a, t.archived, "Có đơn khiếu nại liên quan")),
    "retention.lift_legal_hold": Action("dossier.legal_hold", lambda s, a, t: retention.lift_legal_hold(
        s, a, t.held, "Đã giải quyết xong khiếu nại")),
    "access_requests.catalogue": Action("access_request.create", lambda s, a, t: access_requests.catalogue(s, a),
                                        writes=False, unit=_actor_unit),
    "access_requests.approve": Action("access_request.approve", lambda s, a, t: access_requests.approve(
        s, a, t.access_request)),
    "access_requests.refuse": Action("access_request.approve", lambda s, a, t: access_requests.refuse(
        s, a, t.access_request, "Hồ sơ đang được chỉnh lý")),
    "access_requests.unit_requests": Action("access_request.approve", lambda s, a, t: access_requests.unit_requests(
        s, a, t.unit), writes=False),
    "access_report.access_report": Action("access_request.report", lambda s, a, t: access_report(
        s, a, t.unit, TODAY - dt.timedelta(days=30), TODAY), writes=False),
}


@pytest.fixture(scope="module")
def targets(database: Database, storage: Storage, settings: Settings, pki: Pki, demo: dict[str, str]) -> Targets:
    settings = settings.model_copy(update={"signature_trust_roots_file": pki.roots_file, "tsa_url": pki.tsa_url})
    system = Actor.system("matrix")
    with database.session(system) as session:
        unit_ids = {unit.code: unit.id for unit in session.scalars(select(Unit))}
        unit = unit_ids[OWN_UNIT]
        by_state = {}
        for dossier in session.scalars(select(Dossier).where(Dossier.unit_id == unit, Dossier.year == DEMO_YEAR)):
            by_state["returned" if dossier.state == "draft" and dossier.documents else dossier.state] = dossier.id
        demo_list = dossier_lists.find_list(session, system, unit, DEMO_YEAR)
        used = set(session.scalars(select(Dossier.list_entry_id)))
        draft_list = dossier_lists.create_list(session, system, unit, 2029)
        heading = dossier_lists.add_heading(session, system, draft_list.id, title="Tổng hợp", abbreviation="TH")
        dossier_lists.add_entry(session, system, draft_list.id, heading_id=heading.id, title="Báo cáo năm",
                                retention="10")
        account_ids = dict(session.execute(select(Account.username, Account.id)).all())
        # Two fresh documents of the draft dossier (the demo's submitted ones already carry both signatures).
        document, signed_document = (_document_with_file(session, system, storage, settings, by_state["draft"], n)
                                     for n in (1, 2))
        signing.sign_personal(session, system, storage, settings, document_id=signed_document,
                              key=pki.pkcs12("staff"))
        template = extraction.create_template(session, system, unit_id=unit, procedure_code="1.000002",
                                              name="Mẫu có sẵn", fields=FIELDS)
        _recognised(session, document)
        proposal = extraction.propose(session, system, document_id=document, template_id=template.id)
        box = locations.get_box(session, system, locations.occupancy(session, system, unit)[0].box_id)
        locked = accounts.create_account(
            session, system, username="bikhoa", password="mat-khau-du-dai-2", first_name="Khóa", last_name="Lê",
            email="bikhoa@demo.kholuutru.local", unit_id=unit, role_codes=[roles.READER])
        accounts.lock_account(session, system, locked.id, REQUEST)
        batches = _destruction_batches(session, system, storage, settings, pki, unit)
        retention.set_legal_hold(session, system, by_state["approved"], "Thanh tra đang xác minh")
        incident = incidents.report(session, system, title="Máy chủ lưu trữ chậm", description="Mở hồ sơ rất chậm",
                                    category="technical", severity="medium")
        return Targets(
            storage=storage, settings=settings, pki=pki, province=unit_ids["000.00.00.H47"], unit=unit,
            other_unit=unit_ids[OTHER_UNIT], draft=by_state["draft"], returned=by_state["returned"],
            submitted=by_state["submitted"], approved=by_state["approved"], archived=by_state["archived"],
            free_entry=next(entry.id for entry in demo_list.entries if entry.id not in used),
            draft_list=draft_list.id, draft_heading=heading.id, leaf_unit=unit_ids["000.02.20.H47"],
            fonds=fonds.unit_fonds(session, system, unit)[0].id, warehouse=box.shelf.warehouse_id,
            shelf=box.shelf_id, box=box.id, extraction=proposal.id,
            document=document, signed_document=signed_document, template=template.id,
            staff_account=account_ids["canbo"], clerk_account=account_ids["vanthu"], locked_account=locked.id,
            account_ids=_first_account_of_each_role(account_ids),
            expired=session.scalars(select(Dossier.id).where(Dossier.unit_id == unit,
                                                             Dossier.year == EXPIRED_YEAR)).one(),
            held=by_state["approved"], proposed_batch=batches[0], appraised_batch=batches[1],
            approved_batch=batches[2],
            access_request=session.scalars(select(AccessRequest.id).where(AccessRequest.state == "pending")).one(),
            incident=incident.id, review=_held_for_review(session, unit),
        )


def _document_with_file(session: Session, system: Actor, storage: Storage, settings: Settings, dossier_id: int,
                        number: int) -> int:
    document = dossiers.add_document(session, system, dossier_id, DOCUMENTS[0])
    add_file(session, system, storage, settings, document_id=document.id, stream=io.BytesIO(_pdf(f"ma-tran-{number}")),
             file_name=f"ma-tran-{number}.pdf")
    return document.id


def _recognised(session: Session, document_id: int) -> None:
    """A finished OCR run on the document, as the job worker leaves it (the worker itself is tested elsewhere)."""
    source = session.scalars(select(DocumentFile).where(DocumentFile.document_id == document_id)
                             .order_by(DocumentFile.version.desc())).first()
    session.add(Digitisation(unit_id=source.unit_id, document_id=document_id, source_file_id=source.id,
                             state="succeeded", ocr_text="Số: 12/GCN", requested_by="matrix"))
    session.flush()


def _destruction_batches(session: Session, system: Actor, storage: Storage, settings: Settings, pki: Pki,
                         unit: int) -> list[int]:
    """Three destruction batches of the unit, each of one expired dossier: proposed, appraised and approved."""
    late_list = dossier_lists.create_list(session, system, unit, LATE_YEAR)
    heading = dossier_lists.add_heading(session, system, late_list.id, title="Tổng hợp", abbreviation="TH")
    entries = [dossier_lists.add_entry(session, system, late_list.id, heading_id=heading.id, retention="10 năm",
                                       title=f"Hồ sơ hội nghị số {number} năm {LATE_YEAR}").id for number in (1, 2, 3)]
    dossier_lists.approve_list(session, system, late_list.id)
    batches = []
    for step, entry in enumerate(entries):
        dossier = dossiers.create_dossier(session, system, unit_id=unit, year=LATE_YEAR, list_entry_id=entry,
                                          metadata={**DOSSIER_METADATA, "start_date": f"{LATE_YEAR}-01-07",
                                                    "end_date": f"{LATE_YEAR}-12-31"})
        document = dossiers.add_document(session, system, dossier.id, DOCUMENTS[0])
        add_file(session, system, storage, settings, document_id=document.id,
                 stream=io.BytesIO(_pdf(f"{dossier.code} {step}")), file_name="ban-goc.pdf")
        signing.sign_personal(session, system, storage, settings, document_id=document.id, key=pki.pkcs12("staff"))
        signing.sign_organisation(session, system, storage, settings, document_id=document.id,
                                  key=pki.pkcs12("seal"))
        for move in (dossiers.submit, dossiers.approve, dossiers.archive):
            move(session, system, dossier.id)
        batch = destruction.propose(session, system, unit, [dossier.id], "Hồ sơ hết giá trị")
        if step >= 1:
            destruction.record_appraisal(session, system, batch.id, APPRAISAL)
        if step >= 2:
            destruction.approve(session, system, batch.id, "11/QĐ-SNV", TODAY)
        batches.append(batch.id)
    return batches


def _held_for_review(session: Session, unit: int) -> int:
    """A staff record without e-mail held in the LGSP review queue, with the reasons the feed's own validation gives,
    as a synchronisation run leaves it (the runs themselves are tested in tests/archive/sync)."""
    payload = {"MaCanBo": "CB0999", "HoVaTen": "Nguyễn Văn Thử", "MaDinhDanhDonVi": OWN_UNIT}
    with pytest.raises(lgsp_records.Rejected) as rejected:
        lgsp_records.staff(payload)
    entry = SyncReview(feed="users", record_key="CB0999", external_id=lgsp_records.external_id("users", payload),
                       unit_id=unit, payload=payload, payload_digest=lgsp_records.digest(payload),
                       reasons=[reason.as_dict() for reason in rejected.value.reasons])
    session.add(entry)
    session.flush()
    return entry.id


def _first_account_of_each_role(account_ids: dict[str, int]) -> dict[str, int]:
    """The demo account of each role (the first listed: e.g. the records staff who formed the demo dossiers)."""
    first: dict[str, int] = {}
    for username, role, *_rest in DEMO_ACCOUNTS:
        first.setdefault(role, account_ids[username])
    return first


@contextmanager
def rolled_back(database: Database, actor: Actor) -> Iterator[Session]:
    """A session as ``actor`` whose transaction is always rolled back."""
    with database.engine.connect() as connection:
        transaction = connection.begin()
        apply_rls_context(connection, actor)
        session = Session(bind=connection)
        try:
            yield session
        finally:
            session.close()
            transaction.rollback()


def audit_count(session: Session) -> int:
    """Audit events of every unit, counted as the system (row-level security would hide other units' events)."""
    apply_rls_context(session.connection(), Actor.system("matrix"))
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


@pytest.mark.parametrize("placement", ["own unit", "other unit"])
@pytest.mark.parametrize("role", sorted(roles.ROLES))
@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_service_allows_exactly_what_the_rights_table_says(database: Database, targets: Targets, name: str,
                                                           role: str, placement: str) -> None:
    action = ACTIONS[name]
    home = targets.unit if placement == "own unit" else targets.other_unit
    actor = Actor(user_id=targets.account_ids[role], username=f"matrix-{role}", unit_id=home,
                  roles=frozenset({role}))
    expected = may(actor, action.right, action.unit(actor, targets))
    with rolled_back(database, actor) as session:
        before = audit_count(session)
        apply_rls_context(session.connection(), actor)
        if expected:
            action.call(session, actor, targets)
            session.flush()
            assert audit_count(session) - before == (1 if action.writes else 0)
        else:
            with pytest.raises((PermissionDenied, NotFound)):
                action.call(session, actor, targets)
            assert not (session.new or session.dirty or session.deleted)
            assert audit_count(session) == before


def test_every_right_the_services_check_is_exercised() -> None:
    """The matrix covers every right of the archive's services (the backups rights are checked by the backups
    component and its console page, outside the archive's services)."""
    elsewhere = {
        "backups.view", "backups.drill",
        # A report is always of the viewer's own unit (every unit for province-wide roles), never of a target unit:
        # tests/archive/search/test_reports.py test_province_wide_roles_see_every_unit_and_others_are_refused.
        "reports.view",
    }
    assert {action.right for action in ACTIONS.values()} == set(RIGHTS) - elsewhere
