"""The organisation's seal key on a PKCS#11 token: a softhsm2 token initialised by the test, PIN from a file."""

from __future__ import annotations

import subprocess

import pkcs11
import pytest
from certomancer.registry import CertLabel
from pkcs11 import Attribute, CertificateType, ObjectClass

from kholuutru.archive import signing
from kholuutru.archive.errors import InvalidInput
from kholuutru.archive.signing_keys import Pkcs11Key

from .conftest import clerk, staff

TOKEN, PIN = "kholuutru-seal", "24681357"


def _token_with_seal(pki, tmp_path, monkeypatch, module: str) -> None:
    """A fresh softhsm2 token holding the seal's private key (imported) and its certificate (as a token object)."""
    tokens = tmp_path / "tokens"
    tokens.mkdir()
    config = tmp_path / "softhsm2.conf"
    config.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(config))
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", TOKEN, "--pin", PIN, "--so-pin", "97531"],
                   check=True, capture_output=True)
    key_file = tmp_path / "seal.key.pem"
    key_file.write_bytes(pki.private_key_pem("seal"))
    subprocess.run(["softhsm2-util", "--import", str(key_file), "--token", TOKEN, "--label", "seal", "--id", "01",
                    "--pin", PIN], check=True, capture_output=True)
    key_file.unlink()
    certificate = pki.arch.get_cert(CertLabel("seal"))
    with pkcs11.lib(module).get_token(token_label=TOKEN).open(rw=True, user_pin=PIN) as session:
        session.create_object({
            Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
            Attribute.VALUE: certificate.dump(), Attribute.SUBJECT: certificate.subject.dump(),
            Attribute.LABEL: "seal", Attribute.ID: b"\x01",
            Attribute.TOKEN: True,
        })


def test_organisation_signature_from_a_softhsm2_token(database, storage, signing_settings, pki, unit_id,
                                                      uploaded_document, tmp_path, monkeypatch):
    _token_with_seal(pki, tmp_path, monkeypatch, str(signing_settings.pkcs11_module))
    pin_file = tmp_path / "pin"
    pin_file.write_text(PIN + "\n")
    document_id = uploaded_document()
    with database.session(staff(unit_id)) as session:
        signing.sign_personal(session, staff(unit_id), storage, signing_settings, document_id=document_id,
                              key=pki.pkcs12("staff"))

    wrong_pin = tmp_path / "wrong-pin"
    wrong_pin.write_text("0000\n")
    with pytest.raises(InvalidInput) as refused, database.session(clerk(unit_id)) as session:
        signing.sign_organisation(session, clerk(unit_id), storage, signing_settings, document_id=document_id,
                                  key=Pkcs11Key.with_pin_file(TOKEN, "seal", wrong_pin))
    assert refused.value.field == "token_label" and "PIN" in refused.value.message_vi

    with database.session(clerk(unit_id)) as session:
        signed = signing.sign_organisation(session, clerk(unit_id), storage, signing_settings, document_id=document_id,
                                           key=Pkcs11Key.with_pin_file(TOKEN, "seal", pin_file))
    assert sorted((check.kind, check.status, check.signer) for check in signed.checks) == [
        ("organisation", "valid", "Sở Nội vụ tỉnh Quảng Nam"), ("personal", "valid", "Nguyễn Văn An")]
