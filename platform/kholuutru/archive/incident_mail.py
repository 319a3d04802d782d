"""Incident e-mails: the notifications queued with each change, sent through SMTP after the change has committed.

Each notification is sent in a short transaction of its own that locks its row (``SKIP LOCKED``), so two consoles
never send the same one. A send that fails is logged, its error and attempt count are kept on the row (the
incident's page shows them) and it is tried again on the next delivery, up to ``MAX_ATTEMPTS``: a change is never
lost or rolled back because the mail server was down, and never announced twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
from email.message import EmailMessage

from sqlalchemy import select

from .access import Actor
from .database import Database
from .incident_models import Incident, IncidentNotification
from .models import Account
from .settings import Settings

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
SENDER = Actor.system("incident-mail")


def recipients(settings: Settings, assignee_email: str | None) -> list[str]:
    """The operating unit's addresses from the settings, and the incident's assignee."""
    addresses = [address.strip() for address in settings.incident_recipients.split(",") if address.strip()]
    if assignee_email and assignee_email not in addresses:
        addresses.append(assignee_email)
    return addresses


def send(settings: Settings, to: list[str], subject: str, body: str) -> None:
    """One message through the configured SMTP server (STARTTLS and login when configured).

    STARTTLS checks the server's certificate and name (``smtplib``'s default context would not).
    """
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(settings.smtp_host or "", settings.smtp_port, timeout=settings.smtp_timeout_seconds) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context(
                cafile=str(settings.smtp_ca_file) if settings.smtp_ca_file else None))
        if settings.smtp_username:
            smtp.login(settings.smtp_username, _password(settings))
        smtp.send_message(message)


def deliver_pending(database: Database, settings: Settings) -> dict[str, int]:
    """Send every queued (or earlier failed) notification; returns how many were sent and how many failed.

    Without ``KHOLUUTRU_SMTP_HOST`` nothing is sent and the notifications stay queued.
    """
    outcome = {"sent": 0, "failed": 0}
    if not settings.smtp_host:
        return outcome
    tried: set[int] = set()
    while True:
        with database.session(SENDER) as session:
            notification = session.scalar(
                select(IncidentNotification)
                .where(IncidentNotification.state != "sent", IncidentNotification.attempts < MAX_ATTEMPTS,
                       IncidentNotification.id.not_in(tried or {0}))
                .order_by(IncidentNotification.id).limit(1).with_for_update(skip_locked=True))
            if notification is None:
                return outcome
            tried.add(notification.id)
            incident = session.get(Incident, notification.incident_id)
            assignee = session.get(Account, incident.assignee_id) if incident and incident.assignee_id else None
            to = recipients(settings, assignee.email if assignee else None)
            notification.recipients, notification.attempts = ", ".join(to), notification.attempts + 1
            try:
                if not to:
                    raise ValueError("no recipients: set KHOLUUTRU_INCIDENT_RECIPIENTS")
                send(settings, to, notification.subject, notification.body)
            except (OSError, smtplib.SMTPException, ValueError) as error:
                log.warning("incident notification %s not sent: %s", notification.id, error)
                notification.state, notification.error = "failed", f"{type(error).__name__}: {error}"
                outcome["failed"] += 1
            else:
                notification.state, notification.error = "sent", None
                notification.sent_at = dt.datetime.now(dt.UTC)
                outcome["sent"] += 1


def _password(settings: Settings) -> str:
    if settings.smtp_password_file is None:
        return ""
    return settings.smtp_password_file.read_text().partition("\n")[0].rstrip("\r")
