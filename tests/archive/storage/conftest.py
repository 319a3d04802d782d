"""Fixtures for document storage: both backends (a folder, and moto's real S3 HTTP server on 127.0.0.1), and a
unit → dossier → document chain made with plain ORM inserts, independent of the dossier services.
"""

from __future__ import annotations

import io
import itertools
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer
from PIL import Image
from pypdf import PdfWriter

from kholuutru.archive import units
from kholuutru.archive.access import Actor
from kholuutru.archive.dossier_models import Document, Dossier
from kholuutru.archive.roles import READER, RECORDS_STAFF
from kholuutru.archive.settings import Settings
from kholuutru.archive.storage import LocalStorage, S3Storage, Storage

ADMIN = Actor.system("test")
S3_CREDENTIALS = {"storage_access_key_id": "testing", "storage_secret_access_key": "testing"}
_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 over real HTTP for the whole session (ARCHITECTURE §7)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@dataclass
class Backend:
    """A fresh, empty storage and how to reach it: its URL and settings, and a raw handle for tampering."""

    kind: str
    storage: Storage
    url: str
    settings_values: dict[str, str]
    root: Path | None = None
    s3_client: object | None = None
    bucket: str | None = None

    def overwrite(self, key: str, data: bytes) -> None:
        """Change an object's bytes behind the archive's back, as a failing disk or an intruder would."""
        if self.root is not None:
            path = self.root / key
            path.chmod(0o640)
            path.write_bytes(data)
        else:
            self.s3_client.put_object(Bucket=self.bucket, Key=key, Body=data)


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """Each test runs once on a local folder and once on its own S3 bucket."""
    if request.param == "local":
        root = tmp_path / "objects"
        return Backend("local", LocalStorage(root), root.as_uri(), {}, root=root)
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = f"kholuutru-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    client.create_bucket(Bucket=bucket)
    url = f"s3://{bucket}?endpoint_url={endpoint}&region=us-east-1"
    storage = S3Storage.from_url(url, Settings(**S3_CREDENTIALS))
    return Backend("s3", storage, url, dict(S3_CREDENTIALS), s3_client=client, bucket=bucket)


@dataclass(frozen=True)
class Place:
    """A draft document in a dossier of a unit, with the unit's staff and a second unit's staff."""

    unit_id: int
    other_unit_id: int
    dossier_id: int
    document_id: int

    def staff(self, unit_id: int | None = None) -> Actor:
        unit = self.unit_id if unit_id is None else unit_id
        return Actor(user_id=None, username=f"canbo-{unit}", unit_id=unit, roles=frozenset({RECORDS_STAFF}))

    def reader(self) -> Actor:
        return Actor(user_id=None, username="nguoikhaithac", unit_id=self.unit_id, roles=frozenset({READER}))


@pytest.fixture(scope="module")
def two_units(database) -> tuple[int, int]:
    with database.session(ADMIN) as session:
        province = units.create_unit(session, ADMIN, code="000.00.00.H47", name="UBND tỉnh Quảng Nam",
                                     level="province")
        a = units.create_unit(session, ADMIN, code="000.00.01.H47", name="Sở Nội vụ", level="department",
                              parent_id=province.id)
        b = units.create_unit(session, ADMIN, code="000.00.02.H47", name="Sở Tư pháp", level="department",
                              parent_id=province.id)
    return a.id, b.id


@pytest.fixture
def new_document(database, two_units) -> Callable[..., Place]:
    """Make a fresh dossier with one document; ``state`` sets the dossier's workflow state."""

    def make(state: str = "draft") -> Place:
        unit_id, other_unit_id = two_units
        number = next(_numbers)
        with database.session(ADMIN) as session:
            dossier = Dossier(
                unit_id=unit_id, profile="tt05_2025", state=state, code=f"H47.2026.{number:02d}.TH",
                office_code=f"000.00.01.H47.2026.{number:02d}.TH", unit_identifier="000.00.01.H47", year=2026,
                number_symbol=f"{number:02d}.TH", title="Hồ sơ thử nghiệm lưu trữ tệp", retention_permanent=True,
            )
            session.add(dossier)
            session.flush()
            document = Document(dossier_id=dossier.id, unit_id=unit_id, identifier=f"VB-{number:06d}",
                                order_in_dossier=1)
            session.add(document)
            session.flush()
            return Place(unit_id, other_unit_id, dossier.id, document.id)

    return make


def _pdf(pages: int = 1) -> bytes:
    writer = PdfWriter()
    writer.add_metadata({"/Subject": uuid.uuid4().hex})  # unique bytes: the module's tests share one database
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _image(image_format: str, colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), colour).save(out, image_format)
    return out.getvalue()


@pytest.fixture
def make_pdf() -> Callable[..., bytes]:
    """A real, readable PDF of blank A4 pages, made with pypdf; every call gives different bytes."""
    return _pdf


@pytest.fixture
def make_image() -> Callable[..., bytes]:
    """A real 16×16 image in a Pillow format (PNG, JPEG, TIFF)."""
    return _image
