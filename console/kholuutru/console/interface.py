"""FAB's data interface, with every write handed to an archive service instead of FAB's own session.

FAB views and REST APIs read through ``SQLAInterface`` and, by default, write by adding the form's object to
Flask-SQLAlchemy's session and committing. That would bypass the archive's rules (rights, suspension) and its
audit event (invariants 2 and 4). ``ServiceInterface`` keeps FAB's reads, but ``add``/``edit``/``delete`` collect
the values FAB prepared and call a service function inside ``Database.session(actor)``; FAB's own session never
writes. A refusal (``ArchiveError``) comes back as ``ServiceRefusal``, worded in the user's language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import g
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import inspect

from kholuutru.archive.access import Actor
from kholuutru.archive.errors import ArchiveError

from .actor import current_actor
from .context import console_context
from .errors import ServiceRefusal


@dataclass(frozen=True)
class Services:
    """The service functions one model's writes go through (signatures of ``kholuutru.archive.units``)."""

    create: Callable[..., Any]  # create(session, actor, **values) -> object
    update: Callable[..., Any]  # update(session, actor, pk, **changes) -> object
    delete: Callable[..., Any]  # delete(session, actor, pk) -> None


class ServiceInterface(SQLAInterface):
    """``SQLAInterface`` whose writes call ``services`` with the current actor, in one archive transaction.

    Subclasses name the services and the attributes handed to them as class attributes, because FAB re-creates
    interfaces with ``type(interface)(model)`` when it builds schemas. ``fields`` are scalar columns; a
    relationship is handed as its foreign key through ``relation_keys``, e.g. ``{"parent": "parent_id"}``.
    """

    services: Services | None = None
    fields: tuple[str, ...] = ()
    relation_keys: dict[str, str] = {}

    # -- values FAB prepared -------------------------------------------------------------------------------------

    def _values(self, item: Any) -> dict[str, Any]:
        """The service's keyword arguments from an object FAB filled from a form or JSON body."""
        values = {name: getattr(item, name) for name in self.fields}
        for relation, key in self.relation_keys.items():
            related = getattr(item, relation, None)
            values[key] = _pk(related) if related is not None else getattr(item, key, None)
        return values

    def _changes(self, item: Any) -> dict[str, Any]:
        """Only the fields FAB changed on a loaded object (attribute history), relationships as foreign keys."""
        state = inspect(item)
        changes: dict[str, Any] = {}
        for name in self.fields:
            if state.attrs[name].history.has_changes():
                changes[name] = getattr(item, name)
        for relation, key in self.relation_keys.items():
            if state.attrs[relation].history.has_changes():  # a form chose another related object
                related = getattr(item, relation)
                changes[key] = _pk(related) if related is not None else None
            elif state.attrs[key].history.has_changes():  # a JSON body gave the foreign key itself
                changes[key] = getattr(item, key)
        return changes

    def _discard(self, item: Any) -> None:
        """Forget FAB's pending changes: the archive's transaction, not FAB's session, holds the truth."""
        session = self.session
        if inspect(item).persistent:
            session.rollback()
            return
        for relation in self.relation_keys:
            # unhook the new object from its related objects' collections (back_populates), so that no later
            # flush of FAB's session sees it
            setattr(item, relation, None)
        if item in session:
            session.expunge(item)

    # -- the service call ----------------------------------------------------------------------------------------

    def _services(self) -> Services:
        if self.services is None:
            raise TypeError(f"{type(self).__name__} names no services to write {self.obj.__name__} through")
        return self.services

    def _call(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        actor: Actor = current_actor()
        try:
            with console_context().database.session(actor) as session:
                return function(session, actor, *args, **kwargs)
        except ArchiveError as error:
            refusal = ServiceRefusal(error)
            g.kholuutru_refusal = refusal
            raise refusal from error

    def _copy_back(self, source: Any, item: Any) -> None:
        """Give FAB's object the values the service stored (id, defaults) so FAB can answer with them."""
        if source is None:
            return
        loaded = inspect(source).dict  # only what the service's session loaded: the object is detached now
        for column in inspect(type(source)).column_attrs:
            if column.key in loaded:
                setattr(item, column.key, loaded[column.key])

    # -- FAB's write entry points ---------------------------------------------------------------------------------

    def add(self, item: Any, commit: bool = True) -> None:
        values = self._values(item)
        self._discard(item)
        created = self._call(self._services().create, **values)
        self._copy_back(created, item)

    def edit(self, item: Any, commit: bool = True) -> None:
        pk = self.get_pk_value(item)
        changes = self._changes(item)
        self._discard(item)
        if changes:
            self._call(self._services().update, pk, **changes)

    def delete(self, item: Any, commit: bool = True) -> None:
        pk = self.get_pk_value(item)
        self._call(self._services().delete, pk)
        session = self.session
        if item in session:
            session.expunge(item)

    def delete_all(self, items: list[Any]) -> None:
        for item in items:
            self.delete(item)


def _pk(obj: Any) -> Any:
    """The (single-column) primary key of a loaded object."""
    identity = inspect(obj).identity
    return identity[0] if identity else None


def last_refusal() -> ServiceRefusal | None:
    """The last refusal a service gave in this request (FAB's edit view flashes a fixed text otherwise)."""
    return g.get("kholuutru_refusal")
