"""What every service-backed REST resource shares: one archive transaction per call, refusals as JSON.

The resources below ``/api/v1/`` (dossiers, documents, fonds, dossier lists, locations) hold no rules of their own:
each endpoint opens ``Database.session(actor)`` — row-level security set for the caller, one transaction, one audit
event per change — calls the archive's services, and serialises what they return *inside* that transaction, while
lazy relationships can still load.

FAB's ``@safe`` turns every exception into a 500, so ``refusals_as_json`` sits below it and answers an
``ArchiveError`` itself: ``{"message": …, "field": …}`` in the request's language with the error's own status
(403 wrong role, 404 not visible, 409 wrong state, 413 too large, 422 bad input, 503 suspended).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Response, jsonify
from flask_appbuilder.api import BaseApi
from sqlalchemy.orm import Session

from kholuutru.archive.access import Actor
from kholuutru.archive.errors import ArchiveError

from ..actor import current_actor
from ..context import console_context
from ..i18n import current_language
from . import schemas

READ = "read"
WRITE = "write"
"""The two FAB permissions of each service-backed API (``can_read``, ``can_write``): every archive role holds both,
because which dossier, unit, role and state allow a change is the services' decision, not FAB's."""


@contextmanager
def archive_session() -> Iterator[tuple[Session, Actor]]:
    """One archive transaction as the caller: commits when the block ends, rolls back on any refusal."""
    actor = current_actor()
    with console_context().database.session(actor) as session:
        yield session, actor


def reply(status: int, body: dict[str, Any]) -> Response:
    """``body`` as JSON with ``status``; unlike FAB's ``response(code, **body)``, any key is allowed (a dossier has
    a ``code``)."""
    response = jsonify(body)
    response.status_code = status
    return response


def refusal(error: ArchiveError) -> Response:
    """The JSON answer to a refused call (an import's ``errors`` list included when the error carries one)."""
    return reply(error.http_status, error.as_dict(current_language()))


def refusals_as_json(view: Callable[..., Response]) -> Callable[..., Response]:
    """Answer an ``ArchiveError`` raised by ``view`` with its status and message (place it below FAB's ``@safe``)."""

    @functools.wraps(view)
    def answer(*args: Any, **kwargs: Any) -> Response:
        try:
            return view(*args, **kwargs)
        except ArchiveError as error:
            return refusal(error)

    return answer


REFUSED = {
    "description": "Refused: 403 wrong role, 404 not found or not visible, 409 wrong state or taken code, "
    "413 too large, 422 bad input, 503 platform suspended. The message is in the request's language "
    "(`?_l_=en` for English, Vietnamese by default).",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Refusal"}}},
}


class ServiceApi(BaseApi):
    """A REST resource whose every call goes through the archive's services (see the module docstring).

    Cookie login is accepted as well as the JWT so the console's own pages may call the API; the session cookie is
    ``SameSite=Lax``, so another site cannot make a browser send it with a write.
    """

    allow_browser_login = True
    responses = {**BaseApi.responses, "Refused": REFUSED}
    openapi_spec_component_schemas: tuple[Any, ...] = (schemas.Refusal,)
