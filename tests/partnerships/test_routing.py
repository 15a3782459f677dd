import datetime

import pytest
from django.db import IntegrityError

from partnerships.errors import ApplicationError
from partnerships.models import TerritoryAssignment
from partnerships.routing import competent_unit
from partnerships.services.organisations import territory_assign
from tests.factories import CommuneFactory, TerritoryFactory


def test_a_police_commune_is_routed_to_its_commissariat(world):
    assert competent_unit(world.creil) == world.police


def test_a_gendarmerie_commune_is_routed_to_its_brigade(world):
    assert competent_unit(world.meru) == world.gendarmerie


def test_a_commune_without_unit_has_no_competent_unit(world):
    assert competent_unit(world.nowhere) is None


def test_an_ended_assignment_no_longer_routes(world):
    TerritoryAssignment.objects.filter(commune=world.creil).update(valid_until=datetime.date(2024, 1, 1))
    assert competent_unit(world.creil) is None


def test_the_database_refuses_two_current_units_for_one_commune(world):
    with pytest.raises(IntegrityError):
        TerritoryFactory(unit=world.gendarmerie, commune=world.creil)


def test_territory_assign_names_the_conflicting_communes_in_french(world):
    with pytest.raises(ApplicationError) as exc:
        territory_assign(
            unit=world.gendarmerie, communes=[world.creil, CommuneFactory(department=world.oise)]
        )
    assert "Creil (Commissariat de Creil)" in exc.value.message
    assert TerritoryAssignment.objects.filter(unit=world.gendarmerie).count() == 1  # nothing half-written


def test_only_force_units_may_own_a_territory(world):
    with pytest.raises(ApplicationError):
        territory_assign(unit=world.landlord, communes=[world.nowhere])


def test_a_redeployment_keeps_history_and_routes_to_the_new_force(world):
    TerritoryAssignment.objects.filter(commune=world.meru).update(valid_until=datetime.date(2025, 12, 31))
    territory_assign(unit=world.police, communes=[world.meru], valid_from=datetime.date(2026, 1, 1))
    assert competent_unit(world.meru) == world.police
    assert TerritoryAssignment.objects.filter(commune=world.meru).count() == 2
