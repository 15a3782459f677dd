"""One place turns business errors and Django's own into JSON (HackSoft styleguide shape)."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from partnerships.errors import ApplicationError


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Ressource introuvable.")
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied("Action non autorisée.")
    if isinstance(exc, exceptions.ParseError):
        # DRF's parsers word it in English with the parser's internals ("JSON parse error - ...").
        exc = exceptions.ParseError("Corps de la requête illisible : JSON ou formulaire mal formé.")
    if isinstance(exc, ApplicationError):
        from rest_framework.response import Response

        return Response({"message": exc.message, "code": exc.code, "extra": exc.extra}, status=exc.status)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc.detail, (list, dict)):
        response.data = {
            "message": "Données invalides.",
            "code": "invalid",
            "extra": {"fields": response.data},
        }
    else:
        response.data = {
            "message": str(exc.detail),
            "code": getattr(exc.detail, "code", "error"),
            "extra": {},
        }
    return response


def json_under_api(request, status: int, message: str, code: str):
    """The documented error shape for a request under /api/, None for a page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"message": message, "code": code, "extra": {}}, status=status)
    return None


# Django's own error views (urls.py handler400/403/404/500) for what never reaches DRF's handler: a
# URL that no route matches (an id such as `1.5`), a body too large, a bug. Under /api/ they answer
# JSON like every other API error, so a client never has to parse an HTML page; nothing of the error
# itself is shown.


def bad_request(request, exception):
    return json_under_api(request, 400, "Requête invalide.", "bad_request") or defaults.bad_request(
        request, exception
    )


def permission_denied(request, exception):
    return json_under_api(
        request, 403, "Action non autorisée.", "permission_denied"
    ) or defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    return json_under_api(request, 404, "Ressource introuvable.", "not_found") or defaults.page_not_found(
        request, exception
    )


def server_error(request):
    return json_under_api(
        request, 500, "Erreur interne du serveur : réessayez plus tard.", "server_error"
    ) or defaults.server_error(request)
