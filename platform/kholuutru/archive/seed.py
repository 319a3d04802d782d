"""The demo province (``kholuutru seed --demo``): a few departments, districts and communes, one account per role.

The demo unit (Sở Nội vụ) also gets an archive with dossiers in every state (``demo_dossiers``), signed with demo
signing keys made for its records officer and clerk (``demo_pki``).
Idempotent: units and accounts that already exist are left as they are, so ``kholuutru up --demo`` can run on every
start. Passwords — of the accounts and of the demo keys — are generated and shown once, when the account or key is
created; they are never written anywhere else.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import roles
from .access import Actor
from .accounts import create_account, ensure_roles
from .database import Database
from .demo_dossiers import seed_demo_archive
from .demo_pki import DemoPki
from .models import Account, Unit
from .settings import Settings
from .storage import Storage
from .suspension import ensure_writable
from .units import create_unit

# (code, name, level, parent code)
DEMO_UNITS: tuple[tuple[str, str, str, str | None], ...] = (
    ("000.00.00.H47", "Ủy ban nhân dân tỉnh Quảng Nam", "province", None),
    ("000.00.01.H47", "Sở Nội vụ", "department", "000.00.00.H47"),
    ("000.00.02.H47", "Sở Tư pháp", "department", "000.00.00.H47"),
    ("000.00.03.H47", "Sở Thông tin và Truyền thông", "department", "000.00.00.H47"),
    ("000.01.03.H47", "Trung tâm Công nghệ thông tin và Truyền thông", "public_service", "000.00.03.H47"),
    ("000.00.20.H47", "Ủy ban nhân dân thành phố Tam Kỳ", "district", "000.00.00.H47"),
    ("000.01.20.H47", "Ủy ban nhân dân phường An Mỹ", "commune", "000.00.20.H47"),
    ("000.02.20.H47", "Ủy ban nhân dân xã Tam Phú", "commune", "000.00.20.H47"),
    ("000.00.21.H47", "Ủy ban nhân dân thành phố Hội An", "district", "000.00.00.H47"),
    ("000.01.21.H47", "Ủy ban nhân dân phường Minh An", "commune", "000.00.21.H47"),
    ("000.00.22.H47", "Ủy ban nhân dân huyện Duy Xuyên", "district", "000.00.00.H47"),
    ("000.01.22.H47", "Ủy ban nhân dân xã Duy Sơn", "commune", "000.00.22.H47"),
)

# (username, role, unit code, last name, first name, position)
DEMO_ACCOUNTS: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("admin", roles.SYSTEM_ADMIN, "000.01.03.H47", "Nguyễn Văn", "An", "Quản trị hệ thống"),
    ("qtdonvi", roles.UNIT_ADMIN, "000.00.01.H47", "Trần Thị", "Bình", "Chuyên viên quản trị"),
    ("lanhdao", roles.UNIT_HEAD, "000.00.01.H47", "Lê Văn", "Cường", "Giám đốc Sở"),
    ("canbo", roles.RECORDS_STAFF, "000.00.01.H47", "Phạm Thị", "Dung", "Chuyên viên lưu trữ"),
    ("vanthu", roles.CLERK, "000.00.01.H47", "Hoàng Văn", "Em", "Văn thư"),
    ("khaithac", roles.READER, "000.00.02.H47", "Võ Thị", "Giang", "Chuyên viên"),
    ("trucvanhanh", roles.OPERATOR, "000.01.03.H47", "Đặng Văn", "Hùng", "Kỹ sư vận hành"),
    ("thanhtra", roles.INSPECTOR, "000.00.01.H47", "Bùi Thị", "Lan", "Thanh tra viên"),
    ("canbotp", roles.RECORDS_STAFF, "000.00.02.H47", "Ngô Văn", "Khoa", "Chuyên viên lưu trữ"),
)


@dataclass(frozen=True)
class DemoSeed:
    """What one seed run created: accounts with their one-time passwords, and the demo signing keys if it made them."""

    accounts: list[DemoCredential]
    signing_keys: DemoPki | None


@dataclass(frozen=True)
class DemoCredential:
    """An account the seed created, with its one-time password."""

    username: str
    password: str
    role: str
    unit_code: str


def seed_demo(database: Database, storage: Storage, settings: Settings,
              echo: Callable[[str], None] = print) -> DemoSeed:
    """Create what is missing of the demo province in one transaction; return the accounts and keys created."""
    actor = Actor.system("seed")
    created: list[DemoCredential] = []
    with database.session(actor) as session:
        ensure_writable(session)  # refused while suspended even when nothing is missing: seeding is a write
        ensure_roles(session, actor)
        units = _demo_units(session, actor)
        existing = set(session.scalars(select(Account.username)))
        for username, role, unit_code, last_name, first_name, position in DEMO_ACCOUNTS:
            if username in existing:
                continue
            password = secrets.token_urlsafe(12)
            create_account(
                session, actor, username=username, password=password, first_name=first_name, last_name=last_name,
                email=f"{username}@demo.kholuutru.local", unit_id=units[unit_code].id, role_codes=[role],
                position=position,
            )
            created.append(DemoCredential(username, password, role, unit_code))
        keys = seed_demo_archive(session, storage, settings, units)
    if created:
        echo("Tài khoản trình diễn (chỉ hiện một lần) / demo accounts (shown once):")
        for credential in created:
            echo(f"  {credential.username:<12} {credential.password}  {roles.ROLES[credential.role].name_vi}")
    if keys is not None:
        echo(f"Khóa ký số trình diễn / demo signing keys: {keys.folder}/canbo.p12, {keys.folder}/vanthu.p12")
        echo(f"Mật khẩu khóa ký số (chỉ hiện một lần) / signing key password (shown once): {keys.password}")
    return DemoSeed(created, keys)


def _demo_units(session: Session, actor: Actor) -> dict[str, Unit]:
    units = {unit.code: unit for unit in session.scalars(select(Unit))}
    for code, name, level, parent_code in DEMO_UNITS:
        if code not in units:
            parent_id = units[parent_code].id if parent_code else None
            units[code] = create_unit(session, actor, code=code, name=name, level=level, parent_id=parent_id)
    return units

