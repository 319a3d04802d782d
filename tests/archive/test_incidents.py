"""Incidents (regulation Đ10): reported by anyone, handled by the operating unit, each change one audit event and a
timeline line; the platform suspended only from a security incident; e-mails through a real local SMTP server."""

from __future__ import annotations

import datetime as dt
import ipaddress
import mailbox
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kholuutru.archive import accounts, audit, incident_mail, incidents, suspension
from kholuutru.archive.access import Actor
from kholuutru.archive.errors import Conflict, InvalidInput, NotFound, PermissionDenied, PlatformSuspended
from kholuutru.archive.incident_models import Incident, IncidentNotification
from kholuutru.archive.models import AuditEvent, Unit
from kholuutru.archive.roles import INSPECTOR, OPERATOR, RECORDS_STAFF

ADMIN = Actor.system("test")


@pytest.fixture(scope="module")
def people(database) -> dict[str, Actor]:
    """A unit, and one account each: records staff, on-call operator, inspector."""
    with database.session(ADMIN) as session:
        unit = Unit(code="000.00.00.H47", name="UBND tỉnh Quảng Nam", level="province")
        session.add(unit)
        session.flush()
        made = {}
        for username, role in (("canbo", RECORDS_STAFF), ("trucvanhanh", OPERATOR), ("thanhtra", INSPECTOR)):
            account = accounts.create_account(
                session, ADMIN, username=username, password="mat-khau-thu-nghiem-2026", first_name="Thử",
                last_name="Nghiệm", email=f"{username}@test.kholuutru.local",
                unit_id=unit.id if role == RECORDS_STAFF else None, role_codes=[role])
            made[username] = Actor(account.id, username, account.unit_id, frozenset({role}))
        made["unit"] = unit.id
    return made


def report(database, actor: Actor, **values) -> int:
    fields = {"title": "Không đăng nhập được", "description": "Trang đăng nhập báo lỗi 500 từ 8 giờ sáng.",
              "category": "technical", "severity": "medium", **values}
    with database.session(actor) as session:
        return incidents.report(session, actor, **fields).id


def events_of(database, incident_id: int) -> list[str]:
    with database.session(ADMIN) as session:
        return [event.action for event in session.query(AuditEvent).filter_by(object_type="incident",
                                                                             object_id=str(incident_id))]


def test_the_life_of_an_incident_each_change_one_audit_event_and_a_timeline_line(database, people):
    staff, operator = people["canbo"], people["trucvanhanh"]
    incident_id = report(database, staff, unit_ids=[people["unit"]])
    with database.session(operator) as session:
        incidents.assign(session, operator, incident_id, "trucvanhanh")
        incidents.update(session, operator, incident_id, severity="high")
        incidents.add_entry(session, operator, incident_id, "Khởi động lại máy chủ ứng dụng.")
        incidents.resolve(session, operator, incident_id, "Đã thay chứng chỉ hết hạn.")
    with database.session(operator) as session:
        incident = incidents.get(session, operator, incident_id)
        assert (incident.status, incident.severity, incident.channel) == ("resolved", "high", "online")
        assert incident.reporter_name == "canbo" and [unit.id for unit in incident.units] == [people["unit"]]
        assert [entry.kind for entry in incident.entries] == ["report", "assign", "change", "note", "resolve"]
        assert incident.resolution == "Đã thay chứng chỉ hết hạn." and incident.resolved_at is not None
        assert audit.verify(session).ok
    assert events_of(database, incident_id) == ["incident.report", "incident.assign", "incident.update",
                                                "incident.note", "incident.resolve"]


