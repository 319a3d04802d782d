"""Password hashes in the format the console's login (Werkzeug ``check_password_hash``) reads.

The archive creates accounts from the command line and the demo seed without importing the web stack, so it writes
``pbkdf2:sha256:<iterations>$<salt>$<hex>`` itself with the standard library.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

_ITERATIONS = 600_000


def hash_password(password: str) -> str:
    salt = secrets.token_urlsafe(12)[:16]
    derived = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), _ITERATIONS).hex()
    return f"pbkdf2:sha256:{_ITERATIONS}${salt}${derived}"


def check_password(stored: str, password: str) -> bool:
    method, salt, expected = stored.split("$", 2)
    _, digest_name, iterations = method.split(":")
    derived = hashlib.pbkdf2_hmac(digest_name, password.encode(), salt.encode(), int(iterations)).hex()
    return hmac.compare_digest(derived, expected)
