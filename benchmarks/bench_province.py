"""A synthetic province for the search, ingest and report benchmarks: units, fonds and N dossiers over ten years.

The tree is Quảng Nam's shape — the provincial UBND, its departments, the district-level UBNDs and their communes —
with electronic identifiers of QĐ 20/2020/QĐ-TTg. Dossiers get realistic Vietnamese titles (procedure dossiers with
applicants, outgoing-letter files, plans, reports, complaints, building permits …), two or three documents each with
number, symbol, issuer, signer and summary, retention, states with their timestamps, and procedure codes. Everything
is drawn from a seeded generator, so a size always gives the same province, and every dossier goes in through the
platform's own bulk path (``kholuutru.archive.bulk_ingest``), as a legacy import would.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import click
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool

from kholuutru.archive import bulk_ingest, fonds, migrations, units
from kholuutru.archive.access import Actor
from kholuutru.archive.bulk_ingest import DossierRecord
from kholuutru.archive.database import DATABASE_NAME, Database, provision
from kholuutru.archive.dossier_models import Dossier
from kholuutru.archive.embedded_postgres import EmbeddedPostgres
from kholuutru.archive.models import Fonds, Unit
from kholuutru.archive.settings import Settings

ACTOR = Actor.system("bench")
YEARS = 10
BATCH = 10_000

DEPARTMENTS = (
    ("Văn phòng UBND tỉnh", "VP"), ("Sở Nội vụ", "SNV"), ("Sở Tài chính", "STC"), ("Sở Kế hoạch và Đầu tư", "KHĐT"),
    ("Sở Tài nguyên và Môi trường", "TNMT"), ("Sở Xây dựng", "SXD"), ("Sở Giao thông vận tải", "GTVT"),
    ("Sở Y tế", "SYT"), ("Sở Giáo dục và Đào tạo", "GDĐT"), ("Sở Lao động - Thương binh và Xã hội", "LĐTBXH"),
    ("Sở Văn hóa, Thể thao và Du lịch", "VHTTDL"), ("Sở Nông nghiệp và Phát triển nông thôn", "NNPTNT"),
    ("Sở Công Thương", "SCT"), ("Sở Tư pháp", "STP"), ("Sở Khoa học và Công nghệ", "KHCN"),
    ("Sở Thông tin và Truyền thông", "TTTT"), ("Thanh tra tỉnh", "TTr"), ("Ban Dân tộc", "BDT"),
    ("Sở Ngoại vụ", "SNgV"), ("Ban Quản lý các Khu kinh tế và Khu công nghiệp", "BQLKKT"),
)
DISTRICTS = ("Tam Kỳ", "Hội An", "Điện Bàn", "Duy Xuyên", "Đại Lộc", "Thăng Bình", "Quế Sơn", "Hiệp Đức",
             "Tiên Phước", "Núi Thành", "Phú Ninh", "Bắc Trà My", "Nam Trà My", "Nam Giang", "Đông Giang",
             "Tây Giang", "Phước Sơn", "Nông Sơn")
COMMUNE_WORDS = ("An", "Bình", "Phú", "Thạnh", "Hòa", "Phước", "Thăng", "Xuân", "Hiệp", "Đức", "Lộc", "Sơn",
                 "Tân", "Minh", "Quang", "Thuận")
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
          "Dương", "Lý", "Trương", "Đoàn")
MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quang", "Xuân", "Thị Thu", "Công", "Bá")
GIVEN = ("An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Hương", "Khánh", "Lan", "Linh",
         "Long", "Mai", "Nam", "Nga", "Nhung", "Phong", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Thắng", "Trang",
         "Trung", "Tuấn", "Vân", "Yến", "Đạt", "Định", "Hồng", "Lộc", "Nghĩa", "Quyết")
FIELDS = ("đất đai", "xây dựng", "tài chính - ngân sách", "tổ chức cán bộ", "thi đua - khen thưởng", "giáo dục",
          "y tế", "văn hóa", "nông nghiệp", "giao thông", "môi trường", "đầu tư công", "an sinh xã hội",
          "cải cách hành chính", "chuyển đổi số", "phòng chống thiên tai")
PROCEDURES = (
    ("1.005129", "cấp giấy chứng nhận quyền sử dụng đất"), ("1.004227", "đăng ký biến động đất đai"),
    ("1.001612", "đăng ký hộ kinh doanh"), ("1.003003", "cấp giấy phép xây dựng nhà ở riêng lẻ"),
    ("2.000889", "chứng thực bản sao từ bản chính"), ("1.000894", "đăng ký khai sinh"),
    ("1.001193", "đăng ký kết hôn"), ("1.004946", "cấp giấy chứng nhận đủ điều kiện an toàn thực phẩm"),
    ("2.001019", "trợ cấp xã hội hàng tháng"), ("1.010734", "thẩm định thiết kế cơ sở"),
    ("1.009994", "cấp giấy phép khai thác khoáng sản"), ("2.002156", "giải quyết chế độ người có công"),
)
SUBJECTS = ("trường tiểu học", "trạm y tế xã", "đường giao thông nông thôn", "kênh mương nội đồng", "nhà văn hóa thôn",
            "cầu dân sinh", "chợ nông thôn", "khu tái định cư", "hệ thống cấp nước sinh hoạt", "kè chống sạt lở")
DOCUMENT_TYPES = (("Quyết định", "QĐ"), ("Công văn", ""), ("Tờ trình", "TTr"), ("Báo cáo", "BC"),
                  ("Kế hoạch", "KH"), ("Biên bản", "BB"), ("Thông báo", "TB"), ("Đơn đề nghị", "ĐĐN"))
POSITIONS = ("Chủ tịch", "Phó Chủ tịch", "Giám đốc", "Phó Giám đốc", "Chánh Văn phòng", "Trưởng phòng")
STATES = (("archived", 70), ("approved", 12), ("submitted", 10), ("draft", 8))
RETENTIONS = ((None, 20), (10, 25), (20, 25), (50, 15), (70, 15))


@dataclass(frozen=True)
class PlaceUnit:
    """A unit of the synthetic province as the generator needs it."""

    id: int
    fonds_id: int
    name: str
    abbreviation: str
    weight: int


def build_units(database: Database) -> list[PlaceUnit]:
    """The unit tree with one fonds each (through the units and fonds services), or the one already built."""
    with database.session(ACTOR) as session:
        existing = session.scalars(select(Unit).where(Unit.code == "000.00.00.H47")).first()
        if existing is None:
            _create_tree(session)
    with database.session(ACTOR) as session:
        rows = session.execute(select(Unit, Fonds).join(Fonds, Fonds.unit_id == Unit.id).order_by(Unit.id)).all()
        return [PlaceUnit(unit.id, row_fonds.id, unit.name, _abbreviation(unit), _weight(unit.level))
                for unit, row_fonds in rows]


def _create_tree(session) -> None:  # type: ignore[no-untyped-def]
    def add(code: str, name: str, level: str, parent: int | None) -> int:
        unit = units.create_unit(session, ACTOR, code=code, name=name, level=level, parent_id=parent)
        fonds.create_fonds(session, ACTOR, unit.id, code=f"F{unit.id:04d}", name=f"Phông {name}")
        return unit.id

    province = add("000.00.00.H47", "UBND tỉnh Quảng Nam", "province", None)
    for number, (name, _abbr) in enumerate(DEPARTMENTS, start=1):
        add(f"000.00.{number:02d}.H47", name, "department", province)
    for number, district in enumerate(DISTRICTS, start=31):
        district_id = add(f"000.00.{number:02d}.H47", f"UBND huyện {district}", "district", province)
        for commune in range(1, 13):
            word = COMMUNE_WORDS[(commune + number) % len(COMMUNE_WORDS)]
            add(f"000.{commune:02d}.{number:02d}.H47", f"UBND xã {district.split()[0]} {word} {commune}", "commune",
                district_id)


def _abbreviation(unit: Unit) -> str:
    for name, abbreviation in DEPARTMENTS:
        if name == unit.name:
            return abbreviation
    return "UBND"


def _weight(level: str) -> int:
    return {"province": 12, "department": 8, "district": 4}.get(level, 1)


class Generator:
    """Seeded dossier records for the province: the same size always gives the same dossiers."""

    def __init__(self, places: list[PlaceUnit], seed: int = 20260101, first_year: int | None = None) -> None:
        self.places = places
        self.rng = random.Random(seed)
        self.first_year = first_year or dt.date.today().year - YEARS
        self.numbers: dict[tuple[int, int], int] = {}

    def records(self, count: int) -> Iterator[DossierRecord]:
        weights = [place.weight for place in self.places]
        for place in self.rng.choices(self.places, weights, k=count):
            yield self.record(place)

    def record(self, place: PlaceUnit) -> DossierRecord:
        rng = self.rng
        year = self.first_year + rng.randrange(YEARS)
        number = self.numbers[(place.id, year)] = self.numbers.get((place.id, year), 0) + 1
        start = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(330))
        end = start + dt.timedelta(days=rng.randrange(1, 35))
        person = self.person()
        metadata: dict[str, object] = {
            "access_level": rng.choice(("public", "public", "restricted", "internal")), "language": "Tiếng Việt",
            "start_date": start, "end_date": end, "page_count": rng.randrange(2, 120),
            "reliability": rng.choice(("born_digital", "digitised", "mixed")), "creator": place.name[:100],
        }
        procedure = rng.random() < 0.4
        if procedure:
            code, name = rng.choice(PROCEDURES)
            title = f"Hồ sơ {name} của {person}"
            metadata |= {"procedure_code": code, "applicant": person, "received_on": start, "returned_on": end,
                         "procedure_dossier_code": f"{_unit_code_part(place)}-{start:%y%m%d}-{number:04d}"}
        else:
            title = self.title(place, year)
        permanent_years = _weighted(rng, RETENTIONS)
        state = _weighted(rng, STATES)
        created = dt.datetime.combine(start, dt.time(8), dt.UTC)
        submitted = created + dt.timedelta(days=rng.randrange(1, 60)) if state != "draft" else None
        approved = submitted + dt.timedelta(hours=rng.randrange(2, 400)) if submitted and state in (
            "approved", "archived") else None
        archived = approved + dt.timedelta(days=rng.randrange(1, 30)) if approved and state == "archived" else None
        documents = [self.document(place, year, start, title, order) for order in range(1, rng.choice((1, 2, 2, 3, 4)))]
        return DossierRecord(
            unit_id=place.id, fonds_id=place.fonds_id, year=year, number_symbol=f"{number:02d}.{_symbol(place)}",
            title=title, retention_permanent=permanent_years is None, retention_years=permanent_years, state=state,
            metadata=metadata, documents=documents, created_at=created, submitted_at=submitted,
            approved_at=approved, archived_at=archived,
        )

    def person(self) -> str:
        rng = self.rng
        return f"{rng.choice(('ông', 'bà'))} {rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"

    def title(self, place: PlaceUnit, year: int) -> str:
        rng = self.rng
        field_name, subject = rng.choice(FIELDS), rng.choice(SUBJECTS)
        district = rng.choice(DISTRICTS)
        return rng.choice((
            f"Tập lưu văn bản đi năm {year} của {place.name}",
            f"Hồ sơ hội nghị tổng kết công tác {field_name} năm {year}",
            f"Quyết định về việc phê duyệt chủ trương đầu tư xây dựng {subject} tại {district}",
            f"Hồ sơ thẩm định dự án {subject} huyện {district}",
            f"Hồ sơ giải quyết khiếu nại của {self.person()} về {field_name}",
            f"Kế hoạch {field_name} giai đoạn {year}-{year + 5}",
            f"Báo cáo tình hình thực hiện nhiệm vụ {field_name} quý {rng.randint(1, 4)} năm {year}",
            f"Hồ sơ khen thưởng tập thể, cá nhân có thành tích trong công tác {field_name} năm {year}",
            f"Hồ sơ tuyển dụng viên chức ngành {field_name} năm {year}",
        ))

    def document(self, place: PlaceUnit, year: int, start: dt.date, title: str, order: int) -> dict[str, object]:
        rng = self.rng
        type_name, type_code = rng.choice(DOCUMENT_TYPES)
        symbol = f"{type_code}-{place.abbreviation}" if type_code else place.abbreviation
        return {
            "type_name": type_name, "number": str(rng.randrange(1, 3000)), "symbol": symbol[:30],
            "issued_on": start + dt.timedelta(days=order), "issuing_organisation": place.name,
            "summary": f"V/v {title[0].lower()}{title[1:]}"[:500], "language": "Tiếng Việt",
            "page_count": rng.randrange(1, 40),
            "signer_name": f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
            "signer_position": rng.choice(POSITIONS), "usage_mode": "public", "reliability": "born_digital",
        }


def _weighted(rng: random.Random, choices: tuple[tuple[object, int], ...]):  # type: ignore[no-untyped-def]
    return rng.choices([value for value, _ in choices], [weight for _, weight in choices])[0]


def _symbol(place: PlaceUnit) -> str:
    return place.abbreviation.replace("Đ", "D").replace("đ", "d")[:8]


def _unit_code_part(place: PlaceUnit) -> str:
    return f"H47.{place.id:04d}"


def generate(database: Database, count: int, progress: Callable[[int], None] | None = None,
             generator: Generator | None = None) -> Generator:
    """Ingest ``count`` dossiers in batches of ``BATCH`` through ``bulk_ingest.ingest``; ``progress`` per batch."""
    generator = generator or Generator(build_units(database))
    records = generator.records(count)
    left = count
    while left:
        batch = [next(records) for _ in range(min(BATCH, left))]
        with database.session(ACTOR) as session:
            bulk_ingest.ingest(session, ACTOR, batch)
        left -= len(batch)
        if progress:
            progress(len(batch))
    return generator


@dataclass
class Province:
    """The benchmark province's archive: the application's database and the server's superuser URL."""

    database: Database
    superuser_url: str