def test_bad_input_names_the_field_in_both_languages(database, people):
    staff, operator = people["canbo"], people["trucvanhanh"]
    cases = [
        (staff, {"title": " "}, "title"),
        (staff, {"category": "weather"}, "category"),
        (staff, {"severity": "apocalyptic"}, "severity"),
        (staff, {"channel": "phone"}, "channel"),  # only the operating unit records other channels
        (operator, {"unit_ids": [99999]}, "unit_ids"),
    ]
    for actor, values, field in cases:
        with pytest.raises(InvalidInput) as refused, database.session(actor) as session:
            incidents.report(session, actor, **{"title": "T", "description": "D", "category": "data",
                                                "severity": "low", **values})
        assert refused.value.field == field and refused.value.message_vi and refused.value.message_en
    incident_id = report(database, operator, channel="phone", reporter_contact="0235 3812 345")
    with pytest.raises(InvalidInput) as refused, database.session(operator) as session:
        incidents.assign(session, operator, incident_id, "canbo")  # not of the operating unit
    assert refused.value.field == "assignee"
    with pytest.raises(PermissionDenied), database.session(staff) as session:
        incidents.resolve(session, staff, incident_id, "tự xử lý")


def test_reporters_see_their_own_the_operating_unit_and_inspectors_see_all(database, people):
    staff, operator, inspector = people["canbo"], people["trucvanhanh"], people["thanhtra"]
    theirs = report(database, operator, title="Sự cố do vận hành ghi nhận")
    with database.session(staff) as session:
        assert theirs not in [row.id for row in incidents.listing(session, staff)]
        with pytest.raises(NotFound):
            incidents.get(session, staff, theirs)
    with database.session(inspector) as session:
        assert theirs in [row.id for row in incidents.listing(session, inspector)]


def test_open_incidents_by_severity(database, people):
    with database.session(ADMIN) as session:
        before = incidents.open_counts(session)
    report(database, people["canbo"], severity="critical")
    with database.session(ADMIN) as session:
        after = incidents.open_counts(session)
    assert set(after) == {"low", "medium", "high", "critical"}
    assert after["critical"] == before["critical"] + 1 and after["low"] == before["low"]


def test_suspension_comes_from_an_open_security_incident_and_is_written_on_its_timeline(database, people):
    staff, operator, inspector = people["canbo"], people["trucvanhanh"], people["thanhtra"]
    technical = report(database, staff)
    with pytest.raises(InvalidInput) as refused, database.session(operator) as session:
        suspension.suspend(session, operator, "Thử", incident=technical)
    assert refused.value.field == "incident"
    with pytest.raises(NotFound), database.session(operator) as session:
        suspension.suspend(session, operator, "Thử", incident=987654)

    security = report(database, staff, category="security", severity="critical", title="Nghi lộ mật khẩu")
    with database.session(operator) as session:
        state = suspension.suspend(session, operator, "Ngăn rò rỉ dữ liệu", incident=security)
    assert state.suspended and state.incident == security
    try:
        for actor, call in ((staff, lambda s: incidents.report(s, staff, title="T", description="D",
                                                                 category="data", severity="low")),
                            (operator, lambda s: incidents.assign(s, operator, security, "trucvanhanh")),
                            (operator, lambda s: incidents.resolve(s, operator, security, "Xong"))):
            with pytest.raises(PlatformSuspended), database.session(actor) as session:
                call(session)
        for investigator in (operator, inspector):  # the investigation goes on (DOMAIN.md)
            with database.session(investigator) as session:
                incidents.add_entry(session, investigator, security, f"Ghi nhận của {investigator.username}")
        with pytest.raises(PermissionDenied), database.session(staff) as session:
            incidents.add_entry(session, staff, security, "Cán bộ không ghi diễn biến")
    finally:
        with database.session(operator) as session:
            suspension.resume(session, operator, "Đã đổi toàn bộ mật khẩu")
    with database.session(operator) as session:
        incident = incidents.get(session, operator, security)
        assert [entry.kind for entry in incident.entries] == ["report", "suspend", "note", "note", "resume"]
        assert incident.entries[-1].text == "Đã đổi toàn bộ mật khẩu"
        actions = [event.action for event in session.query(AuditEvent).order_by(AuditEvent.seq)][-4:]
        assert actions == ["platform.suspend", "incident.note", "incident.note", "platform.resume"]
        incidents.resolve(session, operator, security, "Xong")
    with pytest.raises(Conflict), database.session(operator) as session:
        incidents.resolve(session, operator, security, "Lần hai")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_smtp(folder: Path, *options: str) -> Iterator[tuple[int, Path]]:
    """aiosmtpd in its own process on 127.0.0.1, storing what it receives in a Maildir; yields (port, maildir)."""
    port, maildir = free_port(), folder / "maildir"
    process = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", *options,
                                "-c", "aiosmtpd.handlers.Mailbox", str(maildir)])
    try:
        wait_for_port(port)
        yield port, maildir
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def smtp_server(tmp_path) -> Iterator[tuple[int, Path]]:
    with running_smtp(tmp_path) as server:
        yield server


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files (the certificate is its own CA)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mail.test.kholuutru.local")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "smtp.crt", folder / "smtp.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def wait_for_port(port: int) -> None:
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"the SMTP server did not start on port {port}")


