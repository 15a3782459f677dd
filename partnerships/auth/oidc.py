"""OpenID Connect login (ProConnect-style provider): the backend mapping accounts to organisations,
the login views (404 while OIDC is not configured) and the provider's end-session URL."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.crypto import get_random_string
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from partnerships.errors import ApplicationError
from partnerships.models import IdentityMapping, IdentityMappingKind, Organisation, Role
from partnerships.services.accounts import invitation_accept
from partnerships.services.organisations import user_create

FAILURE_SESSION_KEY = "oidc_failure"
# Set by the invitation page's ProConnect button (partnerships.console.views.invitation_oidc).
INVITATION_SESSION_KEY = "passerelle_invitation"
REQUIRED_SETTINGS = (
    "OIDC_RP_CLIENT_SECRET",
    "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT",
    "OIDC_OP_USER_ENDPOINT",
    "OIDC_OP_JWKS_ENDPOINT",
)


@register(Tags.security)
def check_configuration(app_configs, **kwargs):
    # A client id alone shows the button; without the endpoints every login would end in an error.
    missing = [name for name in REQUIRED_SETTINGS if settings.OIDC_ENABLED and not getattr(settings, name)]
    if not missing:
        return []
    return [Error(f"OIDC_RP_CLIENT_ID is set but not {', '.join(missing)}", id="passerelle.E002")]


def organisation_for_identity(*, email: str, siret: str) -> tuple[Organisation, str] | None:
    """The organisation (and role) a new account joins: the local mapping table first (SIRET, then
    e-mail domain), then the one organisation with that SIRET, then the one whose contact e-mail has
    that domain. Several candidates is no answer: better refuse than guess between two services."""
    domain = email.rpartition("@")[2].lower()
    siret = siret.replace(" ", "")
    for kind, value in ((IdentityMappingKind.SIRET, siret), (IdentityMappingKind.EMAIL_DOMAIN, domain)):
        mapping = (
            IdentityMapping.objects.select_related("organisation").filter(kind=kind, value=value).first()
            if value
            else None
        )
        if mapping:
            return mapping.organisation, mapping.role
    for lookup, value in (({"siret": siret}, siret), ({"email__iendswith": f"@{domain}"}, domain)):
        candidates = list(Organisation.objects.filter(**lookup)[:2]) if value else []
        if len(candidates) == 1:
            return candidates[0], Role.AGENT
    return None


class OidcBackend(OIDCAuthenticationBackend):
    def verify_token(self, token, **kwargs):
        # mozilla-django-oidc checks the signature and the nonce; the audience and expiry are ours to check.
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud", self.OIDC_RP_CLIENT_ID)
        if self.OIDC_RP_CLIENT_ID not in (audience if isinstance(audience, list) else [audience]):
            raise SuspiciousOperation("The token was issued to another client.")
        if payload.get("exp", float("inf")) < time.time():
            raise SuspiciousOperation("The token has expired.")
        return payload

    def get_userinfo(self, access_token, id_token, payload):
        # mozilla-django-oidc verifies a signed-JWT userinfo (ProConnect's) with the provider's keys;
        # OpenID Connect Core 5.3.2 also requires it to describe the id token's subject.
        claims = super().get_userinfo(access_token, id_token, payload)
        if claims.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("The userinfo subject differs from the id token's.")
        return claims

    def create_user(self, claims):
        email = claims["email"].strip().lower()
        invitation_token = self.request.session.pop(INVITATION_SESSION_KEY, None)
        if invitation_token:
            # Invited: the account joins the invitation's organisation, if the provider's e-mail is the
            # invited one and the link is still valid.
            try:
                return invitation_accept(
                    token=invitation_token,
                    password=None,
                    email=email,
                    first_name=claims.get("given_name", ""),
                    last_name=claims.get("usual_name") or claims.get("family_name") or "",
                )
            except ApplicationError:
                self.request.session[FAILURE_SESSION_KEY] = "invitation"
                return None
        found = organisation_for_identity(email=email, siret=str(claims.get("siret") or ""))
        if found is None:
            self.request.session[FAILURE_SESSION_KEY] = "unmapped"
            return None
        organisation, role = found
        return user_create(
            email=email,
            password=None,
            organisation=organisation,
            role=role,
            first_name=claims.get("given_name", "")[:150],
            last_name=(claims.get("usual_name") or claims.get("family_name") or "")[:150],
        )


class _EnabledOnly:
    def dispatch(self, request, *args, **kwargs):
        if not settings.OIDC_ENABLED:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class AuthenticationRequestView(_EnabledOnly, OIDCAuthenticationRequestView):
    pass


class CallbackView(_EnabledOnly, OIDCAuthenticationCallbackView):
    @property
    def failure_url(self):
        return reverse("oidc_failure")


def provider_logout_url(request) -> str:
    """The provider's end-session URL for a session opened through it, "" otherwise."""
    id_token = request.session.get("oidc_id_token")
    if not (settings.OIDC_ENABLED and settings.OIDC_OP_LOGOUT_ENDPOINT and id_token):
        return ""
    query = urlencode(
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": request.build_absolute_uri(resolve_url(settings.LOGOUT_REDIRECT_URL)),
            "state": get_random_string(32),
        }
    )
    return f"{settings.OIDC_OP_LOGOUT_ENDPOINT}?{query}"
