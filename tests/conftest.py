"""Shared fixtures: one real PostgreSQL per test session, a fresh migrated database per test module (ARCHITECTURE §7).

The server is the embedded one unless ``KHOLUUTRU_TEST_DATABASE_URL`` names a superuser URL of another server. The
schema is migrated once into a template database; each module gets a copy, so modules never see each other's rows.

The demo province (``kholuutru seed --demo``: units, accounts, dossiers in every state with some twenty real PAdES
signatures) is seeded once per session too, into a second template and a data dir of its own. A module whose tests
use the ``demo`` fixture gets its database copied from that template and the seed's documents and demo keys copied
into its own data dir: the same province a seed would make, at the cost of a file copy rather than a seed.
"""

from __future__ import annotations

import itertools
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url
from sqlalchemy.pool import NullPool

from kholuutru.archive import migrations
from kholuutru.archive.database import Database, provision
from kholuutru.archive.embedded_postgres import EmbeddedPostgres
from kholuutru.archive.seed import seed_demo
from kholuutru.archive.settings import Settings
from kholuutru.archive.storage import LocalStorage, open_storage

sys.path.insert(0, str(Path(__file__).parent / "shared"))  # the shared test PKI and scans (never tests/ itself)
from pki_support import Pki, running_pki  # noqa: E402

TEMPLATE = "kholuutru_template"
DEMO_TEMPLATE = "kholuutru_demo_template"
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


@dataclass(frozen=True)
class DemoProvince:
    """The demo province seeded once: its template database, the data dir with its documents and demo keys, and
    the one-time passwords of its accounts (username -> password)."""

    template: str
    data_dir: Path
    passwords: dict[str, str]


@pytest.fixture(scope="session")
def demo_province(superuser_url: str, template_database: str, tmp_path_factory: pytest.TempPathFactory,
                  ) -> DemoProvince:
    """``seed_demo`` into a template database copied from the migrated one, as ``kholuutru seed --demo`` does."""
    owner_url, app_url = provision(superuser_url, DEMO_TEMPLATE, template=template_database)
    seeded_into = Database(app_url=app_url, owner_url=owner_url)
    data_dir = tmp_path_factory.mktemp("demo-province")
    settings = Settings(data_dir=data_dir, database_url=app_url, database_owner_url=owner_url)
    try:
        storage = open_storage(settings)
        seeded = seed_demo(seeded_into, storage, settings, echo=lambda _line: None)
        _sync_console_permissions(settings, seeded_into, storage)
    finally:
        seeded_into.close()  # a template must have no connections when it is copied
    return DemoProvince(DEMO_TEMPLATE, data_dir, {made.username: made.password for made in seeded.accounts})


def _sync_console_permissions(settings: Settings, database: Database, storage: LocalStorage) -> None:
    """Build the console once over the template, as ``kholuutru up --demo`` does after seeding: Flask-AppBuilder
    writes its permissions and roles into a fresh database on its first start, so the modules' own consoles (each
    built over its copy) find them there instead of each writing them again."""
    from kholuutru.console.app import create_app  # the console only when a module uses the demo province
    from kholuutru.console.context import console_context

    app = create_app(settings, database, storage)
    with app.app_context():
        console_context(app).db.engine.dispose()


def _module_uses_demo(request: pytest.FixtureRequest) -> bool:
    """Whether any test of the requesting module uses the ``demo`` fixture (directly or through another fixture)."""
    return any("demo" in item.fixturenames for item in request.session.items
               if item.getparent(pytest.Module) is request.node)


@pytest.fixture(scope="module")
def database(request: pytest.FixtureRequest, superuser_url: str, template_database: str) -> Iterator[Database]:
    """A fresh, migrated database for this test module, used through the application role: a copy of the demo
    province's template when the module uses ``demo``, else of the empty migrated one."""
    template = request.getfixturevalue("demo_province").template if _module_uses_demo(request) else template_database
    name = f"kholuutru_test_{os.getpid()}_{next(_module_numbers)}"
    owner_url, app_url = provision(superuser_url, name, template=template)
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


@pytest.fixture(scope="module")
def demo(demo_province: DemoProvince, database: Database, settings: Settings) -> dict[str, str]:
    """The demo province in this module's database (copied from the seeded template, see ``database``), its documents
    and demo signing keys copied into this module's data dir; username -> one-time password of each demo account.

    Copied, not linked: tests tamper with stored files and sign with the demo keys, and no module may see another's
    changes."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    for made in demo_province.data_dir.iterdir():  # what the seed made inside; the folder itself keeps its own mode
        if made.is_dir():
            shutil.copytree(made, settings.data_dir / made.name, dirs_exist_ok=True)
        else:
            shutil.copy2(made, settings.data_dir / made.name)
    return dict(demo_province.passwords)


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pki]:
    """The certomancer test PKI (tests/shared/pki_support.py): staff and seal PKCS#12 files, roots, a TSA, OCSP."""
    with running_pki(tmp_path_factory.mktemp("pki")) as made:
        yield made
