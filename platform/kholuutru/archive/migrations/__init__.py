"""Schema migrations (Alembic), run as the schema owner; then the application role gets exactly the rights it needs.

The application role may read and write ordinary tables, but only read and append the audit chain and the
destruction tombstones: together with their triggers that refuse UPDATE and DELETE, this keeps both append-only even
for the role that writes them.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, make_url, text
from sqlalchemy.pool import NullPool

from ..database import Database

HERE = Path(__file__).parent
APPEND_ONLY_TABLES = ("audit_events", "destruction_tombstones")


def alembic_config() -> Config:
    """Alembic configured from the package itself (no alembic.ini to find on disk)."""
    config = Config()
    config.set_main_option("script_location", str(HERE))
    return config


def upgrade(database: Database, revision: str = "head") -> str | None:
    """Apply migrations up to ``revision`` and grant the application role its rights; return the new revision."""
    engine = create_engine(database.owner_url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            app_role = make_url(database.app_url).username
            _grant_application_role(connection, app_role, make_url(database.owner_url).username)
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def head_revision() -> str | None:
    """The newest revision this version of kholuutru knows."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _grant_application_role(connection: Connection, app_role: str | None, owner_role: str | None) -> None:
    if not app_role or app_role == owner_role:
        return
    role = f'"{app_role}"'
    connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
    connection.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"))
    connection.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"))
    connection.execute(text(f"REVOKE ALL ON alembic_version FROM {role}"))
    connection.execute(text(f"GRANT SELECT ON alembic_version TO {role}"))
    for table in APPEND_ONLY_TABLES:
        connection.execute(text(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {role}"))
