"""The backup benchmark's archive: the demo province plus dossiers holding ``size`` bytes of scanned documents.

Every file goes through the platform's real upload path (``document_files.add_file``: spooled, hashed, checked as a
readable PDF, stored under its content address with its row and audit event), so the dataset has exactly the shape
production has — objects, ``document_files`` rows and an audit chain that grows with them. A scan is a one-page PDF
whose image stream is random bytes: incompressible, like the JPEG inside a real scan, so restic's compression and
deduplication get no help a real archive would not give them. Sizes follow a log-normal law around 1.5 MB (a few
pages of 300 dpi greyscale), clipped to 50 kB–40 MB, the ranges a provincial scanning room produces.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kholuutru.archive import dossiers
from kholuutru.archive.access import Actor
from kholuutru.archive.database import Database
from kholuutru.archive.demo_dossiers import DEMO_UNIT, DEMO_YEAR, DOCUMENTS, DOSSIER_METADATA
from kholuutru.archive.document_files import add_file
from kholuutru.archive.models import Account, Unit
from kholuutru.archive.settings import Settings
from kholuutru.archive.storage import Storage

DOCUMENTS_PER_DOSSIER = 40
MEDIAN_BYTES = 1_500_000
SPREAD = 0.9
SMALLEST, LARGEST = 50_000, 40_000_000


@dataclass
class Dataset:
    """What was generated: the documents (ids, for the later change of 1 %), their files and bytes."""

    document_ids: list[int]
    files: int = 0
    bytes: int = 0


def scan_pdf(payload: bytes) -> bytes:
    """A valid one-page PDF showing ``payload`` as its JPEG image: what a scanner's PDF looks like to the archive."""
    content = b"q 595 0 0 842 0 0 cm /Im0 Do Q"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /XObject /Subtype /Image /Width 2480 /Height 3508 /ColorSpace /DeviceGray /BitsPerComponent 8 "
        b"/Filter /DCTDecode /Length %d >>\nstream\n" % len(payload) + payload + b"\nendstream",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def draw_size(rng: random.Random) -> int:
    """The size of one scan, from the log-normal law above."""
    return int(min(max(rng.lognormvariate(math.log(MEDIAN_BYTES), SPREAD), SMALLEST), LARGEST))


def scan_sizes(total: int, rng: random.Random) -> list[int]:
    """Sizes of scans adding up to ``total`` bytes; the last one takes what is left (a tiny total gives one file)."""
    sizes: list[int] = []
    left = total
    while left > 0:
        drawn = draw_size(rng)
        size = left if left - drawn < SMALLEST else drawn
        sizes.append(size)
        left -= size
    return sizes


def records_officer(database: Database) -> tuple[Actor, int]:
    """The demo unit's records officer (``canbo``), who forms dossiers and uploads, and the demo unit's id."""
    with database.session(Actor.system("bench")) as session:
        account = session.scalars(select(Account).where(Account.username == "canbo")).one()
        unit_id = session.scalars(select(Unit.id).where(Unit.code == DEMO_UNIT)).one()
        actor = Actor(user_id=account.id, username=account.username, unit_id=account.unit_id,
                      roles=frozenset(role.name for role in account.roles))
    return actor, unit_id


def generate(database: Database, storage: Storage, settings: Settings, total: int, rng: random.Random) -> Dataset:
    """Dossiers of ``DOCUMENTS_PER_DOSSIER`` documents, one scan each, ``total`` bytes of scans in all.

    One transaction per dossier, as a records officer filing a box of scans would commit them.
    """
    actor, unit_id = records_officer(database)
    dataset = Dataset(document_ids=[])
    sizes = scan_sizes(total, rng)
    for number, start in enumerate(range(0, len(sizes), DOCUMENTS_PER_DOSSIER), start=1):
        with database.session(actor) as session:
            dossier = dossiers.create_dossier(
                session, actor, unit_id=unit_id, year=DEMO_YEAR, number_symbol_value=f"{number:03d}.SQ",
                title=f"Hồ sơ số hóa tài liệu lưu trữ, hộp {number:03d}", retention_permanent=True,
                metadata={**DOSSIER_METADATA, "reliability": "digitised"})
            for size in sizes[start:start + DOCUMENTS_PER_DOSSIER]:
                document = dossiers.add_document(session, actor, dossier.id, {**DOCUMENTS[0], "page_count": 1})
                dataset.document_ids.append(document.id)
                dataset.bytes += _upload(session, actor, storage, settings, document.id, size, rng)
                dataset.files += 1
    return dataset


def change(database: Database, storage: Storage, settings: Settings, document_ids: list[int], fraction: float,
           rng: random.Random) -> tuple[int, int]:
    """A new version of the file of ``fraction`` of the documents (at least one); return files and bytes added."""
    actor, _unit_id = records_officer(database)
    chosen = rng.sample(document_ids, max(1, math.ceil(len(document_ids) * fraction)))
    added = 0
    with database.session(actor) as session:
        for document_id in chosen:
            added += _upload(session, actor, storage, settings, document_id, draw_size(rng), rng)
    return len(chosen), added


def _upload(session: Session, actor: Actor, storage: Storage, settings: Settings, document_id: int, size: int,
            rng: random.Random) -> int:
    """Upload one scan of about ``size`` bytes through the platform's upload path; return its stored size."""
    pdf = scan_pdf(rng.randbytes(max(size - 700, 1)))
    row = add_file(session, actor, storage, settings, document_id=document_id, stream=io.BytesIO(pdf),
                   file_name=f"scan-{document_id}.pdf")
    return row.size
