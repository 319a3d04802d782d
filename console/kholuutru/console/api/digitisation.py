"""``POST /api/v1/documents/<id>/digitise`` and ``GET /api/v1/jobs/<id>``: digitisation through the job queue.

The scan is stored as the document's next file version and its OCR queued in one transaction (``document_files``
then ``digitisation.request``), exactly as the console page does; the answer names the job whose progress the
caller then polls. The queue's worker (in ``kholuutru up``, or ``kholuutru jobs work``) does the OCR.
"""

from __future__ import annotations

from flask import Response
from flask_appbuilder.api import expose, safe
from flask_appbuilder.security.decorators import permission_name, protect

from kholuutru.archive import digitisation, document_files, jobs

from ..context import console_context
from . import work_schemas
from .inputs import uploaded_file
from .responses import READ, WRITE, ServiceApi, archive_session, refusals_as_json, reply

DIGITISATION_API = "DigitisationApi"
JOBS_API = "JobsApi"
"""FAB permission names of these APIs (``can_read``, ``can_write``)."""


class DigitisationApi(ServiceApi):
    """Digitising a document from a scan (resource ``documents``)."""

    resource_name = "documents"
    class_permission_name = DIGITISATION_API
    openapi_spec_tag = "Documents"
    openapi_spec_component_schemas = (
        *ServiceApi.openapi_spec_component_schemas, work_schemas.Finding, work_schemas.DigitisationRequest,
    )

    @expose("/<int:pk>/digitise", methods=["POST"])
    @protect()
    @safe
    @permission_name(WRITE)
    @refusals_as_json
    def digitise(self, pk: int) -> Response:
        """Store a scan as the document's next version and queue its OCR into a searchable PDF/A.
        ---
        post:
          summary: Digitise a scan (TIFF, PNG, JPEG or PDF) of a document (records staff of its unit)
          description: An unreadable scan is refused (422); one that misses the standard (under 200 dpi, not in
            colour) is queued with its findings.
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
            202:
              description: The queued digitisation and its job
              content: {application/json: {schema: {$ref: '#/components/schemas/DigitisationRequest'}}}
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
            document_files.add_file(session, actor, context.storage, context.settings, document_id=pk,
                                    stream=upload.stream, file_name=upload.filename)
            row = digitisation.request(session, actor, context.storage, context.settings, document_id=pk)
            answer = work_schemas.DigitisationRequest().dump(
                {"id": row.id, "document_id": row.document_id, "job_id": row.job_id, "state": row.state,
                 "findings": row.findings, "job": f"/api/v1/jobs/{row.job_id}"})
        return reply(202, answer)


class JobsApi(ServiceApi):
    """Background jobs and their progress (resource ``jobs``)."""

    resource_name = "jobs"
    class_permission_name = JOBS_API
    openapi_spec_tag = "Jobs"
    openapi_spec_component_schemas = (*ServiceApi.openapi_spec_component_schemas, work_schemas.Job)

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    @safe
    @permission_name(READ)
    @refusals_as_json
    def get(self, pk: int) -> Response:
        """One job of the caller's units, with its state, progress and message.
        ---
        get:
          summary: Show a job's progress (queued, running, succeeded, failed)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: The job
              content: {application/json: {schema: {$ref: '#/components/schemas/Job'}}}
            401: {$ref: '#/components/responses/401'}
            404: {$ref: '#/components/responses/Refused'}
        """
        with archive_session() as (session, actor):
            answer = work_schemas.Job().dump(jobs.get_job(session, actor, pk))
        return reply(200, answer)
