"""The TOTP second factor: optional for everyone, required by setting for some organisation kinds."""

import base64

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from partnerships.auth.otp import check_required_kinds
from tests.factories import DEFAULT_PASSWORD

ENROL = "/double-authentification/activer/"
VERIFY = "/double-authentification/"


def code(device, offset=0):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def password_login(client, user):
    response = client.post("/connexion/", {"username": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    return response


def confirmed_device(user):
    return TOTPDevice.objects.create(user=user, name="Téléphone", confirmed=True)


@pytest.fixture
def forces_need_otp(settings):
    settings.PASSERELLE_OTP_REQUIRED_KINDS = ["police", "gendarmerie", "prefecture"]


def test_enrolment_shows_a_qr_code_and_the_secret_for_manual_entry(world, client):
    client.force_login(world.landlord_agent)

    response = client.get(ENROL)

    assert response.status_code == 200
    page = response.content.decode()
    device = TOTPDevice.objects.get(user=world.landlord_agent, confirmed=False)
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    assert "<svg" in page
    assert secret[:4] in page
    assert response.context["secret"].replace(" ", "") == secret
    # A reload shows the same secret: the phone may have scanned it already.
    assert client.get(ENROL).context["secret"] == response.context["secret"]


def test_a_wrong_code_does_not_enrol(world, client):
    client.force_login(world.landlord_agent)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=world.landlord_agent)
    wrong = f"{(int(code(device)) + 1) % 1_000_000:06d}"

    response = client.post(ENROL, {"token": wrong})

    assert response.status_code == 200
    assert "Code incorrect ou expiré" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=world.landlord_agent, confirmed=True).exists()


def test_the_right_code_enrols_and_verifies_the_session(world, client):
    client.force_login(world.landlord_agent)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=world.landlord_agent)

    response = client.post(ENROL, {"token": code(device), "next": "/sites/"})

    assert response.status_code == 302
    assert response["Location"] == "/sites/"
    assert TOTPDevice.objects.get(user=world.landlord_agent).confirmed
    assert client.get("/sites/").status_code == 200


def test_an_enrolled_user_must_give_a_code_after_the_password(world, client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the wrong code below would otherwise delay the right one
    device = confirmed_device(world.landlord_agent)
    password_login(client, world.landlord_agent)

    response = client.get("/sites/")

    assert response.status_code == 302
    assert response["Location"].startswith(f"{VERIFY}?next=")
    response = client.post(
        f"{VERIFY}?next=/sites/", {"token": "000000" if code(device) != "000000" else "111111"}
    )
    assert response.status_code == 200
    assert "Code incorrect ou expiré" in response.content.decode()
    assert client.get("/sites/").status_code == 302

    response = client.post(VERIFY, {"token": code(device), "next": "/sites/"})

    assert response["Location"] == "/sites/"
    assert client.get("/sites/").status_code == 200


def test_a_code_is_accepted_only_once(world, client):
    device = confirmed_device(world.landlord_agent)
    token = code(device)
    password_login(client, world.landlord_agent)
    client.post(VERIFY, {"token": token})
    client.post("/deconnexion/")
    password_login(client, world.landlord_agent)

    response = client.post(VERIFY, {"token": token})

    assert response.status_code == 200
    assert "Code incorrect ou expiré" in response.content.decode()


def test_the_next_address_cannot_leave_the_site(world, client):
    device = confirmed_device(world.landlord_agent)
    password_login(client, world.landlord_agent)

    response = client.post(VERIFY, {"token": code(device), "next": "https://evil.example/"})

    assert response["Location"] == "/"


def test_without_the_setting_nobody_has_to_enrol(world, client):
    password_login(client, world.officer)

    assert client.get("/fiches/file/").status_code == 200


def test_the_setting_sends_force_and_prefecture_accounts_to_enrolment(world, client, forces_need_otp):
    for user in (world.officer, world.gendarme, world.prefect_agent):
        client.force_login(user)

        response = client.get("/annuaire/")

        assert response.status_code == 302, user
        assert response["Location"] == f"{ENROL}?next=/annuaire/"
        assert client.get(ENROL).status_code == 200


def test_the_setting_leaves_landlords_free(world, client, forces_need_otp):
    client.force_login(world.landlord_agent)

    assert client.get("/annuaire/").status_code == 200


def test_a_required_account_reaches_the_pages_once_enrolled(world, client, forces_need_otp):
    client.force_login(world.officer)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=world.officer)
    client.post(ENROL, {"token": code(device)})

    assert client.get("/annuaire/").status_code == 200


