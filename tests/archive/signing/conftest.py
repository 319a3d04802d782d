"""A test PKI made by certomancer (root CA, a staff member's certificate, a unit's seal, a TSA served over HTTP on
127.0.0.1), and a unit → dossier → document with an uploaded text PDF, made through the real upload service.
"""

from __future__ import annotations

import io
import itertools
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from asn1crypto import pem
from certomancer.integrations.animator import Animator, AnimatorArchStore
from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject
from werkzeug.serving import make_server

from kholuutru.archive import document_files, units
from kholuutru.archive.access import Actor
from kholuutru.archive.dossier_models import Document, Dossier
from kholuutru.archive.roles import CLERK, RECORDS_STAFF
from kholuutru.archive.settings import Settings
from kholuutru.archive.signing_keys import Pkcs12Key

ADMIN = Actor.system("test")
ARCH = "kholuutru-test"
PASSWORD = "mật-khẩu-thử 123"
TEXT = b"Giay chung nhan so 123/GCN"
_numbers = itertools.count(1)
_VALIDITY = {"valid-from": "2020-01-01T00:00:00+0000", "valid-to": "2045-01-01T00:00:00+0000"}


def _key_usage(*usages: str) -> dict:
    return {"id": "key_usage", "critical": True, "smart-value": {"schema": "key-usage", "params": list(usages)}}


def _ca_extensions() -> list[dict]:
    return [{"id": "basic_constraints", "critical": True, "value": {"ca": True}},
            _key_usage("digital_signature", "key_cert_sign", "crl_sign")]


def _config() -> dict:
    signer_extensions = [_key_usage("digital_signature", "non_repudiation")]
    tsa_extensions = [_key_usage("digital_signature"),
                      {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]}]
    return {
        "external-url-prefix": "http://127.0.0.1",
        "keysets": {"test": {"keys": {name: {"path": f"{name}.key.pem"}
                                      for name in ("root", "staff", "seal", "tsa", "other-root")}}},
        "pki-architectures": {
            ARCH: {
                "keyset": "test",
                "entity-defaults": {"country-name": "VN", "organization-name": "Sở Nội vụ tỉnh Quảng Nam"},
                "entities": {"root": {"common-name": "CA thử nghiệm kholuutru"},
                             "staff": {"common-name": "Nguyễn Văn An"},
                             "seal": {"common-name": "Sở Nội vụ tỉnh Quảng Nam"},
                             "tsa": {"common-name": "Máy chủ dấu thời gian thử nghiệm"}},
                "certs": {
                    "root": {"subject": "root", "issuer": "root", "validity": _VALIDITY,
                             "extensions": _ca_extensions()},
                    "staff": {"issuer": "root", "validity": _VALIDITY, "extensions": signer_extensions},
                    "seal": {"issuer": "root", "validity": _VALIDITY, "extensions": signer_extensions},
                    "tsa": {"issuer": "root", "validity": _VALIDITY, "extensions": tsa_extensions},
                },
                "services": {"time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"}}},
            },
            "other-ca": {
                "keyset": "test",
                "entities": {"other-root": {"common-name": "Một CA khác", "country-name": "VN"}},
                "certs": {"other-root": {"subject": "other-root", "issuer": "other-root", "subject-key": "other-root",
                                         "authority-key": "other-root", "validity": _VALIDITY,
                                         "extensions": _ca_extensions()}},
            },
        },
    }


@dataclass
class Pki:
    """The test PKI on disk: trust-root files, PKCS#12 files with their password file, and the TSA's URL."""

    folder: Path
    arch: object
    roots_file: Path
    other_roots_file: Path
    password_file: Path
    tsa_url: str

    def pkcs12(self, label: str) -> Pkcs12Key:
        return Pkcs12Key(self.folder / f"{label}.p12", self.password_file)

    def private_key_pem(self, label: str) -> bytes:
        return (self.folder / f"{label}.key.pem").read_bytes()


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pki]:
    folder = tmp_path_factory.mktemp("pki")
    for name in ("root", "staff", "seal", "tsa", "other-root"):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        (folder / f"{name}.key.pem").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    config = CertomancerConfig(_config(), key_search_dir=str(folder))
    arch = config.get_pki_arch(ArchLabel(ARCH))
    other = config.get_pki_arch(ArchLabel("other-ca"))
    password_file = folder / "p12-password"
    password_file.write_text(PASSWORD + "\n")
    for label in ("staff", "seal"):
        (folder / f"{label}.p12").write_bytes(arch.package_pkcs12(CertLabel(label), password=PASSWORD.encode()))
    roots_file, other_roots_file = folder / "roots.pem", folder / "other-roots.pem"
    roots_file.write_bytes(_pem(arch.get_cert(CertLabel("root")).dump()))
    other_roots_file.write_bytes(_pem(other.get_cert(CertLabel("other-root")).dump()))
    server = make_server("127.0.0.1", 0, Animator(AnimatorArchStore({ArchLabel(ARCH): arch}), with_web_ui=False))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Pki(folder, arch, roots_file, other_roots_file, password_file,
              f"http://127.0.0.1:{server.server_port}/{ARCH}/tsa/tsa")
    server.shutdown()


def _pem(der: bytes) -> bytes:
    return pem.armor("CERTIFICATE", der)


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
