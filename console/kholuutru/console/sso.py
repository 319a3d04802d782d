"""Single sign-on over OpenID Connect: FAB's AUTH_OAUTH with one provider, the provincial SSO (authorisation code
flow with PKCE, issuer discovery through Authlib).

The console only *maps* the provider's claims to a ``DirectoryPerson``; which account that person gets, whether it
is usable yet and what the claims may change is decided by the archive (``kholuutru.archive.sso_accounts``).

FAB's own callback is replaced because it loses the reason a login did not end in a session: a person whose new
account awaits activation must be told so, not shown "invalid login". It also keeps the provider's tokens in the
(signed, not encrypted) session cookie; the console needs none of them after the login, so it keeps none.

With SSO on, the login page offers the SSO button and — while ``KHOLUUTRU_OIDC_LOCAL_LOGIN`` is on — the
break-glass password form, which the security manager's ``auth_user_db`` opens to system administrators only.
"""

from __future__ import annotations

import logging
from typing import Any

import jwt
from flask import abort, flash, g, redirect, request, session
from flask_appbuilder import expose
from flask_appbuilder.const import AUTH_DB, AUTH_OAUTH
from flask_appbuilder.security.forms import LoginForm_db
from flask_appbuilder.security.views import AuthOAuthView
from flask_appbuilder.utils.base import get_safe_redirect
from flask_babel import lazy_gettext as _
from flask_login import login_user
from werkzeug.wrappers import Response

from kholuutru.archive import sso_accounts
from kholuutru.archive.access import Actor
from kholuutru.archive.settings import Settings
from kholuutru.archive.sso_accounts import DirectoryPerson

from .context import console_context

log = logging.getLogger(__name__)

PROVIDER = "sso"
"""The provider's name in FAB's routes: the redirect URI registered at the provider is ``/oauth-authorized/sso``."""
SCOPES = "openid email profile"
SSO_ACTOR = Actor.system("sso")
"""Who the audit chain names for the accounts a login creates or updates: the platform acting on the provider's word."""


def auth_config(settings: Settings) -> dict[str, Any]:
    """FAB's login keys: AUTH_OAUTH with the provincial SSO when an issuer is configured, else local accounts."""
    if not settings.sso_enabled:
        return {"AUTH_TYPE": AUTH_DB}
    issuer = (settings.oidc_issuer or "").rstrip("/")
    return {
        "AUTH_TYPE": AUTH_OAUTH,
        "OAUTH_PROVIDERS": [
            {
                "name": PROVIDER,
                "icon": "fa-sign-in",
                "remote_app": {
                    "client_id": settings.oidc_client_id,
                    "client_secret": settings.sso_client_secret(),
                    "server_metadata_url": f"{issuer}/.well-known/openid-configuration",
                    # S256 makes Authlib send a PKCE challenge and keep the verifier in the session
                    "client_kwargs": {"scope": SCOPES, "code_challenge_method": "S256"},
                },
            }
        ],
    }


def person_from_claims(claims: dict[str, Any], settings: Settings) -> DirectoryPerson:
    """The person the ID token (or userinfo) describes: e-mail, names in Vietnamese order, unit code and roles.

    Vietnamese names: ``last_name`` holds the family and middle names ("Nguyễn Văn"), ``first_name`` the given name
    ("An"); without the split claims the full ``name`` is split before its last word.
    """
    given = str(claims.get("given_name") or "").strip()
    family = " ".join(str(claims.get(key) or "").strip() for key in ("family_name", "middle_name")).strip()
    if not given and claims.get("name"):
        family, _, given = str(claims["name"]).strip().rpartition(" ")
    unit = claims.get(settings.oidc_unit_claim) if settings.oidc_unit_claim else None
    roles = claims.get(settings.oidc_roles_claim) if settings.oidc_roles_claim else None
    if isinstance(roles, str):
        roles = roles.replace(",", " ").split()
    return DirectoryPerson(
        email=str(claims.get("email") or ""),
        first_name=given,
        last_name=family,
        unit_code=str(unit).strip() if unit else None,
        role_codes=frozenset(str(code) for code in roles) if isinstance(roles, list) else None,
    )


def password_login_permitted(user: Any) -> bool:
    """Whether ``user`` may log in with a password under the current settings (the archive's rule)."""
    settings = console_context().settings
    return sso_accounts.password_login_allowed(
        (role.name for role in user.roles), sso_enabled=settings.sso_enabled, local_login=settings.oidc_local_login
    )


class SsoAuthView(AuthOAuthView):
    """The login page with SSO, the break-glass password form, and the provider's callback."""

    login_template = "kholuutru/login_sso.html"

    @expose("/login/")
    @expose("/login/<provider>")
    def login(self, provider: str | None = None) -> Response | str:
        if provider is not None or (g.user is not None and g.user.is_authenticated):
            return super().login(provider)
        local = console_context().settings.oidc_local_login
        return self.render_template(
            self.login_template, title=self.title, appbuilder=self.appbuilder, provider=PROVIDER,
            form=LoginForm_db() if local else None, next=request.args.get("next", ""),
        )

    @expose("/login/local", methods=["POST"])
    def login_local(self) -> Response:
        """The break-glass password login; ``auth_user_db`` refuses everyone but system administrators."""
        if not console_context().settings.oidc_local_login:
            abort(404)
        form = LoginForm_db()
        user = form.validate_on_submit() and self.appbuilder.sm.auth_user_db(form.username.data, form.password.data)
        if not user:
            flash(str(_("Login failed. With single sign-on, only system administrators may log in with a password.")),
                  "warning")
            return redirect(self.appbuilder.get_url_for_login)
        login_user(user, remember=False)
        return redirect(self._get_safe_next_url())

    @expose("/oauth-authorized/<provider>")
    def oauth_authorized(self, provider: str) -> Response | tuple[str, int]:
        remote = self.appbuilder.sm.oauth_remotes.get(provider)
        if remote is None:
            abort(404)
        try:
            # checks the state, sends the PKCE verifier, validates the ID token (signature, issuer, audience, nonce)
            token = remote.authorize_access_token()
            claims = token.get("userinfo") or remote.userinfo(token=token)
        except Exception:  # any refusal or unverifiable answer of the provider ends the login, never in a 500
            log.warning("single sign-on login not completed", exc_info=True)
            flash(str(_("The single sign-on provider did not confirm the login. Please try again.")), "warning")
            return redirect(self.appbuilder.get_url_for_login)
        context = console_context()
        person = person_from_claims(dict(claims), context.settings)
        with context.database.session(SSO_ACTOR) as archive:  # an ArchiveError is shown by the error handler
            outcome = sso_accounts.sign_in(archive, SSO_ACTOR, person, province_roles_from_claim=(
                context.settings.oidc_province_roles_from_claim))
        if not outcome.active:
            page = self.render_template("kholuutru/sso_pending.html", appbuilder=self.appbuilder,
                                        email=sso_accounts.normalised_email(person.email), created=outcome.created)
            return page, 403
        user = self.appbuilder.sm.get_user_by_id(outcome.account_id)
        self.appbuilder.sm.update_user_auth_stat(user)
        login_user(user, remember=False)
        return redirect(self._next_from_state())

    def _next_from_state(self) -> str:
        """The page asked for before the login, which FAB's login step signed into the OAuth state."""
        try:
            state = jwt.decode(request.args["state"], session.pop("oauth_state"), algorithms=["HS256"])
        except (jwt.InvalidTokenError, KeyError):
            return self.appbuilder.get_url_for_index
        next_urls = state.get("next") or []
        return get_safe_redirect(next_urls[0]) if next_urls else self.appbuilder.get_url_for_index
