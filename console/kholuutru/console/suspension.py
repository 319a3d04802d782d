"""Suspension in the console (invariant 4, regulation Đ10): the banner, and the refusal of writes and reads.

The platform state is one row; it is read once per request (cached in ``g``) through FAB's session. While the
platform is suspended:

* every page shows a banner with the reason and since when (``kholuutru/base.html`` includes it);
* every write request (POST/PUT/PATCH/DELETE) except logging in or out is answered 503 with a clear message —
  JSON ``{"message": …}`` under ``/api/``, a page with the banner otherwise — before any view runs. The archive's
  services refuse the same writes themselves (``PlatformSuspended``), so this is the console's first line only;
* reads follow DOMAIN.md: only system admins, on-call operators and inspectors keep reading (to investigate);
  everyone else sees the suspension notice alone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask, Response, g, jsonify, render_template, request
from flask_babel import gettext

from kholuutru.archive.access import Actor
from kholuutru.archive.errors import PlatformSuspended
from kholuutru.archive.suspension import SuspensionState, current_state, may_read_while_suspended

from .context import console_context
from .errors import wants_json
from .i18n import current_language

_G_KEY = "kholuutru_suspension"

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

VIETNAM_TIME = dt.timezone(dt.timedelta(hours=7), "ICT")
"""Vietnam keeps UTC+7 all year (no daylight saving), so a fixed offset is exact."""


def platform_state() -> SuspensionState:
    """The platform's suspension state, read once per request through FAB's session."""
    state = g.get(_G_KEY)
    if state is None:
        state = current_state(console_context().db.session())
        setattr(g, _G_KEY, state)
    return state


def format_since(moment: dt.datetime | None) -> str:
    """A suspension time as people in Vietnam read it: ``dd/mm/yyyy HH:MM`` in Vietnam time."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(VIETNAM_TIME).strftime("%d/%m/%Y %H:%M")


def suspended_write_response(state: SuspensionState) -> Response | tuple[str, int]:
    """503 for a write while suspended: the archive's own ``PlatformSuspended`` message, JSON or page."""
    error = PlatformSuspended(state.reason or "")
    message = error.message(current_language())
    return _suspended_response(message)


def suspended_read_response() -> Response | tuple[str, int]:
    """503 for a read by someone who sees only the suspension notice."""
    return _suspended_response(
        gettext(
            "The platform is suspended. Until it is resumed only system administrators, on-call operators "
            "and inspectors can read its data."
        )
    )


def _suspended_response(message: str) -> Response | tuple[str, int]:
    if wants_json():
        response = jsonify({"message": message})
        response.status_code = 503
        return response
    return render_template("kholuutru/refused.html", message=message, status=503), 503


def template_context() -> dict[str, Any]:
    """Template variables for the banner: the state (``None`` when it cannot be read) and its time, formatted."""
    try:
        state = platform_state()
    except Exception:  # an error page must still render when the database is what failed
        return {"kholuutru_suspension": None, "kholuutru_suspended_since": ""}
    return {"kholuutru_suspension": state, "kholuutru_suspended_since": format_since(state.since)}


def check_request(actor: Actor, write_exempt: frozenset[str], notice_endpoints: frozenset[str]) -> Any:
    """The refusal for this request while suspended, or ``None`` to let it through."""
    state = platform_state()
    if not state.suspended:
        return None
    if request.method in WRITE_METHODS and request.endpoint not in write_exempt:
        return suspended_write_response(state)
    if not may_read_while_suspended(actor) and request.endpoint not in notice_endpoints | write_exempt:
        return suspended_read_response()
    return None


def register_template_context(app: Flask) -> None:
    """Make the suspension state available to every template (the base template shows the banner)."""
    app.context_processor(template_context)
