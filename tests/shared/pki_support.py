"""A test PKI made by certomancer — root CA, a staff member's certificate, a unit's seal, a revoked staff certificate,
and the CA's services served over HTTP on 127.0.0.1 by certomancer's animator (RFC 3161 TSA, OCSP responder, CRL
repository) — plus an unrelated root; shared by the signing tests of the archive and the console.

The staff certificate names the OCSP responder (its status is "good"); of the two revoked ones, "revoked" names the
responder (and the CRL, which a validator then need not fetch) and "revoked-crl" only the CRL. The seal certificate
names neither, as many certificates in the wild do.

``sign_for_submission`` gives a document the two signatures the submit policy requires by default (regulation
Đ15.5), so tests that move dossiers through the workflow sign them as people do rather than turning the rule off.

``tests/conftest.py`` puts this folder (never ``tests/`` itself, whose ``operator`` folder would shadow the standard
library) on ``sys.path`` and gives the session's ``pki`` fixture; test files ``from pki_support import …``: pytest's
importlib mode does not let them import each other.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import pem
from certomancer.integrations.animator import Animator, AnimatorArchStore
from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.serving import make_server

from kholuutru.archive import signing
from kholuutru.archive.access import Actor
from kholuutru.archive.database import Database
from kholuutru.archive.dossier_models import Document
from kholuutru.archive.roles import CLERK, RECORDS_STAFF
from kholuutru.archive.settings import Settings
from kholuutru.archive.signing_keys import Pkcs12Key
from kholuutru.archive.storage import Storage

ARCH = "kholuutru-test"
KEYS = ("root", "staff", "seal", "revoked", "revoked-crl", "tsa", "other-root")
PASSWORD = "mật-khẩu-thử 123"
_VALIDITY = {"valid-from": "2020-01-01T00:00:00+0000", "valid-to": "2045-01-01T00:00:00+0000"}


def _key_usage(*usages: str) -> dict:
    return {"id": "key_usage", "critical": True, "smart-value": {"schema": "key-usage", "params": list(usages)}}


def _ca_extensions() -> list[dict]:
    return [{"id": "basic_constraints", "critical": True, "value": {"ca": True}},
            _key_usage("digital_signature", "key_cert_sign", "crl_sign")]


def _config(url_prefix: str) -> dict:
    signer_extensions = [_key_usage("digital_signature", "non_repudiation")]
    ocsp = {"id": "authority_information_access",
            "smart-value": {"schema": "aia-urls", "params": {"ocsp-responder-names": ["root-ocsp"]}}}
    crl = {"id": "crl_distribution_points",
           "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": ["root-crl"]}}}
    tsa_extensions = [_key_usage("digital_signature"),
                      {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]}]
    return {
        "external-url-prefix": url_prefix,
        "keysets": {"test": {"keys": {name: {"path": f"{name}.key.pem"} for name in KEYS}}},
        "pki-architectures": {
            ARCH: {
                "keyset": "test",
                "entity-defaults": {"country-name": "VN", "organization-name": "Sở Nội vụ tỉnh Quảng Nam"},
                "entities": {"root": {"common-name": "CA thử nghiệm kholuutru"},
                             "staff": {"common-name": "Nguyễn Văn An"},
                             "revoked": {"common-name": "Trần Văn Bị Thu Hồi"},
                             "revoked-crl": {"common-name": "Lê Thị Hết Hiệu Lực"},
                             "seal": {"common-name": "Sở Nội vụ tỉnh Quảng Nam"},
                             "tsa": {"common-name": "Máy chủ dấu thời gian thử nghiệm"}},
                "certs": {
                    "root": {"subject": "root", "issuer": "root", "validity": _VALIDITY,
                             "extensions": _ca_extensions()},
                    "staff": {"issuer": "root", "validity": _VALIDITY, "extensions": [*signer_extensions, ocsp]},
                    "revoked": {"issuer": "root", "validity": _VALIDITY,
                                "extensions": [*signer_extensions, ocsp, crl],
                                "revocation": {"revoked-since": "2021-01-01T00:00:00+0000",
                                               "reason": "key_compromise"}},
                    "revoked-crl": {"issuer": "root", "validity": _VALIDITY, "extensions": [*signer_extensions, crl],
                                    "revocation": {"revoked-since": "2021-01-01T00:00:00+0000",
                                                   "reason": "affiliation_changed"}},
                    "seal": {"issuer": "root", "validity": _VALIDITY, "extensions": signer_extensions},
                    "tsa": {"issuer": "root", "validity": _VALIDITY, "extensions": tsa_extensions},
                },
                "services": {
                    "time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"}},
                    "ocsp": {"root-ocsp": {"for-issuer": "root", "responder-cert": "root", "signing-key": "root"}},
                    "crl-repo": {"root-crl": {"for-issuer": "root", "signing-key": "root",
                                              "simulated-update-schedule": "P30D"}},
                },
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
        return Pkcs12Key.from_files(self.folder / f"{label}.p12", self.password_file)

    def private_key_pem(self, label: str) -> bytes:
        return (self.folder / f"{label}.key.pem").read_bytes()


class _LateApp:
    """A WSGI app set after the server is bound: the certificates must name the server's port in their URLs."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@contextmanager
