"""``/api/v1/documents/``: a dossier's documents and their files, through ``dossiers`` and ``document_files``.

An upload is handed to ``document_files.add_file`` as a stream: the archive sniffs the type from the content, opens
the PDF or image, hashes and size-checks it while reading, and stores nothing of a refused file. A download answers
the stored bytes as an attachment under the safe name the archive gave the file.
"""

from __future__ import annotations

from flask import Response, send_file
from flask_appbuilder.api import expose, safe
from flask_appbuilder.security.decorators import permission_name, protect

from kholuutru.archive import document_files, dossiers
from kholuutru.archive.errors import NotFound
from kholuutru.archive.validation import Label

from ..context import console_context
from . import bodies, schemas
from .inputs import identifier, json_object, uploaded_file
from .responses import READ, WRITE, ServiceApi, archive_session, refusals_as_json, reply

DOCUMENTS_API = "DocumentsApi"
"""FAB permission name of this API (``can_read``, ``can_write``)."""

DOSSIER = Label("dossier_id", "Hồ sơ", "Dossier")


class DocumentsApi(ServiceApi):
    """Documents as a REST resource (ARCHITECTURE §4: ``resource_name = "documents"``)."""

    resource_name = "documents"
    class_permission_name = DOCUMENTS_API
    openapi_spec_tag = "Documents"
    openapi_spec_component_schemas = (
        *ServiceApi.openapi_spec_component_schemas,
        schemas.Document, schemas.DocumentFile, bodies.NewDocument, bodies.DocumentMetadata,
    )

    @expose("/", methods=["POST"])
    @protect()
    @safe
    @permission_name(WRITE)
    @refusals_as_json
    def post(self) -> Response:
        """Add a document to a draft dossier; its identifier and order are assigned by the archive.
        ---
        post:
          summary: Add a document to a draft dossier (records staff of its unit)
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/NewDocument'}}}
          responses:
            201:
              description: The document
              content: {application/json: {schema: {$ref: '#/components/schemas/Document'}}}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            404: {$ref: '#/components/responses/Refused'}
            409: {$ref: '#/components/responses/Refused'}
            422: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        metadata = json_object()
        dossier_id = identifier(DOSSIER, metadata.pop("dossier_id", None), required=True) or 0
        with archive_session() as (session, actor):
            answer = schemas.dump(schemas.Document, dossiers.add_document(session, actor, dossier_id, metadata))
        return reply(201, answer)

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    @safe
    @permission_name(READ)
    @refusals_as_json
    def get(self, pk: int) -> Response:
        """One document's metadata, with its files (a document of another unit is not found).
        ---
        get:
          summary: Show a document
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: The document
              content: {application/json: {schema: {$ref: '#/components/schemas/Document'}}}
            401: {$ref: '#/components/responses/401'}
            404: {$ref: '#/components/responses/Refused'}
        """
        with archive_session() as (session, actor):
            answer = schemas.dump(schemas.Document, dossiers.get_document(session, actor, pk))
        return reply(200, answer)

    @expose("/<int:pk>", methods=["PUT"])
    @protect()
    @safe
    @permission_name(WRITE)
    @refusals_as_json
    def put(self, pk: int) -> Response:
        """Change a document's metadata while its dossier is a draft.
        ---
        put:
          summary: Edit a document's metadata (records staff of its unit)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/DocumentMetadata'}}}
          responses:
            200:
              description: The document as changed
              content: {application/json: {schema: {$ref: '#/components/schemas/Document'}}}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            404: {$ref: '#/components/responses/Refused'}
            409: {$ref: '#/components/responses/Refused'}
            422: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        changes = json_object()
        with archive_session() as (session, actor):
            answer = schemas.dump(schemas.Document, dossiers.update_document(session, actor, pk, changes))
        return reply(200, answer)

    @expose("/<int:pk>/files", methods=["POST"])
    @protect()
    @safe
    @permission_name(WRITE)
    @refusals_as_json
    def post_file(self, pk: int) -> Response:
        """Store a new version of the document's file.
        ---
        post:
          summary: Upload a file (PDF, TIFF, PNG or JPEG, judged by content) as the document's next version
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content:
              multipart/form-data:
                schema:
                  type: object
                  required: [file]
                  properties: {file: {type: string, format: binary}}
          responses:
            201:
              description: The stored file with its SHA-256, size, media type and version
              content: {application/json: {schema: {$ref: '#/components/schemas/DocumentFile'}}}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            404: {$ref: '#/components/responses/Refused'}
            409: {$ref: '#/components/responses/Refused'}
            413: {$ref: '#/components/responses/Refused'}
            422: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        context = console_context()
        upload = uploaded_file(context.settings.max_upload_bytes)
        with archive_session() as (session, actor):
            stored = document_files.add_file(session, actor, context.storage, context.settings, document_id=pk,
                                             stream=upload.stream, file_name=upload.filename)
            answer = schemas.dump(schemas.DocumentFile, stored)
        return reply(201, answer)

    @expose("/<int:pk>/files/<int:file_id>", methods=["GET"])
    @protect()
    @safe
    @permission_name(READ)
    @refusals_as_json
    def get_file(self, pk: int, file_id: int) -> Response:
        """The stored bytes of one file version, as an attachment.
        ---
        get:
          summary: Download a stored file
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: path, name: file_id, required: true, schema: {type: integer}}
          responses:
            200:
              description: "The file, `Content-Disposition: attachment` with its stored safe name"
              content: {application/octet-stream: {schema: {type: string, format: binary}}}
            401: {$ref: '#/components/responses/401'}
            404: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        with archive_session() as (session, actor):
            row, stream = document_files.open_file(session, actor, console_context().storage, file_id)
        if row.document_id != pk:
            stream.close()
            raise NotFound("Không tìm thấy tệp.", "File not found.", field="file_id")
        response = send_file(stream, mimetype=row.media_type, as_attachment=True, download_name=row.file_name,
                             etag=row.sha256)
        if response.status_code == 200:  # werkzeug cannot size a stream; the archive knows its size (not for a 304)
            response.content_length = row.size
        return response
