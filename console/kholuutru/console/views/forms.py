"""What every archive screen shares: one transaction per service call, forms that keep input, field-level refusals.

The console holds no rule of its own (ARCHITECTURE §2). A page hands the user's input, as typed, to an archive
service inside ``Database.session(actor)`` — row-level security set for the actor, one transaction, committed only
when the service returns — and when the service refuses (``ArchiveError``) the same form is shown again with the
input kept and the service's message, in the user's language, next to the field the error names. A refusal
therefore never writes half of anything and never becomes a 500.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flask import abort, request
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from kholuutru.archive.access import Actor
from kholuutru.archive.errors import ArchiveError
from kholuutru.archive.metadata_profiles import ACCESS_LEVELS, RELIABILITY, FieldSpec
from kholuutru.archive.models import Unit

from ..actor import current_actor
from ..context import console_context
from ..i18n import current_language
from ..suspension import format_since

VOCABULARY_NAMES: dict[str, tuple[str, str]] = {**ACCESS_LEVELS, **RELIABILITY}
"""(Vietnamese, English) names of every coded metadata value (the profiles store the codes)."""

LONG_TEXT = 300
"""Text fields at least this long are edited in a text area."""


@contextmanager
def transaction() -> Iterator[tuple[Session, Actor]]:
    """One archive transaction as the request's actor: row-level security first, committed when the block ends."""
    actor = current_actor()
    with console_context().database.session(actor) as session:
        yield session, actor


def in_language(vi: str, en: str) -> str:
    """The Vietnamese or English text of a pair the archive gives in both languages."""
    return en if current_language() == "en" else vi


@dataclass
class FormState:
    """A form as shown: the values in its fields (stored ones, or the user's input as typed) and the refusals.

    ``errors`` maps a field name to the message shown beside it; a refusal naming no field of this form (or none at
    all) goes to ``general``, shown at the top of the form.
    """

    values: Mapping[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    general: str | None = None

    def value(self, key: str) -> str:
        """The text to put back in field ``key``."""
        value = self.values.get(key)
        return "" if value is None else str(value)

    def error(self, key: str) -> str | None:
        return self.errors.get(key)

    @property
    def refused(self) -> bool:
        return bool(self.errors or self.general)

    @classmethod
    def after(cls, error: ArchiveError, values: Mapping[str, Any], fields: Iterable[str],
              aliases: Mapping[str, str] | None = None) -> FormState:
        """The form re-shown after ``error``: ``values`` kept, the message next to the named field.

        ``aliases`` maps a field the service names to the form field that stands for it (e.g. the number and
        symbol comes from the chosen list entry).
        """
        message = error.message(current_language())
        key = (aliases or {}).get(error.field or "", error.field)
        if key is not None and key in set(fields):
            return cls(values=values, errors={key: message})
        return cls(values=values, general=message)


@dataclass(frozen=True)
class FieldView:
    """A metadata field as a form shows it: key, label in the user's language, input kind, choices."""

    key: str
    label: str
    kind: str  # text, textarea, int, date, choice, checkbox
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()


def metadata_fields(specs: Mapping[str, FieldSpec], required: Iterable[str] = (),
                    skip: Iterable[str] = ()) -> list[FieldView]:
    """Form fields for a profile's metadata: labels and vocabularies from ``metadata_profiles``."""
    mandatory, skipped = set(required), set(skip)
    return [_field_view(spec, spec.label.key in mandatory) for key, spec in specs.items() if key not in skipped]


def _field_view(spec: FieldSpec, required: bool) -> FieldView:
    label = in_language(spec.label.vi, spec.label.en)
    if spec.kind == "choice":
        choices = tuple((code, vocabulary_name(code)) for code in spec.vocabulary)
        return FieldView(spec.label.key, label, "choice", required, choices)
    kind = "textarea" if spec.kind == "text" and spec.max_length >= LONG_TEXT else spec.kind
    return FieldView(spec.label.key, label, kind, required)


def vocabulary_name(code: str | None) -> str:
    """The name of a coded value in the user's language (the code itself when unknown, empty for none)."""
    if not code:
        return ""
    names = VOCABULARY_NAMES.get(code)
    return in_language(*names) if names else code


def stored_values(obj: Any, keys: Iterable[str]) -> dict[str, str]:
    """An object's attributes as a form shows them: dates as dd/mm/yyyy, nothing as an empty field."""
    return {key: display_value(getattr(obj, key, None)) for key in keys}


def display_value(value: Any) -> str:
    """A stored value as people read and type it: dates dd/mm/yyyy (as ``validation.date`` accepts them), moments
    in Vietnam time."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return format_since(value)
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def file_size(size: int) -> str:
    """A file's size as people read it (bytes, KB, MB)."""
    if size < 1024:
        return gettext("%(count)s bytes", count=size)
    for unit in ("KB", "MB", "GB"):
        size /= 1024
        if size < 1024 or unit == "GB":
            break
    return f"{size:.1f} {unit}"


def retention_text(permanent: bool, years: int | None) -> str:
    """*Vĩnh viễn* or N years, in the user's language."""
    return gettext("Permanent") if permanent else gettext("%(years)s years", years=years)


def form_values(keys: Iterable[str]) -> dict[str, str]:
    """The submitted values of ``keys`` (missing ones empty), kept exactly as typed."""
    return {key: request.form.get(key, "") for key in keys}


def whole_number(value: Any) -> int | None:
    """A form's id field as an integer, or None when empty or not a number (the service then names the field)."""
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


@dataclass(frozen=True)
class UnitChoice:
    """The unit a unit-wide page shows: one's own, or any unit for province-wide roles (they choose)."""

    unit_id: int
    choices: tuple[tuple[int, str], ...] = ()


def chosen_unit(session: Session, actor: Actor) -> UnitChoice:
    """The unit of a unit-wide page: ``?unit=`` for those who see every unit, otherwise the actor's own."""
    if not actor.sees_all_units:
        if actor.unit_id is None:
            abort(404)
        return UnitChoice(actor.unit_id)
    units = session.execute(select(Unit.id, Unit.code, Unit.name).order_by(Unit.code)).all()
    if not units:
        abort(404)
    wanted = request.args.get("unit", type=int)
    known = {unit_id for unit_id, _, _ in units}
    unit_id = wanted if wanted in known else (actor.unit_id if actor.unit_id in known else units[0].id)
    return UnitChoice(unit_id, tuple((unit_id, f"{code} — {name}") for unit_id, code, name in units))
