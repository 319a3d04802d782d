"""Where a signing key comes from: a PKCS#12 file, or a PKCS#11 token (USB token, HSM; softhsm2 in tests).

The platform never keeps a private key in the clear. A key holds its secret (the PKCS#12 bytes and password, or the
token PIN) only in memory, for the one signing call: a browser upload goes straight from the request into the key,
and a deployment's mounted secret files are read by ``from_files`` / ``with_pin_file``. Nothing of it is written to a
disk, a command line, the database or the audit log; a token key never leaves the token at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session
from pyhanko.sign.signers import Signer, SimpleSigner

from .errors import InvalidInput
from .settings import Settings


def _secret(path: Path, field_name: str) -> str:
    """The first line of a secret file; refused clearly when missing or empty."""
    try:
        value = path.read_text(encoding="utf-8").splitlines()[0] if path.stat().st_size else ""
    except OSError as error:
        raise InvalidInput(f"Không đọc được tệp bí mật {path}: {error.strerror}.",
                           f"The secret file {path} cannot be read: {error.strerror}.", field=field_name) from error
    if not value:
        raise InvalidInput(f"Tệp bí mật {path} rỗng.", f"The secret file {path} is empty.", field=field_name)
    return value


@dataclass(frozen=True)
class Pkcs12Key:
    """A certificate and its key as password-protected PKCS#12 (.p12, .pfx) bytes, held in memory with the password."""

    data: bytes = field(repr=False)
    password: str = field(repr=False)

    @classmethod
    def from_files(cls, path: Path, password_file: Path) -> Pkcs12Key:
        """A PKCS#12 file and its password file (a mounted secret), read now."""
        password = _secret(password_file, "password_file")
        try:
            return cls(path.read_bytes(), password)
        except OSError as error:
            raise InvalidInput(f"Không đọc được tệp khóa {path}.", f"The key file {path} cannot be read.",
                               field="pkcs12") from error

    @contextmanager
    def signer(self, settings: Settings) -> Iterator[Signer]:
        try:
            signer = SimpleSigner.load_pkcs12_data(self.data, other_certs=(), passphrase=self.password.encode())
        except ValueError as error:
            raise InvalidInput(
                "Không mở được tệp PKCS#12: sai mật khẩu hoặc tệp hỏng.",
                "The PKCS#12 file cannot be opened: wrong password or a damaged file.", field="pkcs12",
            ) from error
        yield signer


@dataclass(frozen=True)
class Pkcs11Key:
    """A key and certificate on a PKCS#11 token, found by token label and object labels, opened with ``pin``."""

    token_label: str
    key_label: str
    pin: str = field(repr=False)
    cert_label: str | None = None

    @classmethod
    def with_pin_file(cls, token_label: str, key_label: str, pin_file: Path,
                      cert_label: str | None = None) -> Pkcs11Key:
        """A token key whose PIN is in a file (a mounted secret), read now."""
        return cls(token_label, key_label, _secret(pin_file, "pin_file"), cert_label)

    @contextmanager
    def signer(self, settings: Settings) -> Iterator[Signer]:
        try:
            session = open_pkcs11_session(str(settings.pkcs11_module), token_criteria=TokenCriteria(self.token_label),
                                          user_pin=self.pin)
        except Exception as error:  # the PKCS#11 module reports a missing token or a bad PIN in its own ways
            raise InvalidInput(
                f"Không mở được thẻ ký số '{self.token_label}' ({type(error).__name__}): sai mã PIN hoặc không có thẻ.",
                f"Cannot open the signing token '{self.token_label}' ({type(error).__name__}): wrong PIN or no "
                "such token.", field="token_label",
            ) from error
        try:
            yield PKCS11Signer(session, key_label=self.key_label, cert_label=self.cert_label or self.key_label)
        finally:
            session.close()


SigningKey = Pkcs12Key | Pkcs11Key
