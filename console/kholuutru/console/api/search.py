"""``/api/v1/search/``: find the caller's dossiers by any criterion, through ``kholuutru.archive.search``.

The same service as the console's search screen and dossier list: unit-scoped, diacritic-insensitive, typo-tolerant,
ranked, with the matched words marked in the title and in a snippet of the documents' text.
"""

from __future__ import annotations

from flask import Response, request
from flask_appbuilder.api import expose, safe
from flask_appbuilder.security.decorators import permission_name, protect

from kholuutru.archive import search

from . import schemas
from .responses import READ, ServiceApi, archive_session, refusals_as_json, reply

SEARCH_API = "SearchApi"
"""FAB permission name of this API (``can_read``)."""


def hits_body(result: search.SearchResult) -> dict:
    """A page of hits as JSON: each dossier, its rank and its highlighted title and snippet (HTML, escaped)."""
    return {
        "count": result.total, "count_is_lower_bound": result.capped, "page": result.query.page,
        "page_size": result.query.page_size, "pages": result.pages, "terms": result.terms,
        "result": [schemas.dump(schemas.Dossier, hit.dossier, rank=round(hit.rank, 4), title_html=hit.title_html,
                                snippet_html=hit.snippet_html) for hit in result.hits],
    }


class SearchApi(ServiceApi):
    """Dossier search as a REST resource."""

    resource_name = "search"
    class_permission_name = SEARCH_API
    openapi_spec_tag = "Search"
    openapi_spec_component_schemas = (*ServiceApi.openapi_spec_component_schemas, schemas.Dossier)

    @expose("/", methods=["GET"])
    @protect()
    @safe
    @permission_name(READ)
    @refusals_as_json
    def get_list(self) -> Response:
        """Dossiers of the caller's units matching words and filters, best match first.
        ---
        get:
          summary: Search dossiers by words (with or without diacritics, typos tolerated) and filters
          parameters:
          - {in: query, name: q, schema: {type: string}, description: "Words: titles, codes, applicants, the
              documents' summaries, numbers, issuers, OCR text and extracted values"}
          - {in: query, name: unit_id, schema: {type: integer}}
          - {in: query, name: fonds_id, schema: {type: integer}}
          - {in: query, name: year, schema: {type: integer}}
          - {in: query, name: code, schema: {type: string}, description: Part of a dossier code}
          - {in: query, name: title, schema: {type: string}, description: Part of the title}
          - {in: query, name: procedure_code, schema: {type: string}, description: "e.g. 1.005129"}
          - {in: query, name: document_number, schema: {type: string}, description: "A document's number and
              symbol, e.g. 123/QĐ-UBND"}
          - {in: query, name: issuer, schema: {type: string}, description: Part of a document's issuing organisation}
          - {in: query, name: date_from, schema: {type: string, format: date}}
          - {in: query, name: date_to, schema: {type: string, format: date}}
          - {in: query, name: issued_from, schema: {type: string, format: date}}
          - {in: query, name: issued_to, schema: {type: string, format: date}}
          - {in: query, name: state, schema: {type: string, enum: [draft, submitted, approved, archived]}}
          - {in: query, name: retention, schema: {type: string}, description: "permanent, or a number of years"}
          - {in: query, name: box_id, schema: {type: integer}}
          - {in: query, name: shelf_id, schema: {type: integer}}
          - {in: query, name: extracted_field, schema: {type: string}}
          - {in: query, name: extracted_value, schema: {type: string}}
          - {in: query, name: page, schema: {type: integer, minimum: 1, default: 1}}
          - {in: query, name: page_size, schema: {type: integer, minimum: 1, maximum: 100, default: 20}}
          responses:
            200:
              description: One page of hits and the total (a lower bound past 10,000)
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      count: {type: integer}
                      count_is_lower_bound: {type: boolean}
                      page: {type: integer}
                      page_size: {type: integer}
                      pages: {type: integer}
                      terms: {type: array, items: {type: string}}
                      result:
                        type: array
                        items:
                          allOf:
                          - {$ref: '#/components/schemas/Dossier'}
                          - type: object
                            properties:
                              rank: {type: number}
                              title_html: {type: string}
                              snippet_html: {type: string}
            401: {$ref: '#/components/responses/401'}
            422: {$ref: '#/components/responses/Refused'}
        """
        query = search.parse_query(request.args)
        with archive_session() as (session, actor):
            body = hits_body(search.search(session, actor, query))
        return reply(200, body)
