"""Unit accounts (regulation Ch. II, Đ11.2–4): a unit admin's screen over the archive's account service.

A unit admin sees, creates and grants rights to the accounts of their own unit only, with the roles they may grant;
they lock an account on a written request (reason, the requesting document's number and date, who asked) and lift
the lock. The system administrator does the same for every unit and alone transfers an account to another unit or
retires it. The "locked accounts" page lists who cannot sign in, and why. Every rule is the service's: this page
only shows the forms the rights table allows and hands the input over.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from kholuutru.archive import accounts, rights
from kholuutru.archive.access import Actor, may
from kholuutru.archive.errors import ArchiveError
from kholuutru.archive.models import Unit
from kholuutru.archive.roles import ROLES

from ..i18n import role_label
from ..suspension import format_since
from .forms import FormState, chosen_unit, form_values, transaction, whole_number

PERMISSION = "AccountsView"
MENU = "Unit accounts"
NEW_KEYS = ("username", "last_name", "first_name", "email", "position", "password")
REQUEST_KEYS = ("reason", "document_number", "document_date", "requested_by")
FORMS: dict[str, tuple[str, ...]] = {
    "roles": ("roles",),
    "lock": REQUEST_KEYS,
    "unlock": ("unlock_reason",),
    "transfer": ("unit_id", *REQUEST_KEYS),
    "retire": REQUEST_KEYS,
}
ALIASES = {"unlock": {"reason": "unlock_reason"}}


def permissions_of_role(code: str) -> list[tuple[str, str]]:
    """The menu entry goes to the roles that may see accounts (unit admins, inspectors; the system admin anyway)."""
    return [(MENU, "menu_access")] if code in rights.holders("accounts.view") else []


def role_choices(codes: frozenset[str]) -> list[tuple[str, str]]:
    """Role codes with their labels, in the order of DOMAIN.md."""
    return [(code, role_label(code)) for code in ROLES if code in codes]


def account_request(values: dict[str, str]) -> accounts.AccountRequest:
    return accounts.AccountRequest.clean(**{key: values[key] for key in REQUEST_KEYS})


class AccountsView(BaseView):
    """A unit's accounts, one account's rights and locks, and the list of locked accounts."""

    route_base = "/accounts"
    class_permission_name = PERMISSION
    default_view = "index"

    @expose("/", methods=["GET", "POST"])
    @has_access
    @permission_name("read")
    def index(self) -> Response | tuple[str, int]:
        """The unit's accounts and the form to create one."""
        if request.method == "GET":
            return self.index_page(FormState())
        values = {**form_values(NEW_KEYS), "roles": request.form.getlist("roles")}
        try:
            with transaction() as (session, actor):
                unit_id = chosen_unit(session, actor).unit_id  # ?unit= for the system admin
                account = accounts.create_account(
                    session, actor, username=values["username"], password=values["password"],
                    first_name=values["first_name"], last_name=values["last_name"], email=values["email"],
                    unit_id=unit_id, role_codes=values["roles"], position=values["position"])
                account_id = account.id
        except ArchiveError as error:
            kept = {**values, "password": ""}
            return self.index_page(FormState.after(error, kept, (*NEW_KEYS, "roles")), error.http_status)
        flash(gettext("The account %(username)s was created.", username=values["username"].strip().lower()),
              "success")
        return redirect(url_for(".account", account_id=account_id))

    def index_page(self, form: FormState, status: int = 200) -> tuple[str, int]:
        with transaction() as (session, actor):
            unit = chosen_unit(session, actor)
            page = self.render_template(
                "kholuutru/accounts.html", unit=unit, accounts=accounts.list_accounts(session, actor, unit.unit_id),
                form=form, grantable=role_choices(accounts.grantable_roles(actor, unit.unit_id)),
                chosen_roles=set(form.values.get("roles") or ()), role_label=role_label,
                may_manage=may(actor, "accounts.manage", unit.unit_id),
            )
            return page, status

    @expose("/<int:account_id>")
    @has_access
    @permission_name("read")
    def account(self, account_id: int) -> tuple[str, int]:
        """One account: its roles, its lock if any, and the forms the actor may use on it."""
        return self.account_page(account_id, None, FormState())

    def account_page(self, account_id: int, failed: str | None, form: FormState, status: int = 200
                     ) -> tuple[str, int]:
        with transaction() as (session, actor):
            account = accounts.get_account(session, actor, account_id)
            held = frozenset(role.name for role in account.roles)
            grantable = accounts.grantable_roles(actor, account.unit_id)
            forms = {name: (form if name == failed else FormState()) for name in FORMS}
            if failed != "roles":
                forms["roles"] = FormState(values={"roles": sorted(held)})
            page = self.render_template(
                "kholuutru/account.html", account=account, lock=accounts.open_lock(session, actor, account_id),
                forms=forms, role_label=role_label, held=held,
                grantable=role_choices(grantable), chosen_roles=set(forms["roles"].values.get("roles") or ()),
                may_manage=may(actor, "accounts.manage", account.unit_id) and held <= grantable,
                may_move=may(actor, "accounts.move"), is_self=account.id == actor.user_id, vietnam_time=format_since,
                units=_unit_choices(session) if may(actor, "accounts.move") else [],
            )
            return page, status

    @expose("/<int:account_id>/roles", methods=["POST"])
    @has_access
    @permission_name("write")
    def roles(self, account_id: int) -> Response | tuple[str, int]:
        """Give the account exactly the ticked roles."""
        codes = request.form.getlist("roles")
        return self.act(account_id, "roles", {"roles": codes},
                        lambda session, actor, _values: accounts.set_roles(session, actor, account_id, codes),
                        gettext("The roles were saved."))

    @expose("/<int:account_id>/lock", methods=["POST"])
    @has_access
    @permission_name("write")
    def lock(self, account_id: int) -> Response | tuple[str, int]:
        """Lock the account on the unit's written request."""
        return self.act(account_id, "lock", form_values(REQUEST_KEYS),
                        lambda session, actor, values: accounts.lock_account(session, actor, account_id,
                                                                             account_request(values)),
                        gettext("The account was locked; its open sessions end on their next request."))

    @expose("/<int:account_id>/unlock", methods=["POST"])
    @has_access
    @permission_name("write")
    def unlock(self, account_id: int) -> Response | tuple[str, int]:
        """Lift the account's lock."""
        return self.act(account_id, "unlock", form_values(("unlock_reason",)),
                        lambda session, actor, values: accounts.unlock_account(session, actor, account_id,
                                                                               values["unlock_reason"]),
                        gettext("The account was unlocked."))

    @expose("/<int:account_id>/transfer", methods=["POST"])
    @has_access
    @permission_name("write")
    def transfer(self, account_id: int) -> Response | tuple[str, int]:
        """Move the account to another unit (every role of the old unit is dropped)."""
        return self.act(account_id, "transfer", form_values(("unit_id", *REQUEST_KEYS)),
                        lambda session, actor, values: accounts.transfer_account(
                            session, actor, account_id, whole_number(values["unit_id"]) or 0,
                            account_request(values)),
                        gettext("The account was moved to its new unit without any role; grant the roles it "
                                "needs there."))

    @expose("/<int:account_id>/retire", methods=["POST"])
    @has_access
    @permission_name("write")
    def retire(self, account_id: int) -> Response | tuple[str, int]:
        """Disable the account for good (retirement)."""
        return self.act(account_id, "retire", form_values(REQUEST_KEYS),
                        lambda session, actor, values: accounts.retire_account(session, actor, account_id,
                                                                               account_request(values)),
                        gettext("The account was retired."))

    def act(self, account_id: int, name: str, values: dict[str, Any],
            change: Callable[[Session, Actor, dict[str, Any]], object], done: str) -> Response | tuple[str, int]:
        """Run one change of the account page; on refusal show the page again with that form's input kept."""
        try:
            with transaction() as (session, actor):
                change(session, actor, values)
        except ArchiveError as error:
            form = FormState.after(error, values, FORMS[name], ALIASES.get(name))
            return self.account_page(account_id, name, form, error.http_status)
        flash(done, "success")
        return redirect(url_for(".account", account_id=account_id))

    @expose("/locked")
    @has_access
    @permission_name("read")
    def locked(self) -> tuple[str, int]:
        """Accounts that cannot sign in: who, why, on whose written request, locked by whom and when."""
        with transaction() as (session, actor):
            unit = chosen_unit(session, actor)
            page = self.render_template("kholuutru/locked_accounts.html", unit=unit, vietnam_time=format_since,
                                        locks=accounts.locked_accounts(session, actor, unit.unit_id))
            return page, 200


def _unit_choices(session: Session) -> list[tuple[int, str]]:
    return [(unit_id, f"{code} — {name}") for unit_id, code, name in
            session.execute(select(Unit.id, Unit.code, Unit.name).order_by(Unit.code))]
