"""REST API of dossiers: the whole workflow over HTTP with JWT logins, refusals by role and unit, bad input, suspension.

The office is built with the archive's own services (units, accounts with real passwords, fonds, an approved annual
list), in two departments of its own so the demo province's content does not matter. Every call goes through the
Flask test client exactly as a client program would: log in at ``/api/v1/security/login``, then bearer token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from console_support import PASSWORD, bearer, create_people, pdf
from flask import Flask
from flask.testing import FlaskClient
from pki_support import PASSWORD as KEY_PASSWORD
from pki_support import Pki
from sqlalchemy import func, select

from kholuutru.archive import dossier_lists, fonds, roles, units
from kholuutru.archive.access import Actor
from kholuutru.archive.dossier_lists import EntryDraft, HeadingDraft, Retention
from kholuutru.archive.dossier_models import Document, DocumentFile, Dossier
from kholuutru.archive.models import AuditEvent, Unit

YEAR = dt.date.today().year
ADMIN = Actor.system("test")
COMPLETE_DOSSIER = {"access_level": "public", "language": "Tiếng Việt", "start_date": f"05/01/{YEAR}",
                    "end_date": f"{YEAR}-06-30", "reliability": "born_digital"}
DOCUMENTS = [
    {"type_name": "Kế hoạch", "number": "15", "symbol": "KH-SXD", "issued_on": f"12/01/{YEAR}",
     "issuing_organisation": "Sở Xây dựng", "summary": "Kế hoạch công tác năm", "usage_mode": "public",
     "page_count": 1},
    {"type_name": "Báo cáo", "number": "87", "symbol": "BC-SXD", "issued_on": f"{YEAR}-06-20",
     "issuing_organisation": "Sở Xây dựng", "summary": "Báo cáo sáu tháng", "usage_mode": "public",
     "page_count": 2},
]
# (username, role, unit key)
PEOPLE = (
    ("xd.canbo", roles.RECORDS_STAFF, "A"), ("xd.lanhdao", roles.UNIT_HEAD, "A"), ("xd.quantri", roles.UNIT_ADMIN, "A"),
    ("xd.vanthu", roles.CLERK, "A"), ("xd.khaithac", roles.READER, "A"), ("xd.thanhtra", roles.INSPECTOR, "A"),
    ("ct.canbo", roles.RECORDS_STAFF, "B"), ("ct.lanhdao", roles.UNIT_HEAD, "B"),
)


@dataclass
class Office:
    """Two departments (A with a fonds and an approved list for this year, B with staff only) and their people."""

    units: dict[str, int]
    pki: Pki
    entries: list[int] = field(default_factory=list)

    def next_entry(self) -> int:
        return self.entries.pop(0)






def counted(database, model) -> int:
    with database.session(ADMIN) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def audit_actions(database, after: int) -> list[str]:
    """The actions of the audit events written after event ``after`` (in order)."""
    with database.session(ADMIN) as session:
        return list(session.scalars(select(AuditEvent.action).where(AuditEvent.seq > after).order_by(AuditEvent.seq)))


def audit_head(database) -> int:
    with database.session(ADMIN) as session:
        return session.scalar(select(func.max(AuditEvent.seq))) or 0


@pytest.fixture(scope="module")
def settings(settings, pki):
    """The console trusts the test PKI's root, so the signatures its staff and clerk make are valid."""
    return settings.model_copy(update={"signature_trust_roots_file": pki.roots_file})


@pytest.fixture(scope="module")
def office(database, demo, pki) -> Office:
    with database.session(ADMIN) as session:
        province = session.scalar(select(Unit.id).where(Unit.code == "000.00.00.H47"))
        made = {key: units.create_unit(session, ADMIN, code=code, name=name, level="department", parent_id=province).id
                for key, code, name in (("A", "000.00.71.H47", "Sở Xây dựng"),
                                        ("B", "000.00.72.H47", "Sở Công Thương"))}
        people = create_people(session, [(username, role, made[unit]) for username, role, unit in PEOPLE])
    with database.session(people["xd.quantri"]) as session:
        fonds.create_fonds(session, people["xd.quantri"], made["A"], code="SXD", name="Phông Sở Xây dựng")
        entries = tuple(EntryDraft(title=f"Hồ sơ công việc số {n}", retention=Retention(permanent=False, years=10))
                        for n in range(1, 41))
        dossier_list = dossier_lists.create_list(session, people["xd.quantri"], made["A"], YEAR,
                                                 [HeadingDraft(title="Tổng hợp", abbreviation="TH", entries=entries)])
        list_id = dossier_list.id
    with database.session(people["xd.lanhdao"]) as session:
        approved = dossier_lists.approve_list(session, people["xd.lanhdao"], list_id)
        entry_ids = [entry.id for entry in approved.entries]
    return Office(units=made, pki=pki, entries=entry_ids)


