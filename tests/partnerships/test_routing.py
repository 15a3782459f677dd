import datetime

import pytest
from django.db import IntegrityError

from partnerships.errors import ApplicationError
from partnerships.models import TerritoryAssignment
from partnerships.routing import competent_unit, unrouted_reason
from partnerships.services.organisations import territory_assign
from tests.factories import CommuneFactory, PoliceUnitFactory, TerritoryFactory


def test_a_police_commune_is_routed_to_its_commissariat(world):
    assert competent_unit(world.creil) == world.police


def test_a_gendarmerie_commune_is_routed_to_its_brigade(world):
    assert competent_unit(world.meru) == world.gendarmerie


def test_a_commune_without_unit_has_no_competent_unit(world):
    assert competent_unit(world.nowhere) is None


def test_an_ended_assignment_no_longer_routes(world):
    TerritoryAssignment.objects.filter(commune=world.creil).update(valid_until=datetime.date(2024, 1, 1))
    assert competent_unit(world.creil) is None


def test_the_database_refuses_two_current_units_of_one_force_for_one_commune(world):
    with pytest.raises(IntegrityError):
        TerritoryFactory(unit=PoliceUnitFactory(department=world.oise), commune=world.creil)


def test_territory_assign_names_the_conflicting_communes_in_french(world):
    other = PoliceUnitFactory(name="Commissariat de Nogent", department=world.oise)
    with pytest.raises(ApplicationError) as exc:
        territory_assign(unit=other, communes=[world.creil, CommuneFactory(department=world.oise)])
    assert "Creil (Commissariat de Creil)" in exc.value.message
    assert not TerritoryAssignment.objects.filter(unit=other).exists()  # nothing half-written


def test_a_split_commune_routes_each_estate_by_its_own_force_and_asks_the_prefecture_until_set(world):
    TerritoryFactory(unit=world.gendarmerie, commune=world.creil)
    assert competent_unit(world.creil) is None
    assert unrouted_reason(world.creil) == "commune partagée entre police et gendarmerie"
    assert competent_unit(world.creil, "gendarmerie") == world.gendarmerie
    assert competent_unit(world.creil, "police") == world.police
    assert unrouted_reason(world.creil, "police") == ""


def test_only_force_units_may_own_a_territory(world):
    with pytest.raises(ApplicationError):
        territory_assign(unit=world.landlord, communes=[world.nowhere])


def test_a_redeployment_keeps_history_and_routes_to_the_new_force(world):
    TerritoryAssignment.objects.filter(commune=world.meru).update(valid_until=datetime.date(2025, 12, 31))
    territory_assign(unit=world.police, communes=[world.meru], valid_from=datetime.date(2026, 1, 1))
    assert competent_unit(world.meru) == world.police
    assert TerritoryAssignment.objects.filter(commune=world.meru).count() == 2
