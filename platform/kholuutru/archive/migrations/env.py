"""Alembic environment: always runs on the connection that ``kholuutru.archive.migrations.upgrade`` opens."""

from alembic import context

from kholuutru.archive import (  # noqa: F401  (their tables join Base.metadata)
    access_request_models,
    account_models,
    backup_models,
    catalogue_models,
    digitisation_models,
    dossier_models,
    extraction_models,
    retention_models,
    signature_models,
    sync_models,
)
from kholuutru.archive.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, transaction_per_migration=False)
with context.begin_transaction():
    context.run_migrations()
