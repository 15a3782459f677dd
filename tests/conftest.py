import pytest

from partnerships import reference_cache
from partnerships.models import Role
from tests.factories import (
    CommuneFactory,
    DepartmentFactory,
    GendarmerieUnitFactory,
    HousingSiteFactory,
    LandlordFactory,
    MunicipalityFactory,
    PoliceUnitFactory,
    PrefectureFactory,
    TerritoryFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Each test writes uploads to its own folder, never the developer's var/."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": "/nonexistent/"},
        },
    }
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _reference_data_read_afresh():
    """Each test starts with no cached reference data: a rolled-back database sends no signal, and
    the next test's rows may reuse the same keys (partnerships/reference_cache.py)."""
    reference_cache.forget()


@pytest.fixture(autouse=True)
def _broker_not_marked_down(monkeypatch):
    """A test that stops the broker leaves the process holding its e-mail publishes for 30 s
    (alerts.outbox.BROKER_RETRY_AFTER): the next test starts with the broker presumed up."""
    monkeypatch.setattr("alerts.outbox._broker_down_until", 0.0)


class World:
    """Two départements, two landlords, police and gendarmerie units, a prefecture and a mairie:
    the smallest set where every line of the permission matrix (who sees what) can be checked."""

    def __init__(self):
        self.oise = DepartmentFactory(code="60", name="Oise")
        self.martinique = DepartmentFactory(code="972", name="Martinique")
        self.creil = CommuneFactory(insee_code="60175", name="Creil", department=self.oise)
        self.meru = CommuneFactory(insee_code="60395", name="Méru", department=self.oise)
        self.nowhere = CommuneFactory(insee_code="60001", name="Abbecourt", department=self.oise)
        self.fdf = CommuneFactory(insee_code="97209", name="Fort-de-France", department=self.martinique)

        self.prefecture = PrefectureFactory(name="Préfecture de l'Oise", department=self.oise)
        self.prefecture_972 = PrefectureFactory(
            name="Préfecture de la Martinique", department=self.martinique
        )
        self.ddsp = PoliceUnitFactory(name="DDSP de l'Oise", department=self.oise)
        self.police = PoliceUnitFactory(name="Commissariat de Creil", department=self.oise, parent=self.ddsp)
        self.groupement = GendarmerieUnitFactory(name="Groupement de l'Oise", department=self.oise)
        self.gendarmerie = GendarmerieUnitFactory(
            name="Brigade de Méru", department=self.oise, parent=self.groupement
        )
        self.police_972 = PoliceUnitFactory(name="Commissariat de Fort-de-France", department=self.martinique)
        TerritoryFactory(unit=self.police, commune=self.creil)
        TerritoryFactory(unit=self.gendarmerie, commune=self.meru)
        TerritoryFactory(unit=self.police_972, commune=self.fdf)

        self.landlord = LandlordFactory(name="Habitat Picard (fictif)", department=self.oise)
        self.other_landlord = LandlordFactory(name="Logis de l'Oise (fictif)", department=self.oise)
        self.landlord_972 = LandlordFactory(name="SIMAR", department=self.martinique)
        self.mairie = MunicipalityFactory(name="Mairie de Creil", department=self.oise)
        self.mairie.communes.add(self.creil)

        self.site_creil = HousingSiteFactory(
            landlord=self.landlord, commune=self.creil, name="Les Hauts de Creil"
        )
        self.site_meru = HousingSiteFactory(landlord=self.landlord, commune=self.meru, name="La Nacre")
        self.site_nowhere = HousingSiteFactory(landlord=self.landlord, commune=self.nowhere, name="Le Moulin")
        self.other_site = HousingSiteFactory(
            landlord=self.other_landlord, commune=self.creil, name="Le Plateau"
        )
        self.site_972 = HousingSiteFactory(landlord=self.landlord_972, commune=self.fdf, name="Cité Dillon")

        self.landlord_agent = UserFactory(
            organisation=self.landlord, role=Role.AGENT, email="agent@bailleur.fr"
        )
        self.landlord_manager = UserFactory(
            organisation=self.landlord, role=Role.MANAGER, email="referent@bailleur.fr"
        )
        self.other_landlord_agent = UserFactory(organisation=self.other_landlord, email="agent@autre.fr")
        self.officer = UserFactory(organisation=self.police, email="officier@creil.fr")
        self.gendarme = UserFactory(organisation=self.gendarmerie, email="gendarme@meru.fr")
        self.ddsp_manager = UserFactory(organisation=self.ddsp, role=Role.MANAGER, email="chef@ddsp.fr")
        self.police_manager = UserFactory(organisation=self.police, role=Role.MANAGER, email="chef@creil.fr")
        self.prefect_agent = UserFactory(
            organisation=self.prefecture, role=Role.MANAGER, email="referent@oise.pref.fr"
        )
        self.prefect_972 = UserFactory(
            organisation=self.prefecture_972, role=Role.MANAGER, email="referent@martinique.pref.fr"
        )
        self.mayor = UserFactory(organisation=self.mairie, email="maire@creil.fr")


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login
