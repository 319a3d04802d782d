"""Every role × every service action × own unit / other unit, against the real services and a real database.

The demo province is seeded once for the module; each call runs in its own transaction that is rolled back, so the
cases never see each other's changes. The expected outcome is the rights table (``access.may`` of the action's right
in the object's unit): an allowed call must succeed and write exactly one audit event (reads: none); any other call
must be refused with PermissionDenied or NotFound and write nothing. "Other unit" is an actor of the same role whose
own unit is another department than the object's.
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
    accounts,
    digitisation,
    dossier_lists,
    dossiers,
    extraction,
    fonds,
    locations,
    roles,
    signing,
    suspension,
    units,
)
from kholuutru.archive.access import Actor, apply_rls_context, may
from kholuutru.archive.database import Database
from kholuutru.archive.demo_dossiers import DEMO_YEAR, DOCUMENTS
from kholuutru.archive.digitisation_models import Digitisation
from kholuutru.archive.document_files import add_file
from kholuutru.archive.dossier_models import Document, DocumentFile, Dossier
from kholuutru.archive.errors import NotFound, PermissionDenied
from kholuutru.archive.models import Account, AuditEvent, Unit
from kholuutru.archive.rights import RIGHTS
from kholuutru.archive.seed import DEMO_ACCOUNTS, seed_demo
from kholuutru.archive.settings import Settings
from kholuutru.archive.storage import Storage

sys.path.insert(0, str(Path(__file__).parents[2] / "shared"))  # the shared test PKI (tests/shared)
from pki_support import Pki, running_pki  # noqa: E402

OWN_UNIT, OTHER_UNIT = "000.00.01.H47", "000.00.02.H47"
REQUEST = accounts.AccountRequest(reason="Nghỉ việc", document_number="15/SNV-VP", document_date=dt.date(2026, 11, 20),
                                  requested_by="Văn phòng Sở Nội vụ")
FIELDS = [{"key": "so", "label": "Số", "type": "text", "anchor": "Số"}]


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


@dataclass(frozen=True)
class Action:
    right: str
    call: Callable[[Session, Actor, Targets], object]
    writes: bool = True


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
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
}


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pki]:
    with running_pki(tmp_path_factory.mktemp("pki")) as made:
        yield made


@pytest.fixture(scope="module")
def targets(database: Database, storage: Storage, settings: Settings, pki: Pki) -> Targets:
    settings = settings.model_copy(update={"signature_trust_roots_file": pki.roots_file, "tsa_url": pki.tsa_url})
    seed_demo(database, storage, settings, echo=lambda _line: None)
    system = Actor.system("matrix")
    with database.session(system) as session:
        unit_ids = {unit.code: unit.id for unit in session.scalars(select(Unit))}
        unit = unit_ids[OWN_UNIT]
        by_state = {}
        for dossier in session.scalars(select(Dossier).where(Dossier.unit_id == unit)):
            by_state["returned" if dossier.state == "draft" and dossier.documents else dossier.state] = dossier.id
        demo_list = dossier_lists.find_list(session, system, unit, DEMO_YEAR)
        used = set(session.scalars(select(Dossier.list_entry_id)))
        draft_list = dossier_lists.create_list(session, system, unit, 2029)
        heading = dossier_lists.add_heading(session, system, draft_list.id, title="Tổng hợp", abbreviation="TH")
        dossier_lists.add_entry(session, system, draft_list.id, heading_id=heading.id, title="Báo cáo năm",
                                retention="10")
        account_ids = dict(session.execute(select(Account.username, Account.id)).all())
        document, signed_document = session.scalars(select(Document.id).where(Document.dossier_id ==
                                                                               by_state["returned"])).all()[:2]
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
        )


def _recognised(session: Session, document_id: int) -> None:
    """A finished OCR run on the document, as the job worker leaves it (the worker itself is tested elsewhere)."""
    source = session.scalars(select(DocumentFile).where(DocumentFile.document_id == document_id)
                             .order_by(DocumentFile.version.desc())).first()
    session.add(Digitisation(unit_id=source.unit_id, document_id=document_id, source_file_id=source.id,
                             state="succeeded", ocr_text="Số: 12/GCN", requested_by="matrix"))
    session.flush()


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
    expected = may(actor, action.right, targets.unit)
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
    elsewhere = {"backups.view", "backups.drill"}
    assert {action.right for action in ACTIONS.values()} == set(RIGHTS) - elsewhere
