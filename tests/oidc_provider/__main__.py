"""`python -m tests.oidc_provider <django command>`, plus `seed '<json>'`, which creates the relying
party's application and the provider's users."""

import json
import os
import sys


def seed(spec: dict):
    from django.contrib.auth.models import Group, User
    from oauth2_provider.models import get_application_model

    Application = get_application_model()
    Application.objects.create(
        name="Passerelle",
        client_id=spec["client_id"],
        client_secret=spec["client_secret"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=spec["redirect_uri"],
        post_logout_redirect_uris=spec["post_logout_redirect_uri"],
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )
    for person in spec["users"]:
        user = User.objects.create_user(
            person["username"],
            email=person["email"],
            password=person["password"],
            first_name=person.get("given_name", ""),
            last_name=person.get("usual_name", ""),
        )
        if person.get("siret"):
            user.groups.add(Group.objects.get_or_create(name=f"siret:{person['siret']}")[0])


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.oidc_provider.settings")
    if sys.argv[1:2] == ["seed"]:
        import django

        django.setup()
        seed(json.loads(sys.argv[2]))
    else:
        from django.core.management import execute_from_command_line

        execute_from_command_line([sys.argv[0], *sys.argv[1:]])