def running_pki(folder: Path) -> Iterator[Pki]:
    """The PKI written into ``folder`` (keys, PKCS#12 files with ``PASSWORD``, root files), its services serving."""
    for name in KEYS:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        (folder / f"{name}.key.pem").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    late = _LateApp()
    server = make_server("127.0.0.1", 0, late)
    prefix = f"http://127.0.0.1:{server.server_port}"
    config = CertomancerConfig(_config(prefix), key_search_dir=str(folder))
    arch = config.get_pki_arch(ArchLabel(ARCH))
    other = config.get_pki_arch(ArchLabel("other-ca"))
    password_file = folder / "p12-password"
    password_file.write_text(PASSWORD + "\n")
    for label in ("staff", "seal", "revoked", "revoked-crl"):
        (folder / f"{label}.p12").write_bytes(arch.package_pkcs12(CertLabel(label), password=PASSWORD.encode()))
    roots_file, other_roots_file = folder / "roots.pem", folder / "other-roots.pem"
    roots_file.write_bytes(_pem(arch.get_cert(CertLabel("root")).dump()))
    other_roots_file.write_bytes(_pem(other.get_cert(CertLabel("other-root")).dump()))
    late.app = Animator(AnimatorArchStore({ArchLabel(ARCH): arch}), with_web_ui=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Pki(folder, arch, roots_file, other_roots_file, password_file, f"{prefix}/{ARCH}/tsa/tsa")
    finally:
        server.shutdown()
        server.server_close()


def trusting(settings: Settings, pki: Pki) -> Settings:
    """``settings`` that trust the test root (no TSA: the workflow tests need signatures, not timestamps)."""
    return settings.model_copy(update={"signature_trust_roots_file": pki.roots_file, "tsa_url": None})


def sign_for_submission(database: Database, storage: Storage, settings: Settings, pki: Pki, document_id: int) -> None:
    """The personal signature of a records officer, then the seal of a clerk of the document's unit, made through the
    archive's signing service with the test PKI's keys: what the submit policy asks of each document."""
    with database.session(Actor.system("test")) as session:
        unit_id = session.get(Document, document_id).unit_id
    staff = Actor(user_id=9_001, username="ky-ca-nhan", unit_id=unit_id, roles=frozenset({RECORDS_STAFF}))
    clerk = Actor(user_id=9_002, username="ky-to-chuc", unit_id=unit_id, roles=frozenset({CLERK}))
    with database.session(staff) as session:
        signing.sign_personal(session, staff, storage, trusting(settings, pki), document_id=document_id,
                              key=pki.pkcs12("staff"))
    with database.session(clerk) as session:
        signing.sign_organisation(session, clerk, storage, trusting(settings, pki), document_id=document_id,
                                  key=pki.pkcs12("seal"))


def _pem(der: bytes) -> bytes:
    return pem.armor("CERTIFICATE", der)
