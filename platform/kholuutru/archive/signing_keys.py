"""Where a signing key comes from: a PKCS#12 file, or a PKCS#11 token (USB token, HSM; softhsm2 in tests).

The platform never keeps a private key in the clear. A PKCS#12 file stays encrypted at rest and its password is read
from a file (a mounted secret) only for the moment of signing; a token key never leaves the token, and its PIN too
comes from a file. So neither secret appears on a command line, in the database or in the audit log.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session
from pyhanko.sign.signers import Signer, SimpleSigner

from .errors import InvalidInput
from .settings import Settings


def _secret(path: Path, field: str) -> str:
    """The first line of a secret file; refused clearly when missing or empty."""
    try:
        value = path.read_text(encoding="utf-8").splitlines()[0] if path.stat().st_size else ""
    except OSError as error:
        raise InvalidInput(f"Không đọc được tệp bí mật {path}: {error.strerror}.",
                           f"The secret file {path} cannot be read: {error.strerror}.", field=field) from error
    if not value:
        raise InvalidInput(f"Tệp bí mật {path} rỗng.", f"The secret file {path} is empty.", field=field)
    return value


@dataclass(frozen=True)
class Pkcs12Key:
    """A certificate and its key in a password-protected PKCS#12 (.p12, .pfx) file."""

    path: Path
    password_file: Path

    @contextmanager
    def signer(self, settings: Settings) -> Iterator[Signer]:
        password = _secret(self.password_file, "password_file").encode()
        try:
            data = self.path.read_bytes()
        except OSError as error:
            raise InvalidInput(f"Không đọc được tệp khóa {self.path}.", f"The key file {self.path} cannot be read.",
                               field="pkcs12") from error
        try:
            signer = SimpleSigner.load_pkcs12_data(data, other_certs=(), passphrase=password)
        except ValueError as error:
            raise InvalidInput(
                "Không mở được tệp PKCS#12: sai mật khẩu hoặc tệp hỏng.",
                "The PKCS#12 file cannot be opened: wrong password or a damaged file.", field="pkcs12",
            ) from error
        yield signer


@dataclass(frozen=True)
class Pkcs11Key:
    """A key and certificate on a PKCS#11 token, found by token label and object labels."""

    token_label: str
    key_label: str
    pin_file: Path
    cert_label: str | None = None

    @contextmanager
    def signer(self, settings: Settings) -> Iterator[Signer]:
        pin = _secret(self.pin_file, "pin_file")
        try:
            session = open_pkcs11_session(str(settings.pkcs11_module), token_criteria=TokenCriteria(self.token_label),
                                          user_pin=pin)
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