@contextmanager
def province_archive(say: Callable[[str], None]) -> Iterator[Province]:
    """The benchmark province's archive, kept between runs in ``BENCH_PROVINCE_DIR``, migrated to the newest schema."""
    folder = Path(os.environ.get("BENCH_PROVINCE_DIR")
                  or Path(os.environ.get("BENCH_WORK_DIR") or tempfile.gettempdir()) / "kholuutru-province")
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)  # the embedded server runs as an unprivileged user when we are root
    settings = Settings(data_dir=folder / "data")
    server = EmbeddedPostgres.for_data_dir(folder, settings.embedded_db_user)
    server.start()
    say(f"province: archive in {folder}")
    try:
        owner_url, app_url = provision(server.url(), DATABASE_NAME)
        database = Database(app_url=app_url, owner_url=owner_url)
        try:
            migrations.upgrade(database)
            yield Province(database, server.url(database=DATABASE_NAME))
        finally:
            database.close()
    finally:
        server.stop()


def load_average() -> str:
    """The machine's load averages over 1, 5 and 15 minutes (``/proc/loadavg``): the benchmarks share the machine."""
    try:
        return " / ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def dossier_count(database: Database) -> int:
    with database.session(ACTOR) as session:
        return session.scalar(select(func.count()).select_from(Dossier)) or 0


def ensure(database: Database, size: int, say: Callable[[str], None]) -> int:
    """Grow the province to ``size`` dossiers (never shrink it); return how many it holds."""
    have = dossier_count(database)
    if have < size:
        say(f"province: {have:,} dossiers, generating {size - have:,} more")
        generator = Generator(build_units(database), seed=20260101 + have)
        generator.numbers.update(used_numbers(database))
        with click.progressbar(length=size - have, label="Tạo hồ sơ / generating dossiers", file=sys.stderr,
                               show_pos=True) as bar:
            generate(database, size - have, bar.update, generator)
        analyse(database)
    return max(have, size)


def used_numbers(database: Database) -> dict[tuple[int, int], int]:
    """How many dossiers each unit holds per year: the generator numbers the next ones after them."""
    with database.session(ACTOR) as session:
        return {(unit, year): count for unit, year, count in session.execute(
            select(Dossier.unit_id, Dossier.year, func.count()).group_by(Dossier.unit_id, Dossier.year))}


def analyse(database: Database) -> None:
    """VACUUM ANALYZE after loading: fresh statistics and a visibility map, as a production archive would have."""
    engine = create_engine(database.owner_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("VACUUM ANALYZE"))
    finally:
        engine.dispose()
