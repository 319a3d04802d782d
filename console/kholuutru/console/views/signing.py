"""Signing pages (regulation Đ15.5): the staff member's personal signature, then the clerk's organisation signature.

A form takes the signer's key for this one signature — a PKCS#12 upload with its password, or a token's labels and
PIN — and hands it to ``signing.sign_personal`` / ``sign_organisation``; the key lives only in memory for the call
(``signing_input``). Who may sign, in which order, on which file, is the archive's decision; a refusal
comes back beside the field it names. The dossier page shows each document's signature status from the validation
records (``signature_validation.latest_checks``) and offers only the buttons the archive would allow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from kholuutru.archive import dossiers, signature_validation, signing
from kholuutru.archive.access import Actor, may
from kholuutru.archive.digitisation_models import Digitisation
from kholuutru.archive.dossier_models import Document, Dossier
from kholuutru.archive.errors import ArchiveError
from kholuutru.archive.signature_models import SignatureValidation

from ..context import console_context
from ..signing_input import token_available, uploaded_key
from .forms import FormState, display_value, form_values, transaction

PERMISSION = "SigningView"
KEYS = ("source", "password", "token_label", "key_label", "pin", "position", "copy_type")
SHOWN = (*KEYS, "pkcs12")
ALIASES = {"password_file": "password", "pin_file": "pin"}
SIGNERS = {"personal": signing.sign_personal, "organisation": signing.sign_organisation}


def status_name(status: str) -> str:
    """A validation status as people read it."""
    return {
        "valid": gettext("Valid"), "invalid": gettext("Invalid"), "untrusted": gettext("Untrusted"),
        "revoked": gettext("Revoked"),
        "modified": gettext("Modified after signing"), "unsigned": gettext("Not signed"),
    }.get(status, status)


def kind_name(kind: str) -> str:
    """Which signature a check is about."""
    return {"personal": gettext("Personal signature"), "organisation": gettext("Organisation signature"),
            "other": gettext("Other signature"), "none": gettext("File")}.get(kind, kind)


@dataclass
class DocumentActions:
    """What the dossier page shows about each document's current file: its checks and the buttons allowed."""

    checks: dict[int, list[SignatureValidation]] = field(default_factory=dict)
    sign_kinds: tuple[str, ...] = ()
    digitise: bool = False
    digitised: set[int] = field(default_factory=set)


def document_actions(session: Session, actor: Actor, dossier: Dossier) -> DocumentActions:
    """The signature records of each document's current file and the signing/digitising buttons the actor gets.

    The buttons follow the archive's own role check (``may``) and the draft state; the services check again.
    """
    actions = DocumentActions()
    for document in dossier.documents:
        current = max(document.files, key=lambda file: file.version, default=None)
        if current is not None:
            actions.checks[document.id] = signature_validation.latest_checks(session, current.id)
    if dossier.state != "draft":
        return actions
    actions.sign_kinds = tuple(kind for kind in ("personal", "organisation")
                               if may(actor, signing.SIGNING_RIGHTS[kind], dossier.unit_id))
    actions.digitise = may(actor, "document.digitise", dossier.unit_id)
    ids = [document.id for document in dossier.documents]
    if actions.digitise and ids:
        actions.digitised = set(session.scalars(select(Digitisation.document_id).where(
            Digitisation.document_id.in_(ids), Digitisation.state == "succeeded")))
    return actions


class SigningView(BaseView):
    """The personal and organisation signing forms of a document."""

    route_base = "/signing"
    class_permission_name = PERMISSION

    @expose("/documents/<int:document_id>/<kind>", methods=["GET", "POST"])
    @has_access
    @permission_name("write")
    def sign(self, document_id: int, kind: str) -> Response | tuple[str, int]:
        """Sign the document's current PDF with the key given in the form (``kind``: personal or organisation)."""
        if kind not in SIGNERS:
            abort(404)
        if request.method == "GET":
            return self.sign_form(document_id, kind, FormState())
        values = form_values(KEYS)
        context = console_context()
        extra = ({"position": values["position"].strip() or None} if kind == "personal"
                 else {"copy_type": values["copy_type"].strip() or None})
        try:
            key = uploaded_key(context.settings, values, request.files.get("pkcs12"))
            with transaction() as (session, actor):
                signed = SIGNERS[kind](session, actor, context.storage, context.settings, document_id=document_id,
                                       key=key, **extra)
                dossier_id = session.get(Document, document_id).dossier_id
                statuses = ", ".join(f"{kind_name(check.kind)}: {status_name(check.status)}"
                                     for check in signed.checks)
        except ArchiveError as error:
            kept = {key: value for key, value in values.items() if key not in ("password", "pin")}
            return self.sign_form(document_id, kind, FormState.after(error, kept, SHOWN, ALIASES), error.http_status)
        flash(gettext("The document was signed (%(statuses)s).", statuses=statuses), "success")
        return redirect(url_for("DossierView.show", dossier_id=dossier_id))

    def sign_form(self, document_id: int, kind: str, form: FormState, status: int = 200) -> tuple[str, int]:
        """The form, with the document's current signatures and the refusal of the last attempt."""
        with transaction() as (session, actor):
            document = dossiers.get_document(session, actor, document_id)
            current = max(document.files, key=lambda file: file.version, default=None)
            page = self.render_template(
                "kholuutru/sign.html", document=document, dossier=document.dossier, kind=kind, form=form,
                checks=signature_validation.latest_checks(session, current.id) if current else [],
                token=token_available(console_context().settings), status_name=status_name, kind_name=kind_name,
                display_value=display_value, signatures_required=console_context().settings.require_signatures,
            )
            return page, status
