"""DRF's Basic authentication with what the login page enforces: lockout and second factor."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import BasicScheme
from rest_framework import authentication, exceptions

from .otp import pending_step


class LockedOut(exceptions.APIException):
    status_code = 429
    default_code = "locked_out"
    default_detail = _(
        "Trop de tentatives de connexion échouées : compte bloqué temporairement. Réessayez plus tard "
        "ou contactez l'administrateur de Passerelle."
    )


class SecondFactorRequired(exceptions.PermissionDenied):
    default_code = "otp_required"
    default_detail = _(
        "Ce compte est protégé par une double authentification : l'accès à l'API par mot de passe seul "
        "est refusé. Utilisez une session ouverte dans le navigateur."
    )


class BasicAuthentication(authentication.BasicAuthentication):
    def authenticate_credentials(self, userid, password, request=None):
        try:
            user, auth = super().authenticate_credentials(userid, password, request)
        except exceptions.AuthenticationFailed:
            # django-axes flags the request it was given, which is DRF's, not the HttpRequest its
            # middleware sees: the lockout has to be reported here.
            if getattr(request, "axes_locked_out", False):
                raise LockedOut from None
            raise
        if pending_step(user):
            raise SecondFactorRequired
        return user, auth


class BasicAuthenticationScheme(BasicScheme):
    """The OpenAPI schema describes it as DRF's Basic scheme (else drf-spectacular warns, and
    `check --deploy` with it)."""

    target_class = BasicAuthentication