def subjects(maildir: Path) -> list[str]:
    return [str(make_header(decode_header(message["Subject"]))) for message in mailbox.Maildir(maildir)]


def test_notifications_are_sent_after_the_change_and_a_failed_send_is_kept_and_retried(database, settings, people,
                                                                                        smtp_server):
    port, maildir = smtp_server
    configured = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port,
                                             "incident_recipients": "vanhanh@stttt.quangnam.gov.vn"})
    incident_mail.deliver_pending(database, configured)  # what earlier tests queued
    incident_id = report(database, people["canbo"], title="Máy quét không nhận")
    with database.session(ADMIN) as session:
        queued = session.query(IncidentNotification).filter_by(incident_id=incident_id).one()
        assert queued.state == "pending"  # queued with the change, not sent inside its transaction
    assert incident_mail.deliver_pending(database, configured) == {"sent": 1, "failed": 0}
    assert any(f"Sự cố #{incident_id}" in subject and "Máy quét không nhận" in subject
               for subject in subjects(maildir))
    message = next(m for m in mailbox.Maildir(maildir) if f"#{incident_id}" in str(make_header(
        decode_header(m["Subject"]))))
    assert message["To"] == "vanhanh@stttt.quangnam.gov.vn"

    unreachable = configured.model_copy(update={"smtp_port": free_port()})
    with database.session(people["trucvanhanh"]) as session:
        incidents.assign(session, people["trucvanhanh"], incident_id, "trucvanhanh")
    assert incident_mail.deliver_pending(database, unreachable) == {"sent": 0, "failed": 1}
    with database.session(ADMIN) as session:
        failed = session.query(IncidentNotification).filter_by(incident_id=incident_id, state="failed").one()
        assert failed.attempts == 1 and failed.error and "trucvanhanh@test.kholuutru.local" in failed.recipients
        assert session.get(Incident, incident_id).assignee_id == people["trucvanhanh"].user_id  # change kept
    assert incident_mail.deliver_pending(database, configured) == {"sent": 1, "failed": 0}
    with database.session(ADMIN) as session:
        states = {row.state for row in session.query(IncidentNotification).filter_by(incident_id=incident_id)}
    assert states == {"sent"}


def test_starttls_checks_the_mail_servers_certificate(database, settings, people, tmp_path):
    certificate, key = self_signed(tmp_path)
    with running_smtp(tmp_path, "--tlscert", str(certificate), "--tlskey", str(key)) as (port, maildir):
        base = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port,
                                           "incident_recipients": "vanhanh@stttt.quangnam.gov.vn"})
        incident_mail.deliver_pending(database, base.model_copy(update={"smtp_port": free_port()}))  # earlier ones
        incident_id = report(database, people["canbo"], title="Ổ cứng máy chủ báo lỗi")
        plain = incident_mail.deliver_pending(database, base)  # the server requires STARTTLS
        untrusted = incident_mail.deliver_pending(database, base.model_copy(update={"smtp_starttls": True}))
        with database.session(ADMIN) as session:
            row = session.query(IncidentNotification).filter_by(incident_id=incident_id).one()
            assert (row.state, row.attempts) == ("failed", 2) and "CERTIFICATE_VERIFY_FAILED" in row.error
        trusted = base.model_copy(update={"smtp_starttls": True, "smtp_ca_file": certificate})
        assert (plain["sent"], untrusted["sent"]) == (0, 0)
        assert incident_mail.deliver_pending(database, trusted)["sent"] >= 1
        assert any("Ổ cứng máy chủ báo lỗi" in subject for subject in subjects(maildir))
