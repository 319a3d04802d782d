"""Access requests (khai thác): a reader of another unit asks, the owning unit's head decides, the grant opens exactly
that dossier for reading until its last day — refused afterwards by the service and by row-level security alike —
and every download is a watermarked copy, the stored object untouched."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select, text, update

from kholuutru.archive import access_report, access_requests, audit, suspension
from kholuutru.archive.access import Actor
from kholuutru.archive.access_request_models import AccessEvent
from kholuutru.archive.dossier_models import Document, DocumentFile, Dossier
from kholuutru.archive.errors import Conflict, InvalidInput, NotFound, PermissionDenied, PlatformSuspended
from kholuutru.archive.roles import READER, UNIT_HEAD

from .retention_support import archived_dossier, pdf_bytes

ADMIN = Actor.system("test")
TODAY = dt.date.today()
ASK = {"purpose": "Nghiên cứu lịch sử địa phương", "wanted_from": TODAY.isoformat(),
       "wanted_until": (TODAY + dt.timedelta(days=7)).isoformat()}


@pytest.fixture(scope="module")
def granted(database, province, factory, storage, settings) -> dict:
    """An archived dossier of unit A, another one beside it, and a reader of unit B whose request was approved."""
    unit = province["A"]
    pdf = pdf_bytes("khai thac")
    dossier_id = archived_dossier(database, factory, unit, storage, settings, pdf=pdf, end_year=2024)
    neighbour = archived_dossier(database, factory, unit, storage, settings, pdf=pdf_bytes("neighbour"),
                                 end_year=2024)
    reader = province["B"].actor(READER)
    head = unit.actor(UNIT_HEAD)
    with database.session(reader) as session:
        found = access_requests.catalogue(session, reader, "Hồ sơ kế hoạch")
        assert dossier_id in {entry.id for entry in found}
        request = access_requests.request_access(session, reader, dossier_id, ASK)
    with database.session(head) as session:
        assert [r.id for r in access_requests.unit_requests(session, head, unit.id, pending_only=True)] == [
            request.id]
        access_requests.approve(session, head, request.id, ASK["wanted_until"])
    return {"dossier": dossier_id, "neighbour": neighbour, "reader": reader, "head": head, "request": request.id,
            "pdf": pdf}


def test_bad_requests_are_refused_naming_the_field(database, province, granted) -> None:
    reader = granted["reader"]
    with database.session(reader) as session:
        with pytest.raises(InvalidInput) as refused:
            access_requests.request_access(session, reader, granted["neighbour"], {**ASK, "purpose": " "})
        assert refused.value.field == "purpose"
        with pytest.raises(InvalidInput) as refused:
            access_requests.request_access(session, reader, granted["neighbour"],
                                           {**ASK, "wanted_until": "01/01/2020", "wanted_from": "01/01/2019"})
        assert refused.value.field == "wanted_until"
    staff_of_owner = province["A"].actor(READER)
    with database.session(staff_of_owner) as session, pytest.raises(InvalidInput):
        access_requests.request_access(session, staff_of_owner, granted["dossier"], ASK)


def test_a_valid_grant_opens_exactly_its_dossier_for_reading(database, granted) -> None:
    reader = granted["reader"]
    with database.session(reader) as session:
        opened = access_requests.open_granted(session, reader, granted["request"])
        assert opened.dossier.id == granted["dossier"] and len(opened.documents) == 1
        visible = set(session.scalars(select(Dossier.id)))
        assert visible == {granted["dossier"]}, "row-level security opens the granted dossier only"
        assert session.get(Dossier, granted["neighbour"]) is None
        changed = session.execute(update(Dossier).where(Dossier.id == granted["dossier"]).values(title="Sửa"))
        assert changed.rowcount == 0, "a grant is for reading only"


def test_a_download_is_a_watermarked_copy_and_the_stored_object_is_untouched(database, granted, storage,
                                                                           settings) -> None:
    reader = granted["reader"]
    with database.session(reader) as session:
        file_id = session.scalar(select(DocumentFile.id).where(
            DocumentFile.sha256 == hashlib.sha256(granted["pdf"]).hexdigest()))
        row, data = access_requests.download(session, reader, storage, settings, granted["request"], file_id)
        with pytest.raises(NotFound):
            access_requests.download(session, reader, storage, settings, granted["request"], file_id + 10_000)
    stamped = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "Bản khai thác" in stamped and reader.username in stamped
    with storage.open(row.object_key) as stream:
        assert hashlib.sha256(stream.read()).hexdigest() == row.sha256 == hashlib.sha256(granted["pdf"]).hexdigest()
    with database.session(granted["head"]) as session:
        kinds = session.scalars(select(AccessEvent.kind).where(AccessEvent.request_id == granted["request"])).all()
        assert "view" in kinds and "download" in kinds


def test_only_the_owning_units_head_decides(database, province, granted) -> None:
    reader = granted["reader"]
    with database.session(reader) as session:
        request = access_requests.request_access(session, reader, granted["neighbour"], ASK)
        with pytest.raises(PermissionDenied):
            access_requests.open_granted(session, reader, request.id)
    other_head = province["B"].actor(UNIT_HEAD)
    with database.session(other_head) as session, pytest.raises(NotFound):
        access_requests.approve(session, other_head, request.id)
    with database.session(granted["head"]) as session:
        access_requests.refuse(session, granted["head"], request.id, "Hồ sơ có thông tin hạn chế tiếp cận")
        with pytest.raises(Conflict):
            access_requests.approve(session, granted["head"], request.id)
    with database.session(reader) as session, pytest.raises(PermissionDenied, match="refused"):
        access_requests.open_granted(session, reader, request.id)


def test_the_access_report_counts_requests_and_uses(database, province, granted) -> None:
    head = granted["head"]
    with database.session(head) as session:
        rows = access_report.access_report(session, head, province["A"].id, TODAY.isoformat(), TODAY.isoformat())
        with pytest.raises(PermissionDenied):
            access_report.access_report(session, head, province["B"].id, TODAY.isoformat(), TODAY.isoformat())
    [row] = rows
    assert row.requests >= 1 and row.approved >= 1 and row.views >= 1 and row.downloads >= 1
    assert "Lượt tải" in access_report.report_csv(rows).decode("utf-8-sig").splitlines()[0]
    assert access_report.report_xlsx(rows, "en")[:2] == b"PK"


def test_another_reader_sees_nothing_of_the_granted_dossier(database, province, granted) -> None:
    other = Actor(user_id=None, username="another-reader", unit_id=province["B"].id, roles=frozenset({READER}))
    with database.session(other) as session:
        assert session.get(Dossier, granted["dossier"]) is None
        with pytest.raises(NotFound):
            access_requests.open_granted(session, other, granted["request"])


def test_nothing_is_asked_decided_or_read_while_suspended(database, granted) -> None:
    with database.session(ADMIN) as session:
        suspension.suspend(session, ADMIN, "Sự cố an ninh đang xử lý")
    reader = granted["reader"]
    try:
        with database.session(reader) as session, pytest.raises(PlatformSuspended):
            access_requests.request_access(session, reader, granted["neighbour"], ASK)
        with database.session(reader) as session, pytest.raises(PlatformSuspended):
            access_requests.open_granted(session, reader, granted["request"])
    finally:
        with database.session(ADMIN) as session:
            suspension.resume(session, ADMIN, "Đã khắc phục")


def test_an_expired_grant_is_refused_by_the_service_and_by_row_level_security(database, granted,
                                                                              superuser_engine) -> None:
    # The last day passes: the grant's end moves into the past, as the clock would move it.
    with superuser_engine.begin() as connection:
        connection.execute(text("UPDATE access_requests SET valid_until = now() - interval '1 minute', "
                                "valid_from = now() - interval '2 days' WHERE id = :id"),
                           {"id": granted["request"]})
    reader = granted["reader"]
    with database.session(reader) as session:
        with pytest.raises(PermissionDenied) as refused:
            access_requests.open_granted(session, reader, granted["request"])
        assert "hết hạn" in refused.value.message_vi and "expired" in refused.value.message_en
    with database.session(reader) as session:
        assert session.get(Dossier, granted["dossier"]) is None
        assert session.scalars(select(Document).where(Document.dossier_id == granted["dossier"])).all() == []
        assert session.scalars(select(DocumentFile)).all() == []
    with database.session(ADMIN) as session:
        assert audit.verify(session).ok
