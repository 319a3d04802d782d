"""A test PKI made by certomancer — root CA, a staff member's certificate, a unit's seal, an RFC 3161 TSA served over
HTTP on 127.0.0.1, and an unrelated root — shared by the signing tests of the archive, the console and the browser.

Conftest files put this folder (never ``tests/`` itself, whose ``operator`` folder would shadow the standard library)
on ``sys.path`` and ``from pki_support import running_pki``: pytest's importlib mode does not let them import each
other.
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

from kholuutru.archive.signing_keys import Pkcs12Key

ARCH = "kholuutru-test"
PASSWORD = "mật-khẩu-thử 123"
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


@contextmanager
def running_pki(folder: Path) -> Iterator[Pki]:
    """The PKI written into ``folder`` (keys, PKCS#12 files with ``PASSWORD``, root files), its TSA serving."""
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
    try:
        yield Pki(folder, arch, roots_file, other_roots_file, password_file,
                  f"http://127.0.0.1:{server.server_port}/{ARCH}/tsa/tsa")
    finally:
        server.shutdown()


def _pem(der: bytes) -> bytes:
    return pem.armor("CERTIFICATE", der)
