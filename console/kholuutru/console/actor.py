"""Who is behind the current request, as the archive's ``Actor`` — the one place the console builds it.

The actor is resolved once per request (``resolve_actor``, called from the request hooks) and cached in ``g``:
the row-level security listener runs while SQLAlchemy begins a transaction and must not query the database, so it
only reads the cache (``cached_actor``). API requests authenticate with a JWT that FAB checks only inside the
view; resolving it here too means the API's reads see the same units as the console's.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import g, has_app_context, has_request_context, request
from flask_login import current_user

from kholuutru.archive.access import Actor

log = logging.getLogger(__name__)

_G_KEY = "kholuutru_actor"


def actor_for_user(user: Any) -> Actor:
    """The actor of a FAB user object (anonymous when ``user`` is not an authenticated account)."""
    if user is None or not getattr(user, "is_authenticated", False) or getattr(user, "id", None) is None:
        return Actor.anonymous()
    return Actor(
        user_id=user.id,
        username=user.username,
        unit_id=getattr(user, "unit_id", None),
        roles=frozenset(role.name for role in user.roles),
    )


def current_user_object() -> Any:
    """The logged-in user: the session cookie's, or the bearer JWT's on API requests."""
    if not has_request_context():
        return None
    user = current_user._get_current_object()
    if (user is None or not user.is_authenticated) and request.headers.get("Authorization", "").startswith("Bearer "):
        user = _jwt_user()
    return user


def _jwt_user() -> Any:
    from flask_jwt_extended import get_current_user, verify_jwt_in_request

    try:
        verify_jwt_in_request(optional=True)
        return get_current_user()
    except Exception:  # an invalid or expired token: FAB's @protect answers 401 itself
        log.debug("bearer token not accepted while resolving the actor", exc_info=True)
        return None


def resolve_actor() -> Actor:
    """Build the current request's actor and cache it (re-resolves, e.g. after login changed the user)."""
    actor = actor_for_user(current_user_object()) if has_request_context() else Actor.anonymous()
    set_actor(actor)
    return actor


def set_actor(actor: Actor) -> None:
    """Act as ``actor`` for the rest of this request or app context (e.g. a job or a test without a login)."""
    setattr(g, _G_KEY, actor)


def cached_actor() -> Actor:
    """The actor resolved for this request, without touching the database; anonymous when not yet resolved."""
    if has_app_context():
        actor = g.get(_G_KEY)
        if actor is not None:
            return actor
    return Actor.anonymous()


def current_actor() -> Actor:
    """The actor of the current request: cached if resolved, else resolved now."""
    actor = g.get(_G_KEY) if has_app_context() else None
    return actor if actor is not None else resolve_actor()
