"""REST API under ``/api/v1/`` (FAB ``ModelRestApi``/``BaseApi``), writing through the same archive services as the
pages.

``register_apis`` adds every resource; ``PERMISSIONS`` lists the FAB permissions every archive role holds on them.
"""

from __future__ import annotations

from flask_appbuilder import AppBuilder

from .units import UnitsApi

PERMISSIONS: list[tuple[str, str]] = []


def register_apis(appbuilder: AppBuilder) -> None:
    """Add the REST resources."""
    appbuilder.add_api(UnitsApi)
