"""A locked, retired or deleted account is refused on its very next request (regulation Đ11.3–4).

Flask-Login keeps only the account id in the session cookie and FAB re-reads the account on every request, treating
an inactive one as nobody; a bearer token (JWT) is likewise looked up on every call. Left alone, a locked person's
open page would merely bounce to the login form, and the API would answer FAB's generic 401. This guard notices the
case first and answers it plainly: the browser session is logged out and shown why (HTTP 401), the API gets a JSON
``{"message": …}`` with 401. Nothing is cached, so a lock committed by anyone takes effect on the next request of
every live session and token.
"""

from __future__ import annotations

from typing import Any

from flask import request, session
from flask_jwt_extended import verify_jwt_in_request
from flask_jwt_extended.exceptions import UserLookupError
from flask_login import current_user, logout_user

from kholuutru.archive.errors import ArchiveError

from .errors import refusal_response

SESSION_USER_KEY = "_user_id"
"""Where Flask-Login keeps the logged-in account's id in the session."""


class AccountDisabled(ArchiveError):
    """The request's account has been locked, retired or removed since the session or token was issued."""

    http_status = 401

    def __init__(self) -> None:
        super().__init__(
            "Tài khoản của bạn đã bị khóa hoặc thu hồi; phiên làm việc đã kết thúc. "
            "Liên hệ quản trị đơn vị nếu cần mở lại.",
            "Your account has been locked or revoked; your session has ended. "
            "Ask your unit administrator if it should be reopened.",
        )


def refuse_disabled_account() -> Any:
    """Answer 401 (and log the browser session out) when the request's account is no longer active."""
    if request.headers.get("Authorization", "").startswith("Bearer "):
        return _refuse_disabled_token()
    if session.get(SESSION_USER_KEY) is not None and not current_user.is_authenticated:
        # FAB's user loader found no active account behind the session's id: locked, retired or deleted.
        logout_user()
        return refusal_response(AccountDisabled())
    return None


def _refuse_disabled_token() -> Any:
    try:
        verify_jwt_in_request(optional=True)
    except UserLookupError:  # a valid signature, but FAB's loader refused the account (inactive or gone)
        return refusal_response(AccountDisabled())
    except Exception:  # expired or malformed: FAB's @protect answers its own 401
        pass
    return None
