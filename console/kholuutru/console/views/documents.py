"""Document pages: add or edit a document of a draft dossier, upload its file, download a stored file.

Uploads are streamed to ``document_files.add_file``, which judges the file by its content (a renamed .exe is refused
with a clear message) and stores nothing it refuses. Downloads are served as attachments under the safe name the
archive stored, so a browser never renders an archived file inside the console's origin.
"""

from __future__ import annotations

from io import BytesIO

from flask import flash, jsonify, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext
from werkzeug.wrappers import Response

from kholuutru.archive import document_files, dossiers
from kholuutru.archive.dossier_metadata import profile
from kholuutru.archive.dossier_models import Document
from kholuutru.archive.errors import ArchiveError
from kholuutru.archive.metadata_profiles import DOCUMENT_FIELDS

from ..context import console_context
from .forms import FormState, form_values, metadata_fields, stored_values, transaction

PERMISSION = "DocumentView"
DOCUMENT_KEYS = tuple(DOCUMENT_FIELDS)


def wants_location() -> bool:
    """Whether the upload came from the page's script, which follows the answer itself (progress bar)."""
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def closed(dossier_id: int) -> Response:
    """Back to the dossier when its documents cannot change now (not a draft, or not the user's to change)."""
    flash(gettext("This action is not available for this dossier now."), "warning")
    return redirect(url_for("DossierView.show", dossier_id=dossier_id))


class DocumentView(BaseView):
    """Documents of a dossier and their files."""

    route_base = "/documents"
    class_permission_name = PERMISSION

    @expose("/new/<int:dossier_id>", methods=["GET", "POST"])
    @has_access
    @permission_name("write")
    def new(self, dossier_id: int) -> Response | tuple[str, int]:
        """Add a document with its metadata to a draft dossier; then its file is uploaded."""
        if request.method == "GET":
            return self.document_form(dossier_id, None, FormState())
        values = form_values(DOCUMENT_KEYS)
        try:
            with transaction() as (session, actor):
                document = dossiers.add_document(session, actor, dossier_id, values)
                added = document.id, document.order_in_dossier
        except ArchiveError as error:
            return self.document_form(dossier_id, None, FormState.after(error, values, DOCUMENT_KEYS),
                                      error.http_status)
        flash(gettext("Document %(order)s was added; now upload its file.", order=added[1]), "success")
        return redirect(url_for(".upload", document_id=added[0]))

    @expose("/<int:document_id>/edit", methods=["GET", "POST"])
    @has_access
    @permission_name("write")
    def edit(self, document_id: int) -> Response | tuple[str, int]:
        """Change a document's metadata while its dossier is a draft."""
        if request.method == "GET":
            return self.document_form(None, document_id, None)
        values = form_values(DOCUMENT_KEYS)
        try:
            with transaction() as (session, actor):
                dossier_id = dossiers.update_document(session, actor, document_id, values).dossier_id
        except ArchiveError as error:
            return self.document_form(None, document_id, FormState.after(error, values, DOCUMENT_KEYS),
                                      error.http_status)
        flash(gettext("The document's metadata was saved."), "success")
        return redirect(url_for("DossierView.show", dossier_id=dossier_id))

    def document_form(self, dossier_id: int | None, document_id: int | None, form: FormState | None,
                      status: int = 200) -> Response | tuple[str, int]:
        """The add form (``dossier_id``) or edit form (``document_id``, filled from the document)."""
        with transaction() as (session, actor):
            if document_id is not None:
                document: Document | None = dossiers.get_document(session, actor, document_id)
                dossier = document.dossier
            else:
                document, dossier = None, dossiers.get_dossier(session, actor, dossier_id or 0)
            if not form or not form.refused:
                if "edit" not in dossiers.allowed_actions(actor, dossier):
                    return closed(dossier.id)
                form = form or FormState(values=stored_values(document, DOCUMENT_KEYS))
            fields = metadata_fields(DOCUMENT_FIELDS, profile(dossier.profile).document_required)
            page = self.render_template("kholuutru/document_form.html", dossier=dossier, document=document,
                                        form=form, fields=fields)
            return page, status

    @expose("/<int:document_id>/upload", methods=["GET", "POST"])
    @has_access
    @permission_name("write")
    def upload(self, document_id: int) -> Response | tuple[str, int]:
        """Upload a new version of the document's file (multipart; the page shows progress when scripts run)."""
        if request.method == "GET":
            return self.upload_form(document_id, FormState())
        upload = request.files.get("file")
        try:
            with transaction() as (session, actor):
                stored = document_files.add_file(
                    session, actor, console_context().storage, console_context().settings,
                    document_id=document_id, stream=upload.stream if upload else BytesIO(),
                    file_name=upload.filename if upload else None,
                )
                name, version, dossier_id = stored.file_name, stored.version, stored.document.dossier_id
        except ArchiveError as error:
            return self.upload_form(document_id, FormState.after(error, {}, ("file",)), error.http_status)
        flash(gettext("File %(name)s was stored (version %(version)s).", name=name, version=version), "success")
        location = url_for("DossierView.show", dossier_id=dossier_id)
        return jsonify(location=location) if wants_location() else redirect(location)

    def upload_form(self, document_id: int, form: FormState, status: int = 200) -> Response | tuple[str, int]:
        """The upload form, with the refusal of the last upload beside the file field."""
        with transaction() as (session, actor):
            document = dossiers.get_document(session, actor, document_id)
            if not form.refused and "edit" not in dossiers.allowed_actions(actor, document.dossier):
                return closed(document.dossier_id)
            page = self.render_template("kholuutru/upload.html", document=document, dossier=document.dossier,
                                        form=form)
            return page, status

    @expose("/files/<int:file_id>")
    @has_access
    @permission_name("read")
    def download(self, file_id: int) -> Response:
        """A stored file as an attachment under its stored safe name, never rendered inline."""
        with transaction() as (session, actor):
            download = document_files.open_file(session, actor, console_context().storage, file_id)
        response = send_file(download.stream, mimetype=download.file.media_type, as_attachment=True,
                             download_name=download.file.file_name, conditional=False, etag=False, max_age=0)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.content_length = download.file.size
        return response
