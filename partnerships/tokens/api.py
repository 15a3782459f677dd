"""`Authorization: Bearer <token>` for the API. The token authenticates its service account, a User of
the organisation with a role, so every policy applies unchanged; the scope then narrows which
operations the account may call (TokenScopePermission), and each token has its own rate
(TokenRateThrottle)."""

import hashlib
import hmac

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions, throttling
from rest_framework.authentication import get_authorization_header

from partnerships.models import ApiToken, TokenScope

TOKEN_PREFIX = "psr_"
# last_used_at is written at most this often per token: not one UPDATE per API call.
LAST_USE_PRECISION = 60


def digest(secret: str) -> str:
    """SHA-256 of the whole token. The token carries 256 random bits: a slow password hasher, made for
    guessable passwords, would only add its cost to every API call."""
    return hashlib.sha256(secret.encode()).hexdigest()


def split(token: str) -> str | None:
    """The public prefix of a well-formed token, else None."""
    if not token.startswith(TOKEN_PREFIX) or "." not in token:
        return None
    return token[len(TOKEN_PREFIX) :].partition(".")[0] or None


class InvalidToken(exceptions.APIException):
    """401 whatever the other authentication classes are (DRF turns its own AuthenticationFailed into
    a 403 when the first class, the session, asks for no WWW-Authenticate header)."""

    status_code = 401
    default_code = "invalid_token"
    default_detail = _("Jeton d'API invalide.")
    auth_header = 'Bearer realm="api", error="invalid_token"'


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise InvalidToken
        token = parts[1].decode("latin-1")
        prefix = split(token)
        row = (
            ApiToken.objects.select_related("account__organisation").filter(prefix=prefix).first()
            if prefix
            else None
        )
        if row is None or not hmac.compare_digest(row.digest, digest(token)):
            raise InvalidToken
        now = timezone.now()
        if row.revoked_at is not None or not row.account.is_active:
            raise InvalidToken(_("Ce jeton d'API a été révoqué."), code="token_revoked")
        if row.expires_at <= now:
            raise InvalidToken(_("Ce jeton d'API a expiré."), code="token_expired")
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() >= LAST_USE_PRECISION:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        return row.account, row

    def authenticate_header(self, request):
        # This class comes first, so its challenge is the 401's: the scheme the client tried (a token),
        # else Basic, the scheme of a person's scripts.
        scheme = get_authorization_header(request).split(b" ", 1)[0].decode("latin-1").lower()
        return f'{self.keyword} realm="api"' if scheme == self.keyword.lower() else 'Basic realm="api"'


class TokenScopePermission(permissions.BasePermission):
    """A token reads; it writes only through the operations its scope names. An API view lists its
    writes in `token_scopes` ({action: TokenScope}); a write not listed is refused to every token
    (estates' PATCH, conventions). Requests not made with a token pass untouched."""

    message = _("La portée de ce jeton d'API ne permet pas cette opération.")

    def has_permission(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken) or request.method in permissions.SAFE_METHODS:
            return True
        required = getattr(view, "token_scopes", {}).get(getattr(view, "action", None))
        return required is not None and TokenScope.allows(token.scope, required)


class TokenRateThrottle(throttling.SimpleRateThrottle):
    """Each token its own budget (`PASSERELLE_API_TOKEN_RATE`); people are not throttled here."""

    scope = "api_token"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "jetonApi"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "Jeton d'API créé par l'administrateur de l'organisation (« Jetons d'API ») : "
                "`Authorization: Bearer psr_…`. Il agit comme un compte de service de l'organisation, "
                "avec son rôle, dans la limite de sa portée."
            ),
        }
