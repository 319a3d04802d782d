"""``/api/v1/documents/<id>/sign`` and ``/signatures``: the document's signatures, through ``signing`` and
``signature_validation``.

The key comes with the request (multipart: ``kind``, the ``pkcs12`` file and its ``password``) and lives only in
memory for the call (``signing_input``); the archive decides who may sign which kind, in which
order, and answers a wrong password as a refusal naming ``pkcs12``.
"""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_appbuilder.api import expose, safe
from flask_appbuilder.security.decorators import permission_name, protect
from sqlalchemy import select
from sqlalchemy.orm import Session

from kholuutru.archive import dossiers, signature_validation, signing
from kholuutru.archive.access import Actor
from kholuutru.archive.dossier_models import DocumentFile
from kholuutru.archive.errors import InvalidInput

from ..context import console_context
from ..signing_input import uploaded_key
from . import work_schemas
from .responses import READ, WRITE, ServiceApi, archive_session, refusals_as_json, reply

SIGNING_API = "DocumentSigningApi"
"""FAB permission name of this API (``can_read``, ``can_write``)."""

SIGNERS = {"personal": signing.sign_personal, "organisation": signing.sign_organisation}


def signatures(session: Session, actor: Actor, document_id: int) -> dict[str, Any]:
    """The document's current file and the latest validation of each of its signatures."""
    document = dossiers.get_document(session, actor, document_id)
    current = session.scalar(select(DocumentFile).where(DocumentFile.document_id == document.id)
                             .order_by(DocumentFile.version.desc()).limit(1))
    checks = signature_validation.latest_checks(session, current.id) if current else []
    return work_schemas.Signatures().dump({"document_id": document.id, "file": current, "checks": checks})


class DocumentSigningApi(ServiceApi):
    """Signing a document and reading its signatures (resource ``documents``)."""

    resource_name = "documents"
    class_permission_name = SIGNING_API
    openapi_spec_tag = "Documents"
    openapi_spec_component_schemas = (
        *ServiceApi.openapi_spec_component_schemas, work_schemas.SignatureCheck, work_schemas.Signatures,
    )

    @expose("/<int:pk>/sign", methods=["POST"])
    @protect()
    @safe
    @permission_name(WRITE)
    @refusals_as_json
    def sign(self, pk: int) -> Response:
        """Sign the document's current PDF (a new file version, validated at once).
        ---
        post:
          summary: Sign a document personally (records staff) or for the organisation (clerk), in that order
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content:
              multipart/form-data:
                schema:
                  type: object
                  required: [kind, pkcs12, password]
                  properties:
                    kind: {type: string, enum: [personal, organisation]}
                    pkcs12: {type: string, format: binary, description: "The signer's PKCS#12 (.p12, .pfx) file"}
                    password: {type: string, format: password, description: Used for this signature only}
                    position: {type: string, description: "Personal: the signer's position in the stamp"}
                    copy_type: {type: string, description: "Organisation: the copy type of a digitised copy"}
          responses:
            201:
              description: The new file version and its signatures
              content: {application/json: {schema: {$ref: '#/components/schemas/Signatures'}}}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            404: {$ref: '#/components/responses/Refused'}
            409: {$ref: '#/components/responses/Refused'}
            422: {$ref: '#/components/responses/Refused'}
            502: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        context = console_context()
        form = {key: request.form.get(key, "") for key in ("kind", "password", "position", "copy_type")}
        signer = SIGNERS.get(form["kind"])
        if signer is None:
            raise InvalidInput("Loại chữ ký phải là 'personal' (cá nhân) hoặc 'organisation' (cơ quan, tổ chức).",
                               "The kind must be 'personal' or 'organisation'.", field="kind")
        extra = ({"position": form["position"].strip() or None} if form["kind"] == "personal"
                 else {"copy_type": form["copy_type"].strip() or None})
        key = uploaded_key(context.settings, form, request.files.get("pkcs12"))
        with archive_session() as (session, actor):
            signed = signer(session, actor, context.storage, context.settings, document_id=pk, key=key, **extra)
            answer = work_schemas.Signatures().dump({"document_id": pk, "file": signed.file, "checks": signed.checks})
        return reply(201, answer)

    @expose("/<int:pk>/signatures", methods=["GET"])
    @protect()
    @safe
    @permission_name(READ)
    @refusals_as_json
    def get_signatures(self, pk: int) -> Response:
        """The latest validation of each signature of the document's current file.
        ---
        get:
          summary: Show a document's signature status (valid, invalid, untrusted, revoked, modified, unsigned)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: The current file and its signature checks
              content: {application/json: {schema: {$ref: '#/components/schemas/Signatures'}}}
            401: {$ref: '#/components/responses/401'}
            404: {$ref: '#/components/responses/Refused'}
        """
        with archive_session() as (session, actor):
            answer = signatures(session, actor, pk)
        return reply(200, answer)