@pytest.fixture(scope="module")
def token(app: Flask, office: Office) -> Callable[[str], str]:
    """A JWT per username from FAB's API login, all logged in up front: a login is an audited change too."""
    tokens = {}
    for username, _role, _unit in PEOPLE:
        answer = app.test_client().post("/api/v1/security/login",
                                        json={"username": username, "password": PASSWORD, "provider": "db"})
        assert answer.status_code == 200, answer.get_json()
        tokens[username] = answer.get_json()["access_token"]
    return tokens.__getitem__


@dataclass
class Caller:
    """A test client acting as one person through their JWT."""

    client: FlaskClient
    token: str

    def get(self, path: str, **kwargs):
        return self.client.get(path, headers=bearer(self.token), **kwargs)

    def post(self, path: str, **kwargs):
        return self.client.post(path, headers=bearer(self.token), **kwargs)

    def put(self, path: str, **kwargs):
        return self.client.put(path, headers=bearer(self.token), **kwargs)

    def upload(self, document_id: int, content: bytes, name: str):
        return self.post(f"/api/v1/documents/{document_id}/files",
                         data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


@pytest.fixture
def as_(client: FlaskClient, token) -> Callable[[str], Caller]:
    return lambda username: Caller(client, token(username))


def sign_over_api(as_, office: Office, document_id: int) -> None:
    """The staff member's personal signature, then the clerk's seal (regulation Đ15.5), through the signing API."""
    for username, kind, label in (("xd.canbo", "personal", "staff"), ("xd.vanthu", "organisation", "seal")):
        key = (office.pki.folder / f"{label}.p12").read_bytes()
        answer = as_(username).post(f"/api/v1/documents/{document_id}/sign", content_type="multipart/form-data",
                                    data={"kind": kind, "password": KEY_PASSWORD, "pkcs12": (io.BytesIO(key), "k.p12")})
        assert answer.status_code == 201, answer.get_json()


def new_draft(as_, office: Office, *, documents: int = 2, files: bool = True) -> int:
    """A draft dossier formed over the API, with complete metadata, documents and (optionally) their PDFs, signed
    personally and by the organisation as submission requires."""
    staff = as_("xd.canbo")
    answer = staff.post("/api/v1/dossiers/", json={"year": YEAR, "list_entry_id": office.next_entry(),
                                                   **COMPLETE_DOSSIER})
    assert answer.status_code == 201, answer.get_json()
    dossier_id = answer.get_json()["id"]
    for metadata in DOCUMENTS[:documents]:
        document = staff.post("/api/v1/documents/", json={"dossier_id": dossier_id, **metadata})
        assert document.status_code == 201, document.get_json()
        if files:
            assert staff.upload(document.get_json()["id"], pdf(), "van-ban.pdf").status_code == 201
            sign_over_api(as_, office, document.get_json()["id"])
    return dossier_id


def in_state(as_, office: Office, state: str) -> int:
    dossier_id = new_draft(as_, office)
    steps = {"submitted": [("xd.canbo", "submit")],
             "approved": [("xd.canbo", "submit"), ("xd.lanhdao", "approve")],
             "archived": [("xd.canbo", "submit"), ("xd.lanhdao", "approve"), ("xd.lanhdao", "archive")]}
    for username, action in steps.get(state, []):
        answer = as_(username).post(f"/api/v1/dossiers/{dossier_id}/{action}")
        assert answer.status_code == 200, answer.get_json()
    return dossier_id


# -- the whole workflow ------------------------------------------------------------------------------------------


def test_the_whole_workflow_through_the_api_one_audit_event_per_change(as_, office, database):
    staff, head = as_("xd.canbo"), as_("xd.lanhdao")
    start = audit_head(database)

    answer = staff.post("/api/v1/dossiers/", json={"year": YEAR, "list_entry_id": office.next_entry(),
                                                   **COMPLETE_DOSSIER})
    assert answer.status_code == 201, answer.get_json()
    dossier = answer.get_json()
    assert dossier["state"] == "draft" and dossier["state_label"] == "Đang lập"
    assert dossier["code"] == f"SXD.{YEAR}.{dossier['number_symbol']}"
    assert dossier["office_code"] == f"000.00.71.H47.{YEAR}.{dossier['number_symbol']}"
    assert dossier["title"].startswith("Hồ sơ công việc số") and dossier["retention_years"] == 10
    assert {"edit", "submit"} <= set(dossier["allowed_actions"])
    assert [p["field"] for p in dossier["submit_problems"]] == ["documents"]
    dossier_id = dossier["id"]

    uploads = []
    for metadata in DOCUMENTS:
        document = staff.post("/api/v1/documents/", json={"dossier_id": dossier_id, **metadata})
        assert document.status_code == 201, document.get_json()
        content = pdf(metadata["page_count"])
        stored = staff.upload(document.get_json()["id"], content, f"{metadata['symbol']}.pdf")
        assert stored.status_code == 201, stored.get_json()
        body = stored.get_json()
        assert body["sha256"] == hashlib.sha256(content).hexdigest()
        assert (body["size"], body["media_type"], body["version"]) == (len(content), "application/pdf", 1)
        uploads.append((body, content))

    shown = staff.get(f"/api/v1/dossiers/{dossier_id}").get_json()
    assert [p["field"] for p in shown["submit_problems"]] == [
        f"documents[{order}].signatures.{kind}" for order in (1, 2) for kind in ("personal", "organisation")]
    assert [d["order_in_dossier"] for d in shown["documents"]] == [1, 2]
    assert [d["files"][0]["sha256"] for d in shown["documents"]] == [u[0]["sha256"] for u in uploads]
    for document in shown["documents"]:
        sign_over_api(as_, office, document["id"])
    assert staff.get(f"/api/v1/dossiers/{dossier_id}").get_json()["submit_problems"] == []

    submitted = staff.post(f"/api/v1/dossiers/{dossier_id}/submit")
    assert submitted.status_code == 200, submitted.get_json()
    assert submitted.get_json()["state"] == "submitted"
    assert submitted.get_json()["allowed_actions"] == ["withdraw"]
    approved = head.post(f"/api/v1/dossiers/{dossier_id}/approve")
    assert approved.status_code == 200 and approved.get_json()["state"] == "approved"
    archived = head.post(f"/api/v1/dossiers/{dossier_id}/archive")
    assert archived.status_code == 200 and archived.get_json()["state"] == "archived"
    assert archived.get_json()["allowed_actions"] == ["correct"]

    assert audit_actions(database, start) == [
        "dossier.create", "document.create", "document.file_add", "document.create", "document.file_add",
        "document.sign", "document.sign", "document.sign", "document.sign",
        "dossier.submit", "dossier.approve", "dossier.archive",
    ]

    first, content = uploads[0]
    download = staff.get(first["download"])
    assert download.status_code == 200
    assert download.data == content
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "KH-SXD.pdf" in download.headers["Content-Disposition"]
    assert download.mimetype == "application/pdf"


def test_return_with_a_reason_then_withdraw(as_, office, database):
    staff, head = as_("xd.canbo"), as_("xd.lanhdao")
    dossier_id = in_state(as_, office, "submitted")
    start = audit_head(database)
    answer = head.post(f"/api/v1/dossiers/{dossier_id}/return", json={"reason": "Bổ sung văn bản phê duyệt."})
    assert answer.status_code == 200, answer.get_json()
    assert (answer.get_json()["state"], answer.get_json()["return_reason"]) == ("draft", "Bổ sung văn bản phê duyệt.")
    assert staff.post(f"/api/v1/dossiers/{dossier_id}/submit").status_code == 200
    withdrawn = staff.post(f"/api/v1/dossiers/{dossier_id}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.get_json()["state"] == "draft"
    assert audit_actions(database, start) == ["dossier.return", "dossier.submit", "dossier.withdraw"]


def test_edit_a_draft_and_correct_an_archived_dossier(as_, office, database):
    staff = as_("xd.canbo")
    draft = new_draft(as_, office, documents=0)
    answer = staff.put(f"/api/v1/dossiers/{draft}", json={"keywords": "xây dựng", "title": "Tiêu đề mới"})
    assert answer.status_code == 200, answer.get_json()
    assert (answer.get_json()["keywords"], answer.get_json()["title"]) == ("xây dựng", "Tiêu đề mới")

    archived = in_state(as_, office, "archived")
    refused = staff.put(f"/api/v1/dossiers/{archived}", json={"keywords": "x"})
    assert refused.status_code == 409 and refused.get_json()["field"] == "state"
    start = audit_head(database)
    corrected = staff.post(f"/api/v1/dossiers/{archived}/correct",
                           json={"changes": {"keywords": "đã hiệu chỉnh"}, "reason": "Sai từ khóa khi nhập."})
    assert corrected.status_code == 200, corrected.get_json()
    assert corrected.get_json()["keywords"] == "đã hiệu chỉnh"
    assert audit_actions(database, start) == ["dossier.correct"]
    no_reason = staff.post(f"/api/v1/dossiers/{archived}/correct", json={"changes": {"keywords": "y"}})
    assert no_reason.status_code == 422 and no_reason.get_json()["field"] == "reason"
    not_an_object = staff.post(f"/api/v1/dossiers/{archived}/correct", json={"changes": ["keywords"], "reason": "x"})
    assert not_an_object.status_code == 422 and not_an_object.get_json()["field"] == "changes"


def test_an_incomplete_draft_is_not_submitted_and_every_problem_is_named(as_, office):
    dossier_id = new_draft(as_, office, documents=1, files=False)
    shown = as_("xd.canbo").get(f"/api/v1/dossiers/{dossier_id}").get_json()
    assert [p["field"] for p in shown["submit_problems"]] == ["documents[1].file"]
    answer = as_("xd.canbo").post(f"/api/v1/dossiers/{dossier_id}/submit")
    assert answer.status_code == 422
    assert answer.get_json()["field"] == "documents[1].file"
    assert "chưa có tệp" in answer.get_json()["message"]


def test_the_list_is_the_callers_dossiers_filtered_and_paged(as_, office):
    draft = new_draft(as_, office, documents=0)
    staff = as_("xd.canbo")
    everything = staff.get("/api/v1/dossiers/").get_json()
    assert everything["count"] >= 1 and everything["page"] == 1
    assert draft in [row["id"] for row in everything["result"]]
    drafts = staff.get("/api/v1/dossiers/?state=draft&page_size=1").get_json()
    assert len(drafts["result"]) == 1 and drafts["page_size"] == 1
    assert all(row["state"] == "draft" for row in drafts["result"])
    code = staff.get(f"/api/v1/dossiers/{draft}").get_json()["code"]
    found = staff.get(f"/api/v1/dossiers/?q={code}&year={YEAR}").get_json()
    assert [row["id"] for row in found["result"]] == [draft] and found["count"] == 1
    assert staff.get("/api/v1/dossiers/?year=1901").get_json() == {"count": 0, "page": 1, "page_size": 20,
                                                                    "result": []}
    for query, name in (("state=lost", "state"), ("page=0", "page"), ("page_size=1000", "page_size"),
                        ("year=abc", "year")):
        answer = staff.get(f"/api/v1/dossiers/?{query}")
        assert answer.status_code == 422 and answer.get_json()["field"] == name, query
    other_unit = as_("ct.canbo").get("/api/v1/dossiers/").get_json()
    assert other_unit["count"] == 0 and other_unit["result"] == []


def test_a_legacy_dossier_without_a_list_entry(as_, office):
    answer = as_("xd.canbo").post("/api/v1/dossiers/", json={
        "year": 2019, "number_symbol": "07.CU", "title": "Hồ sơ cũ nhập lại", "retention_permanent": True,
        "profile": "tt02_2019", **COMPLETE_DOSSIER})
    assert answer.status_code == 201, answer.get_json()
    assert (answer.get_json()["code"], answer.get_json()["profile"]) == ("SXD.2019.07.CU", "tt02_2019")


# -- refusals by role and unit ---------------------------------------------------------------------------------


WRONG_ROLE = [
    # (username, method, path template, body) — the dossier is in the state the action needs
    ("xd.khaithac", "post", "/api/v1/dossiers/", {"year": YEAR}),
    ("xd.vanthu", "put", "/api/v1/dossiers/{draft}", {"keywords": "x"}),
    ("xd.lanhdao", "post", "/api/v1/dossiers/{draft}/submit", None),
    ("xd.quantri", "post", "/api/v1/documents/", {"dossier_id": "{draft}", "type_name": "Tờ trình"}),
    ("xd.canbo", "post", "/api/v1/dossiers/{submitted}/approve", None),
    ("xd.canbo", "post", "/api/v1/dossiers/{submitted}/return", {"reason": "Thiếu"}),
    ("xd.lanhdao", "post", "/api/v1/dossiers/{submitted}/withdraw", None),
    ("xd.khaithac", "post", "/api/v1/dossiers/{approved}/archive", None),
    ("xd.vanthu", "post", "/api/v1/dossiers/{archived}/correct", {"changes": {"keywords": "x"}, "reason": "y"}),
    ("xd.thanhtra", "post", "/api/v1/dossiers/{approved}/approve", None),
    ("xd.khaithac", "post", "/api/v1/dossiers/{draft}/box", {"box_id": None}),
]


@pytest.fixture(scope="module")
def dossiers_in_every_state(app, office, token) -> dict[str, int]:
    client = app.test_client()

    def caller(username: str) -> Caller:
        return Caller(client, token(username))

    return {state: in_state(caller, office, state) for state in ("draft", "submitted", "approved", "archived")}


def fill(template, ids: dict[str, int]):
    if isinstance(template, str):
        text = template.format(**ids)
        return int(text) if text.isdigit() else text
    if isinstance(template, dict):
        return {key: fill(value, ids) for key, value in template.items()}
    return template


@pytest.mark.parametrize(("username", "method", "path", "body"), WRONG_ROLE)
def test_every_action_is_403_for_the_wrong_role_and_changes_nothing(as_, dossiers_in_every_state, database,
                                                                     username, method, path, body):
    start = audit_head(database)
    kwargs = {"json": fill(body, dossiers_in_every_state)} if body is not None else {}
    answer = getattr(as_(username), method)(fill(path, dossiers_in_every_state), **kwargs)
    assert answer.status_code == 403, answer.get_json()
    assert "quyền" in answer.get_json()["message"]
    assert audit_head(database) == start


def test_a_document_upload_by_the_wrong_role_is_403(as_, dossiers_in_every_state):
    draft = as_("xd.canbo").get(f"/api/v1/dossiers/{dossiers_in_every_state['draft']}").get_json()
    document_id = draft["documents"][0]["id"]
    assert as_("xd.lanhdao").upload(document_id, pdf(), "x.pdf").status_code == 403
    assert as_("xd.lanhdao").put(f"/api/v1/documents/{document_id}", json={"note": "x"}).status_code == 403


CROSS_UNIT = [
    ("get", "/api/v1/dossiers/{draft}", None),
    ("put", "/api/v1/dossiers/{draft}", {"keywords": "x"}),
    ("post", "/api/v1/dossiers/{draft}/submit", None),
    ("post", "/api/v1/dossiers/{submitted}/withdraw", None),
    ("post", "/api/v1/dossiers/{submitted}/approve", None),
    ("post", "/api/v1/dossiers/{submitted}/return", {"reason": "Không phải của tôi"}),
    ("post", "/api/v1/dossiers/{approved}/archive", None),
    ("post", "/api/v1/dossiers/{archived}/correct", {"changes": {"keywords": "x"}, "reason": "y"}),
    ("post", "/api/v1/dossiers/{draft}/box", {"box_id": None}),
    ("post", "/api/v1/documents/", {"dossier_id": "{draft}", "type_name": "Tờ trình"}),
]


@pytest.mark.parametrize("username", ["ct.canbo", "ct.lanhdao"])
@pytest.mark.parametrize(("method", "path", "body"), CROSS_UNIT)
def test_another_units_people_get_404_and_change_nothing(as_, dossiers_in_every_state, database, username, method,
                                                        path, body):
    start = audit_head(database)
    kwargs = {"json": fill(body, dossiers_in_every_state)} if body is not None else {}
    answer = getattr(as_(username), method)(fill(path, dossiers_in_every_state), **kwargs)
    assert answer.status_code == 404, answer.get_json()
    assert answer.get_json()["message"]
    assert audit_head(database) == start


def test_another_units_staff_reach_no_document_or_file(as_, dossiers_in_every_state):
    draft = as_("xd.canbo").get(f"/api/v1/dossiers/{dossiers_in_every_state['draft']}").get_json()
    document = draft["documents"][0]
    stranger = as_("ct.canbo")
    assert stranger.put(f"/api/v1/documents/{document['id']}", json={"note": "x"}).status_code == 404
    assert stranger.upload(document["id"], pdf(), "x.pdf").status_code == 404
    assert stranger.get(document["files"][0]["download"]).status_code == 404
    # the inspector reads every unit (province-wide) but writes none
    assert as_("xd.thanhtra").get(document["files"][0]["download"]).status_code == 200


def test_another_unit_cannot_form_dossiers_here(as_, office, database):
    before = counted(database, Dossier)
    answer = as_("ct.canbo").post("/api/v1/dossiers/", json={"year": YEAR, "unit_id": office.units["A"],
                                                             "list_entry_id": office.entries[0]})
    assert answer.status_code == 403
    assert counted(database, Dossier) == before


def test_a_file_of_another_document_is_not_served_under_this_one(as_, dossiers_in_every_state):
    draft = as_("xd.canbo").get(f"/api/v1/dossiers/{dossiers_in_every_state['draft']}").get_json()
    first, second = draft["documents"]
    answer = as_("xd.canbo").get(f"/api/v1/documents/{second['id']}/files/{first['files'][0]['id']}")
    assert answer.status_code == 404 and answer.get_json()["field"] == "file_id"


def test_no_token_is_401(client, dossiers_in_every_state):
    assert client.get("/api/v1/dossiers/").status_code == 401
    assert client.post(f"/api/v1/dossiers/{dossiers_in_every_state['submitted']}/approve").status_code == 401


# -- bad input ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "name"),
    [
        ({"year": YEAR, "list_entry_id": "{entry}", "title": "T" * 10_000}, 422, "title"),
        ({"year": YEAR, "list_entry_id": "{entry}", "access_level": "bí mật"}, 422, "access_level"),
        ({"year": YEAR, "list_entry_id": "{entry}", "start_date": "31/02/2026"}, 422, "start_date"),
        ({"year": YEAR, "list_entry_id": "{entry}", "colour": "đỏ"}, 422, "colour"),
        ({"year": YEAR, "list_entry_id": "abc"}, 422, "list_entry_id"),
        ({"year": YEAR, "list_entry_id": 999999}, 422, "list_entry_id"),
        ({"list_entry_id": "{entry}"}, 422, "year"),
        ({"year": YEAR, "list_entry_id": "{entry}", "unit_id": "A"}, 422, "unit_id"),
        ({"year": YEAR, "list_entry_id": "{entry}", "fonds_id": -3}, 422, "fonds_id"),
        ({"year": 2019, "number_symbol": "01 TH!", "title": "x", "retention_years": 5}, 422, "number_symbol"),
        ({"year": 2019, "number_symbol": "02.CU", "title": "x", "retention_years": 500}, 422, "retention_years"),
        ({"year": YEAR, "list_entry_id": "{entry}", "profile": "tt99"}, 422, "profile"),
    ],
)
def test_bad_input_is_a_4xx_naming_the_field_with_nothing_stored(as_, office, database, body, status, name):
    before = (counted(database, Dossier), audit_head(database))
    answer = as_("xd.canbo").post("/api/v1/dossiers/", json=fill(body, {"entry": office.entries[0]}))
    assert answer.status_code == status, answer.get_json()
    assert answer.get_json()["field"] == name
    assert answer.get_json()["message"]
    assert (counted(database, Dossier), audit_head(database)) == before


def test_a_10000_character_title_is_refused_on_edit_too(as_, office, database):
    draft = new_draft(as_, office, documents=0)
    start = audit_head(database)
    answer = as_("xd.canbo").put(f"/api/v1/dossiers/{draft}", json={"title": "Đ" * 10_000})
    assert answer.status_code == 422 and answer.get_json()["field"] == "title"
    assert "1000" in answer.get_json()["message"]
    assert audit_head(database) == start
    assert as_("xd.canbo").get(f"/api/v1/dossiers/{draft}").get_json()["title"] != "Đ" * 10_000


@pytest.mark.parametrize("payload", [{"data": "không phải JSON"}, {"json": ["year", YEAR]}, {"json": None}])
def test_a_body_that_is_not_a_json_object_is_422(as_, payload):
    answer = as_("xd.canbo").post("/api/v1/dossiers/", **payload)
    assert answer.status_code == 422
    assert answer.get_json()["field"] == "body"


def test_refusals_speak_the_language_asked_for(as_, office):
    body = {"year": YEAR, "list_entry_id": office.entries[0], "title": "T" * 10_000}
    vietnamese = as_("xd.canbo").post("/api/v1/dossiers/", json=body).get_json()["message"]
    english = as_("xd.canbo").post("/api/v1/dossiers/?_l_=en", json=body).get_json()["message"]
    assert vietnamese.startswith("Trường 'Tiêu đề hồ sơ'")
    assert english.startswith("'Title' is at most 1000 characters")
    shown = as_("xd.canbo").get(f"/api/v1/dossiers/{new_draft(as_, office, documents=0)}?_l_=en").get_json()
    assert shown["state_label"] == "Draft"
    assert shown["submit_problems"][0]["message"] == "The dossier has no documents."


def test_an_unknown_dossier_is_404(as_):
    answer = as_("xd.canbo").get("/api/v1/dossiers/999999")
    assert answer.status_code == 404 and answer.get_json()["field"] == "id"
    assert as_("xd.canbo").post("/api/v1/dossiers/999999/submit").status_code == 404


# -- suspension and OpenAPI ---------------------------------------------------------------------------------------


def test_while_suspended_every_write_is_503_json(as_, dossiers_in_every_state, office, database, suspended):
    ids = dossiers_in_every_state
    staff = as_("xd.canbo")
    before = (counted(database, Dossier), counted(database, Document), counted(database, DocumentFile),
              audit_head(database))
    writes = [
        ("post", "/api/v1/dossiers/", {"json": {"year": YEAR, "list_entry_id": office.entries[0]}}),
        ("put", f"/api/v1/dossiers/{ids['draft']}", {"json": {"keywords": "x"}}),
        *[("post", f"/api/v1/dossiers/{ids['draft']}/{action}", {"json": {}})
          for action in ("submit", "approve", "return", "archive", "withdraw", "correct", "box")],
        ("post", "/api/v1/documents/", {"json": {"dossier_id": ids["draft"]}}),
        ("put", "/api/v1/documents/1", {"json": {"note": "x"}}),
        ("post", "/api/v1/documents/1/files", {"data": {"file": (io.BytesIO(pdf()), "a.pdf")},
                                               "content_type": "multipart/form-data"}),
    ]
    for method, path, kwargs in writes:
        answer = getattr(staff, method)(path, **kwargs)
        assert answer.status_code == 503, (path, answer.status_code)
        assert "tạm dừng" in answer.get_json()["message"], path
    assert (counted(database, Dossier), counted(database, Document), counted(database, DocumentFile),
            audit_head(database)) == before
    # staff see only the notice; the inspector still reads, to investigate
    assert staff.get(f"/api/v1/dossiers/{ids['draft']}").status_code == 503
    assert as_("xd.thanhtra").get(f"/api/v1/dossiers/{ids['draft']}").status_code == 200


def test_openapi_lists_the_dossier_paths_and_workflow_actions(as_):
    spec = as_("xd.khaithac").get("/api/v1/_openapi").get_json()
    paths = spec["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/dossiers/"])
    assert {"get", "put"} <= set(paths["/api/v1/dossiers/{pk}"])
    for action in ("submit", "approve", "return", "archive", "withdraw", "correct", "box"):
        assert "post" in paths[f"/api/v1/dossiers/{{pk}}/{action}"], action
    create = paths["/api/v1/dossiers/"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/NewDossier")
    assert create["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith("/DossierDetail")
    schemas = spec["components"]["schemas"]
    assert schemas["NewDossier"]["properties"]["access_level"]["enum"] == ["public", "restricted", "internal"]
    assert schemas["DossierMetadata"]["properties"]["title"]["maxLength"] == 1000
    assert {"allowed_actions", "submit_problems", "documents"} <= set(schemas["DossierDetail"]["properties"])
    assert schemas["Refusal"]["required"] == ["message"]
    for path in ("/api/v1/documents/{pk}/files", "/api/v1/documents/{pk}/files/{file_id}", "/api/v1/fonds/",
                 "/api/v1/dossier-lists/{pk}/export", "/api/v1/dossier-lists/import", "/api/v1/locations/"):
        assert path in paths, path

