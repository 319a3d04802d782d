"""Signing keys that arrive with a request (a PKCS#12 upload and its password, or a token's labels and PIN).

The archive's key sources (``signing_keys``) read their secret from a file, as a mounted secret would be; a key sent
from a browser is therefore written, with its password or PIN, into a private temporary folder (mode 0700) that is
deleted as soon as the signing call returns — whether it succeeded or was refused. Nothing of it reaches the
database, the audit log or the storage. Only the shape of the input is checked here; the archive judges the key.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from werkzeug.datastructures import FileStorage

from kholuutru.archive.errors import InvalidInput
from kholuutru.archive.settings import Settings
from kholuutru.archive.signing_keys import Pkcs11Key, Pkcs12Key, SigningKey

MAX_PKCS12_BYTES = 1024 * 1024
"""Far above any real .p12 (a key and a short chain are a few kilobytes); stops a stray large upload early."""

PKCS12, TOKEN = "pkcs12", "token"


def token_available(settings: Settings) -> bool:
    """Whether this node has the PKCS#11 module, so a token can be offered as a key source."""
    return settings.pkcs11_module.is_file()


@contextmanager
def _private_folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="kholuutru-key-") as folder:
        yield Path(folder)


def _secret_file(folder: Path, name: str, value: str) -> Path:
    path = folder / name
    path.write_text(value + "\n", encoding="utf-8")
    return path


def _required(value: str, field: str, vi: str, en: str) -> str:
    if not value:
        raise InvalidInput(f"Hãy nhập {vi}.", f"Enter the {en}.", field=field)
    if "\n" in value or "\r" in value:
        raise InvalidInput(f"{vi.capitalize()} không được có dấu xuống dòng.", f"The {en} cannot contain a line break.",
                           field=field)
    return value


@contextmanager
def uploaded_key(settings: Settings, form: Mapping[str, str], upload: FileStorage | None) -> Iterator[SigningKey]:
    """The key the form describes (``source`` pkcs12 — the default — or token), alive for the ``with`` block."""
    source = form.get("source") or PKCS12
    if source == TOKEN and token_available(settings):
        pin = _required(form.get("pin", ""), "pin", "mã PIN của thẻ ký số", "token PIN")
        token_label = _required(form.get("token_label", "").strip(), "token_label", "nhãn thẻ ký số", "token label")
        key_label = _required(form.get("key_label", "").strip(), "key_label", "nhãn khóa", "key label")
        with _private_folder() as folder:
            yield Pkcs11Key(token_label, key_label, _secret_file(folder, "pin", pin))
        return
    if source != PKCS12:
        raise InvalidInput("Nguồn khóa ký phải là tệp PKCS#12 hoặc thẻ ký số có trên máy chủ.",
                           "The key source must be a PKCS#12 file or a token this server has.", field="source")
    if upload is None or not upload.filename:
        raise InvalidInput("Hãy chọn tệp khóa ký số PKCS#12 (.p12, .pfx).",
                           "Choose the PKCS#12 signing key file (.p12, .pfx).", field="pkcs12")
    password = _required(form.get("password", ""), "password", "mật khẩu của tệp khóa", "key file's password")
    data = upload.stream.read(MAX_PKCS12_BYTES + 1)
    if len(data) > MAX_PKCS12_BYTES:
        raise InvalidInput("Tệp khóa PKCS#12 quá lớn (tối đa 1 MiB).", "The PKCS#12 file is too large (1 MiB at most).",
                           field="pkcs12")
    with _private_folder() as folder:
        key_file = folder / "key.p12"
        key_file.write_bytes(data)
        yield Pkcs12Key(key_file, _secret_file(folder, "password", password))
