"""Alembic environment: always runs on the connection that ``kholuutru.archive.migrations.upgrade`` opens."""

from alembic import context

from kholuutru.archive import catalogue_models, dossier_models  # noqa: F401  (their tables join Base.metadata)
from kholuutru.archive.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, transaction_per_migration=False)
with context.begin_transaction():
    context.run_migrations()
