"""Uploading document files (invariant 3) on both backends: checked input, content addresses, versions, refusals
that store nothing, and the object-first-then-row order that the orphan sweeper completes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from sqlalchemy import func, select

from kholuutru.archive import document_files, suspension
from kholuutru.archive.access import Actor
from kholuutru.archive.dossier_models import DocumentFile
from kholuutru.archive.errors import Conflict, InvalidInput, NotFound, PermissionDenied, PlatformSuspended
from kholuutru.archive.models import AuditEvent
from kholuutru.archive.roles import OPERATOR

ADMIN = Actor.system("test")
HOUR = dt.timedelta(hours=1)


def upload(database, settings, backend, place, data: bytes, name: str = "van-ban.pdf", actor=None):
    with database.session(actor or place.staff()) as session:
        return document_files.add_file(session, actor or place.staff(), backend.storage, settings,
                                       document_id=place.document_id, stream=io.BytesIO(data), file_name=name)


def rows_of(database, document_id: int) -> list[DocumentFile]:
    with database.session(ADMIN) as session:
        return list(session.scalars(select(DocumentFile).where(DocumentFile.document_id == document_id)
                                    .order_by(DocumentFile.version)))


def audit_count(database) -> int:
    with database.session(ADMIN) as session:
        return session.scalar(select(func.count()).select_from(AuditEvent))


def stored_keys(backend) -> list[str]:
    return [info.key for info in backend.storage.iter_keys()]


def read(backend, key: str) -> bytes:
    with backend.storage.open(key) as stream:
        return stream.read()


@pytest.fixture
def nothing_stored(database, backend):
    """Assert, after the test body, that no object, temporary file, row or audit event was added."""
    events = audit_count(database)
    rows = []

    def check(document_id: int) -> None:
        rows.append(document_id)

    yield check
    assert stored_keys(backend) == []
    if backend.root is not None and (backend.root / ".tmp").exists():
        assert list((backend.root / ".tmp").iterdir()) == []
    assert audit_count(database) == events
    for document_id in rows:
        assert rows_of(database, document_id) == []


def test_a_pdf_is_stored_under_its_content_address_with_a_row_and_an_event(database, settings, backend,
                                                                         new_document, make_pdf):
    place, data = new_document(), make_pdf(2)
    sha256 = hashlib.sha256(data).hexdigest()
    row = upload(database, settings, backend, place, data, name="Quyết định 01.pdf")
    assert (row.version, row.sha256, row.size, row.media_type) == (1, sha256, len(data), "application/pdf")
    assert row.object_key == f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"
    assert row.file_name == "Quyết định 01.pdf" and row.unit_id == place.unit_id
    assert read(backend, row.object_key) == data
    with database.session(ADMIN) as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
    assert (event.action, event.object_type, event.object_id, event.unit_id) == (
        "document.file_add", "document_file", str(row.id), place.unit_id)
    with database.session(place.staff()) as session:
        file, stream = document_files.open_file(session, place.staff(), backend.storage, row.id)
        with stream:
            assert stream.read() == data and file.sha256 == sha256


@pytest.mark.parametrize(("image_format", "media_type", "name"), [
    ("PNG", "image/png", "anh.png"), ("JPEG", "image/jpeg", "anh.JPG"), ("TIFF", "image/tiff", "ban-quet.tif"),
])
def test_scanned_images_are_accepted_by_their_content(database, settings, backend, new_document, make_image,
                                                      image_format, media_type, name):
    place, data = new_document(), make_image(image_format)
    row = upload(database, settings, backend, place, data, name=name)
    assert (row.media_type, row.size, row.file_name) == (media_type, len(data), name)
    assert read(backend, row.object_key) == data


def test_a_wrong_extension_is_not_trusted_and_the_real_one_is_appended(database, settings, backend, new_document,
                                                                       make_image):
    row = upload(database, settings, backend, new_document(), make_image("PNG"), name="scan.pdf")
    assert (row.media_type, row.file_name) == ("image/png", "scan.pdf.png")


def test_a_new_version_is_a_new_row_and_object_and_the_first_is_kept(database, settings, backend, new_document,
                                                                     make_pdf):
    place, original = new_document(), make_pdf(1)
    first = upload(database, settings, backend, place, original)
    second = upload(database, settings, backend, place, make_pdf(3))
    assert [(r.version, r.object_key) for r in rows_of(database, place.document_id)] == [
        (1, first.object_key), (2, second.object_key)]
    assert first.object_key != second.object_key
    assert read(backend, first.object_key) == original
    assert sorted(stored_keys(backend)) == sorted([first.object_key, second.object_key])


def test_identical_bytes_share_one_object(database, settings, backend, new_document, make_pdf):
    one, two, data = new_document(), new_document(), make_pdf(1)
    a = upload(database, settings, backend, one, data)
    b = upload(database, settings, backend, two, data)
    assert a.object_key == b.object_key and stored_keys(backend) == [a.object_key]


@pytest.mark.parametrize(("data", "name", "words"), [
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 500, "hop-dong.pdf", ("Windows", "Windows")),
    (b"%PDF-1.4\n" + b"garbage " * 100, "hong.pdf", ("hỏng", "damaged")),
    (b"", "rong.pdf", ("rỗng", "empty")),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "cut.png", ("hỏng", "damaged")),
    (b"PK\x03\x04" + b"\x00" * 100, "bao-cao.docx", (".docx", ".docx")),
    (b"%PDF", "short.pdf", ("PDF", "PDF")),
], ids=["renamed-exe", "malformed-pdf", "empty", "truncated-png", "docx", "four-bytes"])
def test_bad_files_are_refused_naming_the_field_and_store_nothing(database, settings, backend, new_document,
                                                                  nothing_stored, data, name, words):
    place = new_document()
    nothing_stored(place.document_id)
    with pytest.raises(InvalidInput) as refused:
        upload(database, settings, backend, place, data, name=name)
    assert refused.value.field == "file" and refused.value.http_status == 422
    assert words[0] in refused.value.message("vi") and words[1] in refused.value.message("en")


def test_an_oversize_file_is_refused_while_streaming_and_stores_nothing(database, settings, backend, new_document,
                                                                        nothing_stored, make_pdf):
    place = new_document()
    nothing_stored(place.document_id)
    small = settings.model_copy(update={"max_upload_bytes": 100})

    class Counting(io.BytesIO):
        consumed = 0

        def read(self, size=-1):
            chunk = super().read(size)
            Counting.consumed += len(chunk)
            return chunk

    stream = Counting(make_pdf(1) + b"\n" * 10_000_000)
    with pytest.raises(InvalidInput) as refused, database.session(place.staff()) as session:
        document_files.add_file(session, place.staff(), backend.storage, small, document_id=place.document_id,
                                stream=stream, file_name="lon.pdf")
    assert refused.value.field == "file" and "MiB" not in refused.value.message("en")
    assert "100 bytes" in refused.value.message("en")
    assert Counting.consumed == 101, "reading stops as soon as the limit is passed"


def test_a_traversal_file_name_is_stored_as_a_safe_name_and_nothing_leaves_the_root(database, settings, backend,
                                                                                    new_document, make_pdf, tmp_path):
    place = new_document()
    row = upload(database, settings, backend, place, make_pdf(1), name="../../etc/passwd")
    other = upload(database, settings, backend, place, make_pdf(2), name="..\\..\\Windows\\Tờ trình\u202egpj.pdf")
    assert row.file_name == "passwd.pdf" and other.file_name == "Tờ trìnhgpj.pdf"
    assert not [path for path in tmp_path.rglob("*") if "passwd" in path.name or "trình" in path.name]
    if backend.root is not None:
        assert [path.name for path in tmp_path.iterdir()] == ["objects"]
        assert all(path.resolve().is_relative_to(backend.root) for path in backend.root.rglob("*"))


@pytest.mark.parametrize("state", ["submitted", "approved", "archived"])
def test_only_a_draft_dossier_takes_files(database, settings, backend, new_document, nothing_stored, make_pdf,
                                          state):
    place = new_document(state)
    nothing_stored(place.document_id)
    with pytest.raises(Conflict) as refused:
        upload(database, settings, backend, place, make_pdf(1))
    assert refused.value.field == "state"


def test_other_units_and_readers_cannot_add_files(database, settings, backend, new_document, nothing_stored,
                                                  make_pdf):
    place = new_document()
    nothing_stored(place.document_id)
    with pytest.raises(NotFound):  # row-level security hides the other unit's document altogether
        upload(database, settings, backend, place, make_pdf(1), actor=place.staff(place.other_unit_id))
    with pytest.raises(PermissionDenied):
        upload(database, settings, backend, place, make_pdf(1), actor=place.reader())
    with pytest.raises(NotFound), database.session(place.staff()) as session:
        document_files.add_file(session, place.staff(), backend.storage, settings, document_id=10**9,
                                stream=io.BytesIO(make_pdf(1)), file_name="x.pdf")


def test_no_upload_while_suspended_and_only_investigators_read(database, settings, backend, new_document, make_pdf):
    place = new_document()
    row = upload(database, settings, backend, place, make_pdf(1))
    keys, events = stored_keys(backend), audit_count(database)
    operator = Actor(user_id=None, username="trucvanhanh", unit_id=None, roles=frozenset({OPERATOR}))
    with database.session(operator) as session:
        suspension.suspend(session, operator, "Sự cố an ninh")
    try:
        with pytest.raises(PlatformSuspended):
            upload(database, settings, backend, place, make_pdf(2))
        with pytest.raises(PlatformSuspended), database.session(place.staff()) as session:
            document_files.open_file(session, place.staff(), backend.storage, row.id)
        with database.session(operator) as session:
            document_files.open_file(session, operator, backend.storage, row.id).stream.close()
        with pytest.raises(PlatformSuspended), database.session(ADMIN) as session:
            document_files.sweep_orphans(session, backend.storage, grace=HOUR)
        assert stored_keys(backend) == keys and len(rows_of(database, place.document_id)) == 1
        assert audit_count(database) == events + 1  # the suspension itself
    finally:
        with database.session(operator) as session:
            suspension.resume(session, operator, "Đã khắc phục")


def test_other_units_cannot_download(database, settings, backend, new_document, make_pdf):
    place = new_document()
    row = upload(database, settings, backend, place, make_pdf(1))
    other = place.staff(place.other_unit_id)
    with pytest.raises(NotFound), database.session(other) as session:
        document_files.open_file(session, other, backend.storage, row.id)


def test_a_crash_after_the_object_leaves_an_orphan_that_the_sweeper_removes_after_the_grace_period(
        database, settings, backend, new_document, make_pdf):
    place = new_document()
    kept = upload(database, settings, backend, place, make_pdf(1))
    with pytest.raises(RuntimeError), database.session(place.staff()) as session:
        lost = document_files.add_file(session, place.staff(), backend.storage, settings,
                                       document_id=place.document_id, stream=io.BytesIO(make_pdf(2)),
                                       file_name="mat-dien.pdf")
        raise RuntimeError("power cut before the commit")
    assert [r.version for r in rows_of(database, place.document_id)] == [1]
    assert backend.storage.exists(lost.object_key), "the object was written first"

    with database.session(ADMIN) as session:
        assert document_files.sweep_orphans(session, backend.storage, grace=HOUR) == []
    assert backend.storage.exists(lost.object_key), "inside the grace period the orphan stays"

    with database.session(ADMIN) as session:
        assert document_files.sweep_orphans(session, backend.storage, grace=dt.timedelta(0)) == [lost.object_key]
    assert not backend.storage.exists(lost.object_key)
    assert backend.storage.exists(kept.object_key), "a referenced object is never swept"


def test_an_orphan_adopted_by_a_later_upload_is_kept(database, settings, backend, new_document, make_pdf):
    place, data = new_document(), make_pdf(1)
    with pytest.raises(RuntimeError), database.session(place.staff()) as session:
        document_files.add_file(session, place.staff(), backend.storage, settings, document_id=place.document_id,
                                stream=io.BytesIO(data), file_name="a.pdf")
        raise RuntimeError("crash")
    row = upload(database, settings, backend, place, data)  # same bytes: put is idempotent
    with database.session(ADMIN) as session:
        assert document_files.sweep_orphans(session, backend.storage, grace=dt.timedelta(0)) == []
    assert backend.storage.exists(row.object_key)


def test_the_sweeper_refuses_a_session_that_does_not_see_every_unit(database, settings, backend, new_document,
                                                                    make_pdf):
    place = new_document()
    row = upload(database, settings, backend, place, make_pdf(1))
    other = place.staff(place.other_unit_id)  # would see none of unit A's rows, so every object looks orphaned
    for call in (lambda s: document_files.sweep_orphans(s, backend.storage, grace=dt.timedelta(0)),
                 lambda s: document_files.verify_objects(s, backend.storage)):
        with pytest.raises(PermissionDenied), database.session(other) as session:
            call(session)
    assert backend.storage.exists(row.object_key)
    with pytest.raises(InvalidInput), database.session(ADMIN) as session:
        document_files.sweep_orphans(session, backend.storage, grace=-HOUR)
