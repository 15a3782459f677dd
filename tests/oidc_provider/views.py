import json

from django.conf import settings
from django.http import HttpResponse
from jwcrypto import jwk, jwt
from oauth2_provider.models import get_application_model
from oauth2_provider.views import UserInfoView


class SignedUserInfoView(UserInfoView):
    """The userinfo as a JWT signed with the provider's key (content-type application/jwt), as
    ProConnect serves it."""

    def _create_userinfo_response(self, request):
        response = super()._create_userinfo_response(request)
        if response.status_code != 200:
            return response
        key = jwk.JWK.from_pem(settings.OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"].encode())
        claims = {
            **json.loads(response.content),
            "iss": request.build_absolute_uri("/o"),
            "aud": get_application_model().objects.get().client_id,
        }
        token = jwt.JWT(header={"alg": "RS256", "kid": key.thumbprint()}, claims=claims)
        token.make_signed_token(key)
        return HttpResponse(token.serialize(), content_type="application/jwt")
