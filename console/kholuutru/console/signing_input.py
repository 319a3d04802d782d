"""Signing keys that arrive with a request (a PKCS#12 upload and its password, or a token's labels and PIN).

The key goes from the request straight into an in-memory key of the archive (``signing_keys``) and lives only as
long as the request: the PKCS#12 bytes, its password and a token PIN are never written to a file (not even a
temporary one), the database, the audit log or the storage. Only the shape of the input is checked here; the archive
judges the key.
"""

from __future__ import annotations

from collections.abc import Mapping

from werkzeug.datastructures import FileStorage

from kholuutru.archive.errors import InvalidInput
from kholuutru.archive.settings import Settings
from kholuutru.archive.signing_keys import Pkcs11Key, Pkcs12Key, SigningKey

MAX_PKCS12_BYTES = 500 * 1024
"""Far above any real .p12 (a key and a short chain are a few kilobytes), and no more than Werkzeug keeps of an
uploaded file in memory (500 KiB) before it spools to a temporary file: a key that is accepted never reached a disk."""

PKCS12, TOKEN = "pkcs12", "token"


def token_available(settings: Settings) -> bool:
    """Whether this node has the PKCS#11 module, so a token can be offered as a key source."""
    return settings.pkcs11_module.is_file()


def _required(value: str, field: str, vi: str, en: str) -> str:
    if not value:
        raise InvalidInput(f"Hãy nhập {vi}.", f"Enter the {en}.", field=field)
    if "\n" in value or "\r" in value:
        raise InvalidInput(f"{vi.capitalize()} không được có dấu xuống dòng.", f"The {en} cannot contain a line break.",
                           field=field)
    return value


def uploaded_key(settings: Settings, form: Mapping[str, str], upload: FileStorage | None) -> SigningKey:
    """The key the form describes (``source`` pkcs12 — the default — or token), held in memory."""
    source = form.get("source") or PKCS12
    if source == TOKEN and token_available(settings):
        pin = _required(form.get("pin", ""), "pin", "mã PIN của thẻ ký số", "token PIN")
        token_label = _required(form.get("token_label", "").strip(), "token_label", "nhãn thẻ ký số", "token label")
        key_label = _required(form.get("key_label", "").strip(), "key_label", "nhãn khóa", "key label")
        return Pkcs11Key(token_label, key_label, pin)
    if source != PKCS12:
        raise InvalidInput("Nguồn khóa ký phải là tệp PKCS#12 hoặc thẻ ký số có trên máy chủ.",
                           "The key source must be a PKCS#12 file or a token this server has.", field="source")
    if upload is None or not upload.filename:
        raise InvalidInput("Hãy chọn tệp khóa ký số PKCS#12 (.p12, .pfx).",
                           "Choose the PKCS#12 signing key file (.p12, .pfx).", field="pkcs12")
    password = _required(form.get("password", ""), "password", "mật khẩu của tệp khóa", "key file's password")
    data = upload.stream.read(MAX_PKCS12_BYTES + 1)
    if len(data) > MAX_PKCS12_BYTES:
        raise InvalidInput("Tệp khóa PKCS#12 quá lớn (tối đa 500 KiB).",
                           "The PKCS#12 file is too large (500 KiB at most).", field="pkcs12")
    return Pkcs12Key(data, password)
