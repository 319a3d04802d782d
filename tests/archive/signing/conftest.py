"""The test PKI of ``tests/shared/pki_support.py`` (certomancer: root CA, a staff member's certificate, a unit's seal,
a TSA served over HTTP on 127.0.0.1), and a unit → dossier → document with an uploaded text PDF, made through the
real upload service.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable

import pytest
from pki_support import Pki  # noqa: E402  (tests/shared, on sys.path through tests/conftest.py)
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from kholuutru.archive import document_files, units
from kholuutru.archive.access import Actor
from kholuutru.archive.dossier_models import Document, Dossier
from kholuutru.archive.roles import CLERK, RECORDS_STAFF
from kholuutru.archive.settings import Settings

ADMIN = Actor.system("test")
TEXT = b"Giay chung nhan so 123/GCN"
_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def signing_settings(settings: Settings, pki: Pki) -> Settings:
    """The module's settings trusting the test root, with the test TSA."""
    return settings.model_copy(update={"signature_trust_roots_file": pki.roots_file, "tsa_url": pki.tsa_url})


@pytest.fixture(scope="module")
def unit_id(database) -> int:
    with database.session(ADMIN) as session:
        province = units.create_unit(session, ADMIN, code="000.00.00.H47", name="UBND tỉnh Quảng Nam",
                                     level="province")
        unit = units.create_unit(session, ADMIN, code="000.00.01.H47", name="Sở Nội vụ tỉnh Quảng Nam",
                                 level="department", parent_id=province.id)
    return unit.id


def staff(unit_id: int) -> Actor:
    return Actor(user_id=501, username="canbo", unit_id=unit_id, roles=frozenset({RECORDS_STAFF}))


def clerk(unit_id: int) -> Actor:
    return Actor(user_id=502, username="vanthu", unit_id=unit_id, roles=frozenset({CLERK}))


def text_pdf(text: bytes = TEXT) -> bytes:
    """A one-page A4 PDF whose uncompressed content stream shows ``text``: a byte of it can be changed in place."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})})
    content = DecodedStreamObject()
    content.set_data(b"BT /F1 18 Tf 72 700 Td (" + text + b") Tj ET")
    page[NameObject("/Contents")] = writer._add_object(content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def uploaded_document(database, storage, settings, unit_id) -> Callable[[], int]:
    """A draft dossier's document with a text PDF uploaded through ``document_files.add_file``; returns its id."""

    def make() -> int:
        number = next(_numbers)
        with database.session(ADMIN) as session:
            dossier = Dossier(
                unit_id=unit_id, profile="tt05_2025", state="draft", code=f"H47.2026.{number:02d}.KY",
                office_code=f"000.00.01.H47.2026.{number:02d}.KY", unit_identifier="000.00.01.H47", year=2026,
                number_symbol=f"{number:02d}.KY", title="Hồ sơ thử nghiệm ký số", retention_permanent=True,
            )
            session.add(dossier)
            session.flush()
            document = Document(dossier_id=dossier.id, unit_id=unit_id, identifier=f"KY-{number:06d}",
                                order_in_dossier=1)
            session.add(document)
            session.flush()
            document_id = document.id
        with database.session(staff(unit_id)) as session:
            document_files.add_file(session, staff(unit_id), storage, settings, document_id=document_id,
                                    stream=io.BytesIO(text_pdf(TEXT + f" #{number}".encode())),
                                    file_name="giay-chung-nhan.pdf")
        return document_id

    return make
