"""E-mails after a committed change: the console's pages and REST API send what the archive queued.

The archive's services only queue incident e-mails in the change's own transaction; the request sends them once that
transaction has committed, so a slow or failing mail server neither holds the database transaction nor loses the
change (a failed send stays recorded on the notification and is retried on the next change).
"""

from __future__ import annotations

from kholuutru.archive import incident_mail

from .context import console_context


def notify_after_commit() -> None:
    """Send the e-mails the committed change queued; a failure is recorded on the notification, never raised."""
    context = console_context()
    incident_mail.deliver_pending(context.database, context.settings)
