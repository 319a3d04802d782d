"""Console pages (FAB views): the home page, units, and the archive's own screens.

``register_views`` adds every page to the app; ``PERMISSIONS`` lists the FAB permissions every archive role holds
on them (the services check the finer rights: which unit, which role, which state).
"""

from __future__ import annotations

from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext

from ..permissions import UNITS_MENU
from . import (
    access_requests,
    accounts,
    approvals,
    backups,
    digitisation,
    documents,
    dossier_lists,
    dossiers,
    extraction,
    incidents,
    lgsp,
    locations,
    reports,
    retention,
    search,
    signing,
)
from .units import UnitModelView

# Each page class reads ("can_read") and writes ("can_write") under its own name; each menu entry has its own name
# too (FAB would otherwise sync one name to two sets of permissions, see permissions.py).
_PAGES = (dossiers.PERMISSION, documents.PERMISSION, approvals.PERMISSION, dossier_lists.PERMISSION,
          locations.PERMISSION, signing.PERMISSION, digitisation.PERMISSION, extraction.PERMISSION,
          incidents.PERMISSION, accounts.PERMISSION, search.PERMISSION, reports.PERMISSION)
_MENUS = (dossiers.MENU, approvals.MENU, dossier_lists.MENU, locations.MENU, extraction.MENU, incidents.MENU,
          search.MENU, reports.MENU)

PERMISSIONS: list[tuple[str, str]] = [
    *((page, permission) for page in _PAGES for permission in ("can_read", "can_write")),
    *((menu, "menu_access") for menu in _MENUS),
]


def register_views(appbuilder: AppBuilder) -> None:
    """Add the console's pages and menus (Hồ sơ, Chờ duyệt, Danh mục hồ sơ, Kho lưu trữ, Đơn vị, Tài khoản đơn vị)."""
    appbuilder.add_view(dossiers.DossierView, dossiers.MENU, icon="fa-folder-open", label=lazy_gettext("Dossiers"))
    appbuilder.add_view(search.SearchView, search.MENU, icon="fa-search", label=lazy_gettext("Search"))
    appbuilder.add_view(reports.ReportsView, reports.MENU, icon="fa-bar-chart", label=lazy_gettext("Reports"))
    appbuilder.add_view(approvals.ApprovalQueueView, approvals.MENU, icon="fa-check-square-o",
                        label=lazy_gettext("Approval queue"))
    appbuilder.add_view(dossier_lists.DossierListView, dossier_lists.MENU, icon="fa-list-ol",
                        label=lazy_gettext("Annual dossier lists"))
    appbuilder.add_view(locations.RecordsStoreView, locations.MENU, icon="fa-archive",
                        label=lazy_gettext("Records store"))
    appbuilder.add_view_no_menu(documents.DocumentView)
    appbuilder.add_view_no_menu(signing.SigningView)
    appbuilder.add_view_no_menu(digitisation.DigitisationView)
    appbuilder.add_view(extraction.ExtractionView, extraction.MENU, icon="fa-table",
                        label=lazy_gettext("Extraction templates"))
    appbuilder.add_view(retention.RetentionView, retention.MENU, icon="fa-hourglass-end",
                        label=lazy_gettext("Retention and destruction"))
    appbuilder.add_view(access_requests.AccessRequestView, access_requests.MENU, icon="fa-eye",
                        label=lazy_gettext("Access requests"))
    appbuilder.add_view(backups.BackupsView, backups.MENU, icon="fa-hdd-o",
                        label=lazy_gettext("Backups and restore drills"))
    appbuilder.add_view(lgsp.LgspSyncView, lgsp.MENU, icon="fa-refresh", label=lazy_gettext("LGSP synchronisation"))
    appbuilder.add_view(incidents.IncidentView, incidents.MENU, icon="fa-exclamation-triangle",
                        label=lazy_gettext("Incidents"))
    appbuilder.add_view(UnitModelView, UNITS_MENU, icon="fa-sitemap", label=lazy_gettext("Units"))
    appbuilder.add_view(accounts.AccountsView, accounts.MENU, icon="fa-users", label=lazy_gettext("Unit accounts"))
