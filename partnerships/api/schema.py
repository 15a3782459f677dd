"""The OpenAPI schema says what every operation may answer, errors included: clients (and the
schemathesis run in tests/security) can rely on every documented status having a documented body."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """The body partnerships.api.exception_handlers writes for every error."""

    message = serializers.CharField(help_text="Message en français, à afficher tel quel")
    code = serializers.CharField()
    extra = serializers.DictField(help_text="Détails ; les erreurs par champ sont sous « fields »")


# Any operation may meet these: bad filters or bodies, an expired session, a role that may not act,
# an object of another organisation or a page past the end, a Basic login locked out (django-axes).
ERRORS = {
    "400": "Données invalides ou action impossible (message en français)",
    "401": "Authentification requise",
    "403": "Action non autorisée",
    "404": "Ressource inexistante ou non visible",
    "429": "Trop de tentatives de connexion échouées",
}
BODY_ERRORS = {"415": "Type de contenu non pris en charge"}


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = {**ERRORS, **(BODY_ERRORS if self.method in ("POST", "PUT", "PATCH") else {})}
        for code, description in errors.items():
            declared = responses.get(code, {})
            if "content" in declared:
                continue
            responses[code] = {
                **self._get_response_for_code(ErrorSerializer, code, direction=direction),
                "description": declared.get("description") or description,
            }
        return responses
