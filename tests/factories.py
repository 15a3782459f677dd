"""Factories for the core (partnerships). App-specific factories live in tests/<app>/factories.py."""

import datetime

import factory
from factory.django import DjangoModelFactory

from partnerships.models import (
    Building,
    Commune,
    Department,
    HousingSite,
    Organisation,
    OrganisationKind,
    Role,
    SecurityCorrespondent,
    TerritoryAssignment,
    User,
)
from partnerships.services.permissions import grant, organisation_group, sync_membership
from partnerships.services.sites import OWNER_PERMS

DEFAULT_PASSWORD = "mot-de-passe-de-test-1"


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = "60"
    name = factory.LazyAttribute(lambda o: {"60": "Oise", "972": "Martinique"}.get(o.code, f"Dép. {o.code}"))


class CommuneFactory(DjangoModelFactory):
    class Meta:
        model = Commune
        django_get_or_create = ("insee_code",)

    department = factory.SubFactory(DepartmentFactory)
    insee_code = factory.Sequence(lambda n: f"{n % 1000:03d}{n // 1000:02d}"[:5].rjust(5, "9"))
    name = factory.Sequence(lambda n: f"Commune {n}")
    population = 10000


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.LANDLORD
    department = factory.SubFactory(DepartmentFactory)

    @factory.post_generation
    def with_group(obj, create, extracted, **kwargs):
        if create:
            organisation_group(obj)


class LandlordFactory(OrganisationFactory):
    kind = OrganisationKind.LANDLORD
    name = factory.Sequence(lambda n: f"Bailleur {n}")


class PoliceUnitFactory(OrganisationFactory):
    kind = OrganisationKind.POLICE
    name = factory.Sequence(lambda n: f"Commissariat {n}")


class GendarmerieUnitFactory(OrganisationFactory):
    kind = OrganisationKind.GENDARMERIE
    name = factory.Sequence(lambda n: f"Brigade {n}")


class PrefectureFactory(OrganisationFactory):
    kind = OrganisationKind.PREFECTURE
    name = factory.Sequence(lambda n: f"Préfecture {n}")


class MunicipalityFactory(OrganisationFactory):
    kind = OrganisationKind.MUNICIPALITY
    name = factory.Sequence(lambda n: f"Mairie {n}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.fr")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Martin{n}")
    organisation = factory.SubFactory(LandlordFactory)
    role = Role.AGENT
    password = factory.django.Password(DEFAULT_PASSWORD)

    @factory.post_generation
    def membership(obj, create, extracted, **kwargs):
        if create:
            sync_membership(obj)


class TerritoryFactory(DjangoModelFactory):
    class Meta:
        model = TerritoryAssignment

    unit = factory.SubFactory(PoliceUnitFactory)
    force = factory.LazyAttribute(lambda o: o.unit.kind)
    commune = factory.SubFactory(CommuneFactory)
    valid_from = datetime.date(2020, 1, 1)


class HousingSiteFactory(DjangoModelFactory):
    class Meta:
        model = HousingSite
        skip_postgeneration_save = True

    landlord = factory.SubFactory(LandlordFactory)
    name = factory.Sequence(lambda n: f"Résidence {n}")
    reference = factory.Sequence(lambda n: f"GRP-{n:05d}")
    address = factory.Sequence(lambda n: f"{n} rue de la République")
    postal_code = "60100"
    commune = factory.SubFactory(CommuneFactory)
    dwellings = 120

    @factory.post_generation
    def grants(obj, create, extracted, **kwargs):
        if create:
            grant(organisation=obj.landlord, perms=OWNER_PERMS, obj=obj)


class BuildingFactory(DjangoModelFactory):
    class Meta:
        model = Building

    site = factory.SubFactory(HousingSiteFactory)
    reference = factory.Sequence(lambda n: f"B{n}")
    entrances = "A, B"


class CorrespondentFactory(DjangoModelFactory):
    class Meta:
        model = SecurityCorrespondent

    organisation = factory.SubFactory(LandlordFactory)
    full_name = factory.Sequence(lambda n: f"Correspondant {n}")
    function = "Chargé de sécurité"
