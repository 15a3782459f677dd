"""What protects a password account before the lockout and the second factor: argon2 hashes, strong
passwords, sessions of one working day."""

import datetime

import pytest
import time_machine
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from partnerships.settings import base


def test_passwords_are_hashed_with_argon2_and_older_hashes_still_check(settings):
    # The test settings use a fast hasher: put back the real list.
    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS

    hashed = make_password("Une phrase de passe solide")

    assert hashed.startswith("argon2$")
    assert check_password(
        "Une phrase de passe solide", make_password("Une phrase de passe solide", None, "pbkdf2_sha256")
    )


@pytest.mark.parametrize(
    "password",
    ["Court-1", "123456789012345", "password1234", "agent@bailleur.fr1"],
    ids=["too short", "all digits", "common", "like the e-mail"],
)
def test_weak_passwords_are_refused(password, world):
    with pytest.raises(ValidationError):
        validate_password(password, user=world.landlord_agent)


def test_a_long_uncommon_password_is_accepted(world):
    validate_password("Le chat de la voisine dort au soleil", user=world.landlord_agent)


def test_a_session_ends_after_eight_hours(world, client):
    assert base.SESSION_COOKIE_AGE == 8 * 3600
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(world.landlord_agent)
        assert client.get("/sites/").status_code == 200
    with time_machine.travel(start + datetime.timedelta(hours=7, minutes=59), tick=False):
        assert client.get("/sites/").status_code == 200
    with time_machine.travel(start + datetime.timedelta(hours=8, minutes=1), tick=False):
        response = client.get("/sites/")

    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/")
