from oauth2_provider.oauth2_validators import OAuth2Validator


class Validator(OAuth2Validator):
    """ProConnect's claims: e-mail, given_name, usual_name and the SIRET of the agent's employer
    (kept here as a group named "siret:<number>")."""

    # Every claim goes into the userinfo, whatever scope maps to it.
    oidc_claim_scope = None

    def get_additional_claims(self, request):
        user = request.user
        siret = next(
            (g.name.removeprefix("siret:") for g in user.groups.all() if g.name.startswith("siret:")), ""
        )
        return {
            "email": user.email,
            "given_name": user.first_name,
            "usual_name": user.last_name,
            "siret": siret,
        }
