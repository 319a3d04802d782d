"""Connections to PostgreSQL: the embedded server or any server given by URL, with two roles.

The schema belongs to an *owner* role that runs migrations; the application connects as a separate role that owns
nothing and has neither SUPERUSER nor BYPASSRLS, so row-level security policies always apply to it (invariant 1).
Every unit of work is one transaction (``Database.session``) that first sets the actor's visible units.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from .access import Actor, apply_rls_context
from .embedded_postgres import SUPERUSER, EmbeddedPostgres
from .errors import ArchiveError
from .settings import Settings

OWNER_ROLE = "kholuutru_owner"
APP_ROLE = "kholuutru_app"
DATABASE_NAME = "kholuutru"


class UnsafeDatabaseRole(ArchiveError):
    """The application would connect as a role that row-level security does not bind."""

    http_status = 503


@dataclass
class Database:
    """The archive's database: URLs of both roles, the application engine, and the embedded server if any."""

    app_url: str
    owner_url: str
    embedded: EmbeddedPostgres | None = None
    _engine: Engine | None = field(default=None, repr=False)
    _sessions: sessionmaker[Session] | None = field(default=None, repr=False)

    @classmethod
    def open(cls, settings: Settings) -> Database:
        """Connect to ``KHOLUUTRU_DATABASE_URL``, or start the embedded server and provision it on first use."""
        if settings.database_url is not None:
            app_url = _psycopg(settings.database_url.get_secret_value())
            owner = settings.database_owner_url
            database = cls(app_url=app_url, owner_url=_psycopg(owner.get_secret_value()) if owner else app_url)
        else:
            server = EmbeddedPostgres.for_data_dir(settings.data_dir, settings.embedded_db_user)
            server.start()
            try:
                provision(server.url(), DATABASE_NAME)
            except BaseException:
                server.stop()
                raise
            database = cls(
                app_url=server.url(APP_ROLE, DATABASE_NAME),
                owner_url=server.url(OWNER_ROLE, DATABASE_NAME),
                embedded=server,
            )
        try:
            database.refuse_privileged_app_role()
        except BaseException:
            database.close()
            raise
        return database

    @property
    def engine(self) -> Engine:
        """The application role's engine, created on first use."""
        if self._engine is None:
            self._engine = create_engine(self.app_url, pool_pre_ping=True)
        return self._engine

    @contextmanager
    def session(self, actor: Actor) -> Iterator[Session]:
        """One transaction as ``actor``: row-level security context set first, commit on success."""
        if self._sessions is None:
            self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        with self._sessions() as session, session.begin():
            apply_rls_context(session.connection(), actor)
            yield session

    def owner_engine(self) -> Engine:
        """A short-lived engine of the schema owner, for migrations only."""
        return create_engine(self.owner_url, poolclass=None)

    def ping(self) -> bool:
        """Whether the database answers a trivial query now."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            return False

    def refuse_privileged_app_role(self) -> None:
        """Row-level security does not bind superusers or BYPASSRLS roles: refuse to run the application as one."""
        with self.engine.connect() as connection:
            row = connection.execute(
                text("SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            ).one()
        if row.rolsuper or row.rolbypassrls:
            raise UnsafeDatabaseRole(
                f"Vai trò cơ sở dữ liệu '{row.rolname}' của ứng dụng là superuser hoặc bỏ qua RLS; "
                "hãy dùng một vai trò thường cho KHOLUUTRU_DATABASE_URL.",
                f"The application's database role '{row.rolname}' is a superuser or bypasses row-level "
                "security; give KHOLUUTRU_DATABASE_URL an ordinary role.",
                field="database_url",
            )

    def close(self) -> None:
        """Release connections and stop the embedded server if this process started it."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        if self.embedded is not None:
            self.embedded.stop()


def provision(superuser_url: str, database_name: str, template: str | None = None) -> tuple[str, str]:
    """Create the owner and application roles and the database if missing; return (owner URL, app URL).

    Used for the embedded server and by tests against any server whose superuser URL they are given. Idempotent.
    """
    admin = create_engine(superuser_url, isolation_level="AUTOCOMMIT", poolclass=None)
    try:
        with admin.connect() as connection:
            for role, options in ((OWNER_ROLE, "LOGIN"), (APP_ROLE, "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB")):
                exists = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
                if not exists:
                    connection.execute(text(f'CREATE ROLE "{role}" {options}'))
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": database_name}
            ).first()
            if not exists:
                clause = f' TEMPLATE "{template}"' if template else ""
                connection.execute(text(f'CREATE DATABASE "{database_name}" OWNER "{OWNER_ROLE}"{clause}'))
    finally:
        admin.dispose()
    base = make_url(superuser_url).set(database=database_name)
    return (
        base.set(username=OWNER_ROLE).render_as_string(hide_password=False),
        base.set(username=APP_ROLE).render_as_string(hide_password=False),
    )


def _psycopg(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use the psycopg 3 driver for them."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


__all__ = ["APP_ROLE", "DATABASE_NAME", "OWNER_ROLE", "SUPERUSER", "Database", "provision"]
