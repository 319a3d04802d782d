"""Console pages (FAB views): the home page, units, and the archive's own screens.

``register_views`` adds every page to the app; ``PERMISSIONS`` lists the FAB permissions every archive role holds
on them (the services check the finer rights: which unit, which role, which state).
"""

from __future__ import annotations

from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext

from ..permissions import UNITS_MENU
from .units import UnitModelView

PERMISSIONS: list[tuple[str, str]] = []


def register_views(appbuilder: AppBuilder) -> None:
    """Add the console's pages and menus."""
    appbuilder.add_view(UnitModelView, UNITS_MENU, icon="fa-sitemap", label=lazy_gettext("Units"))
