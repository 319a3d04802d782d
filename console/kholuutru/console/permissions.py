"""Which FAB permissions each archive role holds in the console (FAB's built-in roles, ``FAB_ROLES``).

The system administrator is FAB's admin role (``AUTH_ROLE_ADMIN``) and so holds every permission, including the
unit writes. Every other role reads the home page (no permission needed), the unit list and the units API, its own
profile and the API description; the backups menu goes only to the roles holding the right ``backups.view``, the
LGSP menu to those holding ``lgsp.review``. Finer rights (which dossier, which unit) are the archive's services'
business, not FAB's: a permission here only opens the door to a service that checks again.
"""

from __future__ import annotations

from kholuutru.archive import roles

UNITS_VIEW = "UnitModelView"
"""FAB permission (view-menu) name of the units pages: can_list, can_show, can_add, can_edit, can_delete…"""

UNITS_MENU = "Units"
"""The units menu entry (its ``menu_access``)."""

UNITS_API = "UnitsApi"
"""FAB permission name of the units REST API: can_get, can_info, can_post, can_put, can_delete.

Each of these three names must differ: at start FAB syncs a name to one view's permission set and removes the
permissions it does not know, so a menu, a page view and an API sharing one name would undo each other.
"""

PUBLIC_ROLE = "public"
"""FAB's role for anonymous visitors: no permission at all."""

READ_PERMISSIONS: list[tuple[str, str]] = [
    (UNITS_VIEW, "can_list"),
    (UNITS_VIEW, "can_show"),
    (UNITS_MENU, "menu_access"),
    (UNITS_API, "can_get"),
    (UNITS_API, "can_info"),
    ("OpenApi", "can_get"),
    ("SwaggerView", "can_show"),
    ("UserDBModelView", "can_userinfo"),
    ("UserOAuthModelView", "can_userinfo"),  # one's own profile under single sign-on
    ("ResetMyPasswordView", "can_this_form_get"),
    ("ResetMyPasswordView", "can_this_form_post"),
]


def fab_roles() -> dict[str, list[tuple[str, str]]]:
    """``FAB_ROLES``: every archive role except the system admin, each with the read permissions."""
    # Imported here: the views and APIs import this module for their own permission names.
    from .api import PERMISSIONS as API_PERMISSIONS
    from .views import PERMISSIONS as VIEW_PERMISSIONS
    from .views import access_requests, accounts, backups, lgsp, retention

    granted = READ_PERMISSIONS + VIEW_PERMISSIONS + API_PERMISSIONS
    menus = (backups.permissions_of_role, retention.permissions_of_role, access_requests.permissions_of_role,
             lgsp.permissions_of_role, accounts.permissions_of_role)
    return {code: [*granted, *(permission for menu in menus for permission in menu(code))]
            for code in roles.ROLES if code != roles.SYSTEM_ADMIN}
