"""Print the database schema's Alembic revision and the newest one this kholuutru knows, as one JSON object.

The playbook runs `kholuutru db upgrade` on every run and reports a change only when the revision moved, so a run
against an up-to-date database shows nothing changed. Reads KHOLUUTRU_DATABASE_OWNER_URL like the CLI does.
"""

import json
import os

from sqlalchemy import create_engine, inspect, make_url, text
from sqlalchemy.pool import NullPool

from kholuutru.archive.migrations import head_revision

url = make_url(os.environ.get("KHOLUUTRU_DATABASE_OWNER_URL") or os.environ["KHOLUUTRU_DATABASE_URL"])
if url.drivername in ("postgresql", "postgres"):
    url = url.set(drivername="postgresql+psycopg")
engine = create_engine(url, poolclass=NullPool)
try:
    with engine.connect() as connection:
        current = None
        if inspect(connection).has_table("alembic_version"):
            current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
finally:
    engine.dispose()
print(json.dumps({"current": current, "head": head_revision()}))
