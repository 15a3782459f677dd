"""The demo data a newcomer logs into: both source situations, every login working, isolation intact."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from partnerships import demo
from partnerships.models import HousingSite, Organisation, TerritoryAssignment, User
from partnerships.permissions import site_policy
from partnerships.routing import competent_unit


@pytest.fixture
def demo_db(db):
    call_command("demo_data", "--if-empty", "--without-alerts", verbosity=0)


def test_every_documented_demo_login_authenticates(demo_db, rf):
    # A request, as the login page gives one: django-axes refuses to judge an attempt without it.
    for email, _role, _org in demo.logins():
        assert authenticate(rf.post("/connexion/"), email=email, password=demo.DEMO_PASSWORD) is not None, (
            email
        )


def test_demo_data_is_loaded_only_once(demo_db):
    users = User.objects.count()
    call_command("demo_data", "--if-empty", verbosity=0)
    assert User.objects.count() == users


def test_demo_estates_lie_in_both_police_and_gendarmerie_communes(demo_db):
    kinds = {
        competent_unit(site.commune).kind
        for site in HousingSite.objects.all()
        if competent_unit(site.commune)
    }
    assert kinds == {"police", "gendarmerie"}


def test_demo_territories_use_real_insee_codes(demo_db):
    creil = TerritoryAssignment.objects.get(commune__insee_code="60175")
    assert creil.commune.name == "Creil"
    assert creil.unit.name == "Commissariat de police de Creil"
    assert TerritoryAssignment.objects.get(commune__insee_code="97209").unit.name.endswith("Fort-de-France")


def test_a_demo_landlord_sees_only_its_own_estates(demo_db):
    simar_agent = User.objects.get(email=demo.demo_email("simar", "agent"))
    sites = site_policy.instances(simar_agent)
    assert sites.exists()
    assert set(sites.values_list("landlord__name", flat=True)) == {"SIMAR"}


def test_each_organisation_has_its_permission_group(demo_db):
    assert not Organisation.objects.filter(group__isnull=True).exists()


def test_each_app_loads_its_demo_data_after_the_apps_it_builds_on():
    assert [c.label for c in demo.demo_loaders()] == ["partnerships", "conventions", "alerts"]
    assert [c.label for c in demo.demo_loaders(skip=["alerts"])] == ["partnerships", "conventions"]