def test_the_api_refuses_an_unverified_session_with_a_french_message(world, client, forces_need_otp):
    client.force_login(world.officer)

    response = client.get("/api/v1/sites/")

    assert response.status_code == 403
    assert response.json()["code"] == "otp_required"
    assert "Double authentification requise" in response.json()["message"]


def test_the_api_refuses_the_password_alone_for_an_account_with_a_second_factor(
    world, client, forces_need_otp
):
    token = base64.b64encode(f"{world.officer.email}:{DEFAULT_PASSWORD}".encode()).decode()

    response = client.get("/api/v1/sites/", HTTP_AUTHORIZATION=f"Basic {token}")

    assert response.status_code == 403
    assert response.json()["code"] == "otp_required"


def test_logging_out_stays_possible_before_the_code(world, client, forces_need_otp):
    client.force_login(world.officer)

    response = client.post("/deconnexion/")

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_session_opened_before_the_requirement_is_held_at_its_next_request(world, client, forces_need_otp):
    client.force_login(world.officer)
    session = client.session
    del session["passerelle_second_factor"]
    session.save()

    assert client.get("/annuaire/")["Location"] == f"{ENROL}?next=/annuaire/"


def test_a_code_from_a_phone_a_step_late_is_accepted(world, client):
    device = confirmed_device(world.landlord_agent)
    password_login(client, world.landlord_agent)
    late = f"{totp(device.bin_key, t0=device.t0 + device.step, step=device.step):06d}"
    if late == code(device):
        pytest.skip("the clock is on a step boundary")

    response = client.post(VERIFY, {"token": late})

    assert response.status_code == 302


def test_a_wrong_code_makes_the_next_attempt_wait(world, client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # the default 1 s could pass on a slow machine
    device = confirmed_device(world.landlord_agent)
    password_login(client, world.landlord_agent)
    client.post(VERIFY, {"token": f"{(int(code(device)) + 1) % 1_000_000:06d}"})

    response = client.post(VERIFY, {"token": code(device)})

    assert response.status_code == 200
    assert client.get("/sites/").status_code == 302


def test_an_enrolled_and_verified_user_sees_that_the_second_factor_is_on(world, client):
    device = confirmed_device(world.landlord_agent)
    password_login(client, world.landlord_agent)
    client.post(VERIFY, {"token": code(device)})

    response = client.get(ENROL)

    assert "La double authentification est activée" in response.content.decode()
    assert TOTPDevice.objects.filter(user=world.landlord_agent).count() == 1


def test_a_misspelt_kind_in_the_setting_is_a_system_check_error(settings):
    settings.PASSERELLE_OTP_REQUIRED_KINDS = ["police", "gendarmeries"]

    errors = check_required_kinds(None)

    assert [error.id for error in errors] == ["passerelle.E001"]
    assert "gendarmeries" in errors[0].msg
    settings.PASSERELLE_OTP_REQUIRED_KINDS = ["police", "gendarmerie", "prefecture"]
    assert check_required_kinds(None) == []


def test_a_verified_session_whose_device_is_removed_must_give_a_code_again(world, client):
    # The account is handed to the views unwrapped (SecondFactorMiddleware): the device behind the
    # session is still read on every request, so its removal ends the verification at once.
    device = confirmed_device(world.landlord_agent)
    password_login(client, world.landlord_agent)
    client.post(VERIFY, {"token": code(device)})
    response = client.get("/sites/")
    assert response.status_code == 200
    assert type(response.wsgi_request.user) is type(world.landlord_agent)
    assert response.wsgi_request.user.is_verified()

    device.delete()

    response = client.get("/sites/")
    assert response.status_code == 302
    assert response["Location"].startswith(f"{VERIFY}?next=")
