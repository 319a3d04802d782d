"""Digitisation pages: upload a scan for a document, then watch its OCR job until the PDF/A is stored.

The scan is stored as the document's next file version (``document_files.add_file``, which refuses what cannot be
read) and its digitisation is requested (``digitisation.request``, which checks resolution, colour and format and
queues the OCR job) in one transaction: a refused scan leaves neither a file nor a job. The queue's worker — a thread
of ``kholuutru up`` or ``kholuutru jobs work`` — does the OCR; the status page polls a small JSON answer for the
job's progress and shows the scan-check findings in the user's language.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from werkzeug.wrappers import Response

from kholuutru.archive import digitisation, document_files, dossiers
from kholuutru.archive.errors import ArchiveError

from ..context import console_context
from .forms import FormState, in_language, transaction

PERMISSION = "DigitisationView"


def digitisation_status(digitisation_id: int) -> dict[str, Any]:
    """The archive's status of one digitisation, with each finding worded in the user's language."""
    with transaction() as (session, actor):
        status = digitisation.status(session, actor, digitisation_id)
    status["findings"] = [{**finding, "message": in_language(finding["message_vi"], finding["message_en"])}
                          for finding in status["findings"] or []]
    return status


class DigitisationView(BaseView):
    """Scan upload, digitisation request and its progress."""

    route_base = "/digitisation"
    class_permission_name = PERMISSION

    @expose("/documents/<int:document_id>", methods=["GET", "POST"])
    @has_access
    @permission_name("write")
    def new(self, document_id: int) -> Response | tuple[str, int]:
        """Upload a scan (TIFF, PNG, JPEG or PDF) and queue its OCR."""
        if request.method == "GET":
            return self.scan_form(document_id, FormState())
        upload = request.files.get("file")
        context = console_context()
        try:
            with transaction() as (session, actor):
                document_files.add_file(session, actor, context.storage, context.settings, document_id=document_id,
                                        stream=upload.stream if upload else BytesIO(),
                                        file_name=upload.filename if upload else None)
                digitisation_id = digitisation.request(session, actor, context.storage, context.settings,
                                                       document_id=document_id).id
        except ArchiveError as error:
            return self.scan_form(document_id, FormState.after(error, {}, ("file",)), error.http_status)
        return redirect(url_for(".show", digitisation_id=digitisation_id))

    def scan_form(self, document_id: int, form: FormState, status: int = 200) -> tuple[str, int]:
        with transaction() as (session, actor):
            document = dossiers.get_document(session, actor, document_id)
            page = self.render_template("kholuutru/digitise.html", document=document, dossier=document.dossier,
                                        form=form)
            return page, status

    @expose("/<int:digitisation_id>")
    @has_access
    @permission_name("read")
    def show(self, digitisation_id: int) -> str:
        """The progress page: a bar that follows the job, the findings, and the result when done."""
        status = digitisation_status(digitisation_id)
        with transaction() as (session, actor):
            document = dossiers.get_document(session, actor, status["document_id"])
            return self.render_template("kholuutru/digitisation.html", status=status, document=document,
                                        dossier=document.dossier)

    @expose("/<int:digitisation_id>/status")
    @has_access
    @permission_name("read")
    def status(self, digitisation_id: int) -> Response:
        """The status as JSON, polled by the progress page."""
        return jsonify(digitisation_status(digitisation_id))
