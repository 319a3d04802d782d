"""``/api/v1/locations/``: where paper originals are kept — warehouses, shelves, boxes and how full each box is.

Through ``kholuutru.archive.locations``, which keeps codes unique beside each other and refuses to overfill a box.
Placing a dossier's paper in a box is a dossier action: ``POST /api/v1/dossiers/<id>/box`` (``workflow``).
"""

from __future__ import annotations

from flask import Response, request
from flask_appbuilder.api import expose, safe
from flask_appbuilder.security.decorators import permission_name, protect

from kholuutru.archive import locations

from . import bodies, schemas
from .inputs import json_object, known_fields, unit_of
from .responses import READ, WRITE, ServiceApi, archive_session, refusals_as_json, reply

LOCATIONS_API = "LocationsApi"
"""FAB permission name of this API (``can_read``, ``can_write``)."""


class LocationsApi(ServiceApi):
    """The records store as a REST resource (ARCHITECTURE §4: ``resource_name = "locations"``)."""

    resource_name = "locations"
    class_permission_name = LOCATIONS_API
    openapi_spec_tag = "Locations"
    openapi_spec_component_schemas = (
        *ServiceApi.openapi_spec_component_schemas,
        schemas.Locations, schemas.Warehouse, schemas.Shelf, schemas.Box, schemas.BoxContents,
        bodies.NewWarehouse, bodies.NewShelf, bodies.NewBox,
    )

    @expose("/", methods=["GET"])
    @protect()
    @safe
    @permission_name(READ)
    @refusals_as_json
    def get_list(self) -> Response:
        """A unit's warehouses with their shelves, and every box with its occupancy, in shelf-mark order.
        ---
        get:
          summary: Show a unit's records store with box occupancy
          parameters:
          - {in: query, name: unit_id, schema: {type: integer}, description: "Default: the caller's unit"}
          responses:
            200:
              description: Warehouses, shelves and boxes (empty for a unit the caller may not see)
              content: {application/json: {schema: {$ref: '#/components/schemas/Locations'}}}
            401: {$ref: '#/components/responses/401'}
            422: {$ref: '#/components/responses/Refused'}
        """
        with archive_session() as (session, actor):
            unit_id = unit_of(actor, request.args.get("unit_id"))
            warehouses = [
                schemas.dump(schemas.WarehouseShelves, warehouse, shelves=schemas.Shelf(many=True).dump(
                    locations.warehouse_shelves(session, actor, warehouse.id)))
                for warehouse in locations.unit_warehouses(session, actor, unit_id)
            ]
            boxes = schemas.BoxOccupancy(many=True).dump(locations.occupancy(session, actor, unit_id))
        return reply(200, {"unit_id": unit_id, "warehouses": warehouses, "boxes": boxes})

    @expose("/boxes/<int:pk>", methods=["GET"])
    @protect()
    @safe
    @permission_name(READ)
    @refusals_as_json
    def get_box(self, pk: int) -> Response:
        """One box, its shelf mark and the dossiers whose paper is in it.
        ---
        get:
          summary: Show a box with its contents
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: The box
              content: {application/json: {schema: {$ref: '#/components/schemas/BoxContents'}}}
            401: {$ref: '#/components/responses/401'}
            404: {$ref: '#/components/responses/Refused'}
        """
        with archive_session() as (session, actor):
            box = locations.get_box(session, actor, pk)
            contents = schemas.Dossier(many=True).dump(locations.box_contents(session, actor, pk))
            answer = schemas.dump(schemas.BoxContents, box, label=locations.box_label(box), dossiers=contents)
        return reply(200, answer)

    @expose("/warehouses", methods=["POST"])
    @protect()
    @safe
    @permission_name(WRITE)
    @refusals_as_json
    def post_warehouse(self) -> Response:
        """Add a records store room to a unit.
        ---
        post:
          summary: Create a warehouse (administrator or records staff of the unit)
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/NewWarehouse'}}}
          responses:
            201:
              description: The warehouse
              content: {application/json: {schema: {$ref: '#/components/schemas/Warehouse'}}}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            409: {$ref: '#/components/responses/Refused'}
            422: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        body = json_object()
        with archive_session() as (session, actor):
            unit_id = unit_of(actor, body.pop("unit_id", None))
            values = known_fields(body, locations.WAREHOUSE.fields)
            answer = schemas.dump(schemas.Warehouse, locations.create_warehouse(session, actor, unit_id, **values))
        return reply(201, answer)

    @expose("/warehouses/<int:pk>/shelves", methods=["POST"])
    @protect()
    @safe
    @permission_name(WRITE)
    @refusals_as_json
    def post_shelf(self, pk: int) -> Response:
        """Add a shelf to a warehouse.
        ---
        post:
          summary: Create a shelf (administrator or records staff of the unit)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}, description: The warehouse}
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/NewShelf'}}}
          responses:
            201:
              description: The shelf
              content: {application/json: {schema: {$ref: '#/components/schemas/Shelf'}}}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            404: {$ref: '#/components/responses/Refused'}
            409: {$ref: '#/components/responses/Refused'}
            422: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        values = known_fields(json_object(), locations.SHELF.fields)
        with archive_session() as (session, actor):
            answer = schemas.dump(schemas.Shelf, locations.create_shelf(session, actor, pk, **values))
        return reply(201, answer)

    @expose("/shelves/<int:pk>/boxes", methods=["POST"])
    @protect()
    @safe
    @permission_name(WRITE)
    @refusals_as_json
    def post_box(self, pk: int) -> Response:
        """Add a box to a shelf, with how many dossiers it holds.
        ---
        post:
          summary: Create a box (administrator or records staff of the unit)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}, description: The shelf}
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/NewBox'}}}
          responses:
            201:
              description: The box with its shelf mark
              content: {application/json: {schema: {$ref: '#/components/schemas/Box'}}}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            404: {$ref: '#/components/responses/Refused'}
            409: {$ref: '#/components/responses/Refused'}
            422: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        values = known_fields(json_object(), locations.BOX_KIND.fields)
        with archive_session() as (session, actor):
            box = locations.create_box(session, actor, pk, **values)
            answer = schemas.dump(schemas.Box, box, label=locations.box_label(box))
        return reply(201, answer)
