"""Sessions read with their account (partnerships/auth/session_store.py): a signed-in request reads its
session, user and organisation in one query, and the shortcut never accepts what Django's own check
would refuse."""

import datetime

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from partnerships.auth.session_store import SessionStore
from partnerships.models import LoginSession, Organisation, User


def test_a_signed_in_session_reads_its_user_and_organisation_in_one_query(world, login):
    client = login(world.officer)
    store = SessionStore(session_key=client.session.session_key)
    with CaptureQueriesContext(connection) as captured:
        assert store[SESSION_KEY] == str(world.officer.pk)
        assert store.preloaded_user.organisation.name == world.officer.organisation.name
    assert len(captured.captured_queries) == 1


def test_a_page_is_served_to_the_account_read_with_the_session(world, login):
    client = login(world.officer)
    response = client.get(reverse("alerts:dashboard"))
    assert response.status_code == 200
    assert response.wsgi_request.user.pk == world.officer.pk


def test_a_changed_password_ends_the_session_read_with_the_account(world, login):
    client = login(world.officer)
    world.officer.set_password("un-tout-autre-mot-de-passe-2026")
    world.officer.save()
    response = client.get(reverse("alerts:dashboard"))
    assert response.status_code == 302
    assert not response.wsgi_request.user.is_authenticated


def test_a_deactivated_account_is_not_signed_in_by_its_session(world, login):
    client = login(world.officer)
    world.officer.is_active = False
    world.officer.save(update_fields=["is_active"])
    response = client.get(reverse("alerts:dashboard"))
    assert response.status_code == 302
    assert not response.wsgi_request.user.is_authenticated


def test_a_session_no_login_recorded_is_read_as_before(world, login):
    client = login(world.officer)
    LoginSession.objects.all().delete()
    response = client.get(reverse("alerts:dashboard"))
    assert response.status_code == 200
    assert response.wsgi_request.user.pk == world.officer.pk


def test_an_ended_session_is_anonymous_even_with_its_login_remembered(world, login):
    client = login(world.officer)
    key = client.session.session_key
    SessionStore(session_key=key).delete()
    assert LoginSession.objects.filter(session_key=key).exists()
    response = client.get(reverse("alerts:dashboard"))
    assert response.status_code == 302


def test_an_expired_session_is_anonymous_even_with_its_login_remembered(world, login):
    client = login(world.officer)
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(reverse("alerts:dashboard"))
    assert response.status_code == 302
    assert not response.wsgi_request.user.is_authenticated


def test_the_account_read_with_the_session_is_the_one_the_orm_reads_field_for_field(world, login):
    without_organisation = User.objects.create_user("sans-organisation", "sans@example.org")
    for user in (world.officer, world.landlord_agent, without_organisation):
        client = login(user)
        store = SessionStore(session_key=client.session.session_key)
        store.load()
        preloaded, stored = store.preloaded_user, User.objects.select_related("organisation").get(pk=user.pk)
        for field in User._meta.concrete_fields:
            assert getattr(preloaded, field.attname) == getattr(stored, field.attname), field.name
        with CaptureQueriesContext(connection) as captured:
            organisation = preloaded.organisation
        assert captured.captured_queries == []
        if stored.organisation is None:
            assert organisation is None
        else:
            for field in Organisation._meta.concrete_fields:
                assert getattr(organisation, field.attname) == getattr(stored.organisation, field.attname)
