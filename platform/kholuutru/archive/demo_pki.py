"""The demo province's signing keys (part of ``kholuutru seed --demo``): a demo CA, a personal certificate for the
demo records officer and a seal certificate for the demo clerk, so the demo's dossiers carry real signatures.

Submitting a dossier needs both signatures on every document (regulation Đ15.5, ``KHOLUUTRU_REQUIRE_SIGNATURES``),
so a demo without keys could show no submitted, approved or archived dossier. The keys are made at seed time with
``cryptography`` and written into ``<data dir>/demo-pki``: each as a PKCS#12 file encrypted with a password that is
generated once and shown once (like the demo accounts' passwords), never written anywhere. The demo CA's certificate
is written beside them; signature validation trusts it on this data dir only (``trust_roots_files``), so a platform
that was never seeded with ``--demo`` trusts nothing but its configured roots.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from .settings import Settings
from .signing_keys import Pkcs12Key

FOLDER = "demo-pki"
ROOT_FILE = "demo-root.pem"
_CA_YEARS, _HOLDER_YEARS = 10, 5


@dataclass(frozen=True)
class DemoPki:
    """Where the demo keys are and the password that opens them (known only to the seed run that made them)."""

    folder: Path
    password: str = field(repr=False)

    def key(self, username: str) -> Pkcs12Key:
        return Pkcs12Key((self.folder / f"{username}.p12").read_bytes(), self.password)


@dataclass(frozen=True)
class Holder:
    """Who a demo certificate is for: the account that signs with it and the names the certificate carries."""

    username: str
    common_name: str
    organisation: str


def trust_roots_files(settings: Settings) -> list[Path]:
    """The root files signatures are validated against: the configured one, and the demo CA on a demo data dir."""
    demo_root = settings.data_dir / FOLDER / ROOT_FILE
    configured = [settings.signature_trust_roots_file] if settings.signature_trust_roots_file else []
    return configured + ([demo_root] if demo_root.is_file() else [])


def create(data_dir: Path, ca_name: str, holders: list[Holder]) -> DemoPki:
    """A fresh demo CA and one PKCS#12 file per holder in ``<data_dir>/demo-pki`` (replacing earlier ones)."""
    folder = data_dir / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    password = secrets.token_urlsafe(12)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    ca_key = _rsa_key()
    ca_name_x509 = _name(ca_name, ca_name)
    ca_cert = _certificate(ca_name_x509, ca_key, ca_name_x509, ca_key, now, _CA_YEARS, ca=True)
    for holder in holders:
        key = _rsa_key()
        cert = _certificate(_name(holder.common_name, holder.organisation), key, ca_name_x509, ca_key, now,
                            _HOLDER_YEARS, ca=False)
        data = pkcs12.serialize_key_and_certificates(
            holder.username.encode(), key, cert, [ca_cert], serialization.BestAvailableEncryption(password.encode()))
        _write_private(folder / f"{holder.username}.p12", data)
    (folder / ROOT_FILE).write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    return DemoPki(folder, password)


def _rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject: x509.Name, key: rsa.RSAPrivateKey, issuer: x509.Name, issuer_key: rsa.RSAPrivateKey,
                 now: dt.datetime, years: int, *, ca: bool) -> x509.Certificate:
    """A CA certificate, or a signing certificate with the key usages pyHanko expects of a PAdES signer."""
    usage = dict(digital_signature=True, content_commitment=not ca, key_encipherment=False, data_encipherment=False,
                 key_agreement=False, key_cert_sign=ca, crl_sign=ca, encipher_only=False, decipher_only=False)
    return (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(issuer).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=365 * years))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(**usage), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                           critical=False)
            .sign(issuer_key, hashes.SHA256()))


def _write_private(path: Path, data: bytes) -> None:
    """Owner-only from the first byte (the file is encrypted, but nobody else needs to read it)."""
    path.unlink(missing_ok=True)
    path.touch(mode=0o600)
    path.write_bytes(data)
