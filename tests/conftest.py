"""Shared fixtures: one real PostgreSQL per test session, a fresh migrated database per test module (ARCHITECTURE §7).

The server is the embedded one unless ``KHOLUUTRU_TEST_DATABASE_URL`` names a superuser URL of another server. The
schema is migrated once into a template database; each module gets a copy, so modules never see each other's rows.
"""

from __future__ import annotations

import itertools
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url
from sqlalchemy.pool import NullPool

from kholuutru.archive import migrations
from kholuutru.archive.database import Database, provision
from kholuutru.archive.embedded_postgres import EmbeddedPostgres
from kholuutru.archive.settings import Settings
from kholuutru.archive.storage import LocalStorage, open_storage

sys.path.insert(0, str(Path(__file__).parent / "shared"))  # the shared test PKI and scans (never tests/ itself)
from pki_support import Pki, running_pki  # noqa: E402

TEMPLATE = "kholuutru_template"
_module_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def superuser_url() -> Iterator[str]:
    """A PostgreSQL superuser URL for the whole session."""
    external = os.environ.get("KHOLUUTRU_TEST_DATABASE_URL")
    if external:
        yield external
        return
    # Our own folder, readable by the unprivileged user the server runs as when the tests run as root.
    base = Path(tempfile.mkdtemp(prefix="kholuutru-test-"))
    base.chmod(0o755)
    server = EmbeddedPostgres.for_data_dir(base, Settings().embedded_db_user)
    server.start()
    try:
        yield server.url()
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def template_database(superuser_url: str) -> str:
    """The migrated template every module's database is copied from."""
    owner_url, app_url = provision(superuser_url, TEMPLATE)
    template = Database(app_url=app_url, owner_url=owner_url)
    try:
        migrations.upgrade(template)
    finally:
        template.close()
    return TEMPLATE


@pytest.fixture(scope="module")
def database(superuser_url: str, template_database: str) -> Iterator[Database]:
    """A fresh, migrated database for this test module, used through the application role."""
    name = f"kholuutru_test_{os.getpid()}_{next(_module_numbers)}"
    owner_url, app_url = provision(superuser_url, name, template=template_database)
    database = Database(app_url=app_url, owner_url=owner_url)
    yield database
    database.close()


@pytest.fixture(scope="module")
def superuser_engine(superuser_url: str, database: Database) -> Iterator[Engine]:
    """The superuser on this module's database: for tampering tests only, never for the code under test."""
    url = make_url(superuser_url).set(database=make_url(database.app_url).database)
    engine = create_engine(url, poolclass=NullPool)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def settings(database: Database, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings that point at this module's database and a documents folder of its own."""
    return Settings(
        data_dir=tmp_path_factory.mktemp("data"),
        database_url=database.app_url,
        database_owner_url=database.owner_url,
    )


@pytest.fixture(scope="module")
def storage(settings: Settings) -> LocalStorage:
    return open_storage(settings)


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pki]:
    """The certomancer test PKI (tests/shared/pki_support.py): staff and seal PKCS#12 files, roots, a TSA, OCSP."""
    with running_pki(tmp_path_factory.mktemp("pki")) as made:
        yield made
