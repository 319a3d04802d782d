"""Helpers the console test modules share (pytest's importlib mode does not let them import each other).

``conftest.py`` puts this folder on ``sys.path``, so test modules ``from console_support import …``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfWriter
from sqlalchemy.orm import Session

from kholuutru.archive import accounts
from kholuutru.archive.access import Actor
from kholuutru.archive.database import Database
from kholuutru.archive.dossier_models import Document, Dossier
from kholuutru.archive.models import Unit

PASSWORD = "mat-khau-thu-nghiem-2026"
ADMIN = Actor.system("test")
CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


def pdf(pages: int = 1) -> bytes:
    """A real, readable PDF of blank A4 pages."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def text(answer) -> str:
    return answer.get_data(as_text=True)


def field(page: str, key: str) -> str:
    """The form group of field ``key``: its label, input and the error shown beside it."""
    match = re.search(rf'<div class="form-group[^"]*" id="field-{re.escape(key)}">(.*?)</div>', page, re.S)
    assert match, f"no field {key}"
    return match.group(1)


def create_people(session: Session, people: Iterable[tuple[str, str, int]]) -> dict[str, Actor]:
    """Accounts with ``PASSWORD`` through the archive's service: (username, role, unit id) → actor by username."""
    made = {}
    for username, role, unit_id in people:
        account = accounts.create_account(session, ADMIN, username=username, password=PASSWORD, first_name="Thử",
                                          last_name="Nghiệm", email=f"{username}@test.kholuutru.local",
                                          unit_id=unit_id, role_codes=[role])
        made[username] = Actor(account.id, username, unit_id, frozenset({role}))
    return made


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token of the form at ``path``."""
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    match = CSRF.search(text(page))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str) -> None:
    """Log in through FAB's login form, as a browser does."""
    token = csrf_token(client, "/login/")
    answer = client.post("/login/", data={"username": username, "password": password, "csrf_token": token})
    assert answer.status_code == 302, text(answer)[:500]
    assert "/login" not in answer.headers["Location"], "login refused"


def form_login(app: Flask, username: str, password: str = PASSWORD) -> FlaskClient:
    """A new client logged in through the login form."""
    client = app.test_client()
    login(client, username, password)
    return client


def draft_document(database: Database, unit_code: str, label: str) -> tuple[int, int]:
    """A draft dossier of the unit with one document (no file yet), written directly: (dossier id, document id).

    ``label`` (e.g. "KY01") makes the codes unique within the module's database.
    """
    with database.session(ADMIN) as session:
        unit = session.query(Unit).filter(Unit.code == unit_code).one()
        level1 = unit_code.rsplit(".", 1)[-1]
        dossier = Dossier(
            unit_id=unit.id, profile="tt05_2025", state="draft", code=f"{level1}.2026.{label}",
            office_code=f"{unit_code}.2026.{label}", unit_identifier=unit_code, year=2026, number_symbol=label,
            title=f"Hồ sơ thử nghiệm {label}", retention_permanent=True, procedure_code="1.001612",
        )
        session.add(dossier)
        session.flush()
        document = Document(dossier_id=dossier.id, unit_id=unit.id, identifier=f"TN-{label}", order_in_dossier=1)
        session.add(document)
        session.flush()
        return dossier.id, document.id


def upload(client: FlaskClient, document_id: int, data: bytes, name: str) -> None:
    """Upload ``data`` as the document's next file through the console's upload form."""
    token = csrf_token(client, f"/documents/{document_id}/upload")
    answer = client.post(f"/documents/{document_id}/upload", content_type="multipart/form-data",
                         data={"csrf_token": token, "file": (io.BytesIO(data), name)})
    assert answer.status_code == 302, text(answer)[:800]
