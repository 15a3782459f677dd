"""A landlord operates in its own département and those listed on its organisation: every path that
sets an estate's commune refuses one elsewhere, with the same French message (HousingSite.clean)."""

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.test import RequestFactory

from partnerships.models import HousingSite
from partnerships.services.sites import site_create, site_update
from tests.factories import UserFactory

OUTSIDE = "hors des départements où le bailleur intervient"


def test_the_site_service_refuses_to_move_an_estate_outside_the_landlords_departements(world):
    with pytest.raises(ValidationError) as exc:
        site_update(actor=world.landlord_manager, site=world.site_creil, data={"commune": world.fdf})
    assert OUTSIDE in " ".join(exc.value.message_dict["commune"])
    world.site_creil.refresh_from_db()
    assert world.site_creil.commune == world.creil


def test_the_site_service_refuses_to_create_an_estate_outside_the_landlords_departements(world):
    with pytest.raises(ValidationError):
        site_create(
            actor=None,
            landlord=world.landlord,
            name="Ailleurs",
            reference="X1",
            address="1 rue",
            commune=world.fdf,
        )
    world.landlord.departments.add(world.martinique)
    site = site_create(
        actor=None,
        landlord=world.landlord,
        name="Ailleurs",
        reference="X1",
        address="1 rue",
        commune=world.fdf,
    )
    assert site.commune == world.fdf


def test_the_admin_form_refuses_a_commune_outside_the_landlords_departements(world):
    request = RequestFactory().get("/")
    request.user = UserFactory(organisation=None, is_superuser=True, is_staff=True, email="root@x.fr")
    model_admin = admin.site._registry[HousingSite]
    form_class = model_admin.get_form(request, world.site_creil)
    data = {k: v for k, v in model_to_dict(world.site_creil).items() if v is not None}
    form = form_class(data={**data, "commune": world.fdf.pk}, instance=world.site_creil)
    assert not form.is_valid()
    assert OUTSIDE in " ".join(form.errors["commune"])


def test_the_api_cannot_move_an_estate_to_another_departement(world, login):
    client = login(world.landlord_manager)
    url = f"/api/v1/sites/{world.site_creil.pk}/"
    response = client.patch(
        url, {"commune_insee": "97209", "commune": world.fdf.pk}, content_type="application/json"
    )
    assert response.status_code in (200, 400)
    world.site_creil.refresh_from_db()
    assert world.site_creil.commune == world.creil
