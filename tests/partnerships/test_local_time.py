"""Local time: each département's zone, fiche times shown in it and named for readers elsewhere,
facts typed in the estate's zone, the digest at 07:00 local, working days counted locally."""

import datetime
import importlib
import uuid

import pytest
import time_machine
from django.apps import apps as django_apps
from django.urls import reverse

from alerts.escalation import digest, send_daily_digests
from alerts.models import Alert, OutboxEmail
from conventions.delays import add_working_days
from partnerships.importers.communes import _upsert_departments
from partnerships.localtime import fiche_time, iso_local
from partnerships.models import Department, Role, Substitution
from tests.alerts.factories import filed_alert
from tests.factories import (
    CommuneFactory,
    DepartmentFactory,
    HousingSiteFactory,
    LandlordFactory,
    PoliceUnitFactory,
    TerritoryFactory,
    UserFactory,
)

UTC = datetime.UTC


def utc(*args):
    return datetime.datetime(*args, tzinfo=UTC)


@pytest.fixture
def caretaker_972(world):
    return UserFactory(organisation=world.landlord_972, role=Role.AGENT, email="gardien@simar.mq")


@pytest.fixture
def reunion(world):
    """A Réunion landlord, estate, police unit and its manager."""
    department = DepartmentFactory(code="974", name="La Réunion")
    commune = CommuneFactory(insee_code="97411", name="Saint-Denis", department=department)
    unit = PoliceUnitFactory(name="Commissariat de Saint-Denis", department=department)
    TerritoryFactory(unit=unit, commune=commune)
    landlord = LandlordFactory(name="SHLMR", department=department)
    site = HousingSiteFactory(landlord=landlord, commune=commune, name="Les Camélias")
    agent = UserFactory(organisation=landlord, email="gardien@shlmr.re")
    manager = UserFactory(organisation=unit, role=Role.MANAGER, email="chef@saint-denis.re")
    return site, agent, manager


def test_each_departement_takes_its_zone_from_its_code_corsica_in_paris(db):
    assert DepartmentFactory(code="972").time_zone == "America/Martinique"
    assert DepartmentFactory(code="976").time_zone == "Indian/Mayotte"
    assert DepartmentFactory(code="2A").time_zone == "Europe/Paris"
    _upsert_departments({"974": "La Réunion", "975": "Saint-Pierre-et-Miquelon"})
    assert Department.objects.get(code="974").time_zone == "Indian/Reunion"
    assert Department.objects.get(code="975").time_zone == "America/Miquelon"


def test_the_data_migration_gives_every_overseas_departement_its_zone(db):
    Department.objects.bulk_create(
        [Department(code="973", name="Guyane"), Department(code="60", name="Oise")]
    )
    Department.objects.update(time_zone="Europe/Paris")  # what the new column held before the migration
    migration = importlib.import_module("partnerships.migrations.0009_department_time_zone")
    migration.fill_time_zones(django_apps, None)
    assert dict(Department.objects.values_list("code", "time_zone")) == {
        "973": "America/Cayenne",
        "60": "Europe/Paris",
    }


def test_a_martinique_time_is_its_wall_clock_time_and_named_for_a_paris_reader(world):
    facts = utc(2026, 3, 2, 6, 36)  # 02:36 in Fort-de-France, 07:36 in Paris
    assert fiche_time(facts, world.martinique, reader=world.prefecture_972) == "02/03/2026 02:36"
    assert fiche_time(facts, world.martinique, reader="60") == "02/03/2026 02:36 (heure de la Martinique)"
    assert iso_local(facts, "972") == "2026-03-02T02:36:00-04:00"


def test_the_zone_is_said_on_both_sides_of_pariss_daylight_saving_change(world):
    # Paris moves to summer time on 29 March 2026: Martinique is five hours behind, then six.
    before, after = utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 2, 30)
    assert fiche_time(before, "972", reader="60") == "28/03/2026 20:30 (heure de la Martinique)"
    assert fiche_time(after, "972", reader="60") == "28/03/2026 22:30 (heure de la Martinique)"
    assert fiche_time(after, "60", reader="972") == "29/03/2026 04:30 (heure de Paris)"


def test_a_reunion_fiche_just_after_local_midnight_belongs_to_the_new_local_day(world):
    new_year = utc(2026, 12, 31, 20, 30)  # 00:30 on 1 January in Saint-Denis (UTC+4)
    assert fiche_time(new_year, "974", reader="974") == "01/01/2027 00:30"
    assert fiche_time(new_year, "974", reader="974", fmt="d/m/Y") == "01/01/2027"
    assert fiche_time(new_year, "974", reader="60") == "01/01/2027 00:30 (heure de La Réunion)"


def test_a_zone_without_a_french_name_is_said_by_its_utc_offset(db):
    Department.objects.create(code="989", name="Clipperton", time_zone="Pacific/Pitcairn")
    assert fiche_time(utc(2026, 1, 1, 12, 0), "989", reader="60") == "01/01/2026 04:00 (UTC−08:00)"


def test_a_martinique_caretaker_filing_at_0236_local_sees_0236_prefilled_and_records_it(
    world, login, caretaker_972
):
    client = login(caretaker_972)
    url = f"{reverse('alerts:create')}?site={world.site_972.pk}"
    with time_machine.travel(utc(2026, 3, 2, 6, 36, 20), tick=False):
        page = client.get(url).content.decode()
        response = client.post(
            url,
            {
                "idempotency_key": str(uuid.uuid4()),
                "category": "drugs",
                "subcategory": "deal_point",
                "place_type": "hall",
                "facts_at": "2026-03-02T02:20",
                "urgency": "normal",
                "description": "Regroupement dans le hall.",
                "people_count": "3",
                "complaint": "no",
                "action": "submit",
            },
        )
    assert 'value="2026-03-02T02:36"' in page
    assert response.status_code == 302
    assert Alert.objects.get(site=world.site_972).facts_at == utc(2026, 3, 2, 6, 20)


def test_the_fiche_page_shows_martinique_times_and_names_the_zone_only_for_a_reader_elsewhere(
    world, login, caretaker_972, django_user_model
):
    with time_machine.travel(utc(2026, 3, 2, 6, 40), tick=False):
        alert = filed_alert(site=world.site_972, reporter=caretaker_972, facts_at=utc(2026, 3, 2, 6, 36))
    url = reverse("alerts:detail", args=[alert.pk])
    local_reader = login(world.prefect_972).get(url).content.decode()
    assert "02/03/2026 02:36" in local_reader
    assert "heure de la Martinique" not in local_reader
    admin = django_user_model.objects.create_superuser(email="admin@passerelle.fr", password="x-Long-pass-1")
    paris_reader = login(admin).get(url).content.decode()
    assert "02/03/2026 02:36 (heure de la Martinique)" in paris_reader


def test_the_api_gives_a_fiches_times_with_the_offset_of_its_zone(world, login, caretaker_972):
    with time_machine.travel(utc(2026, 3, 2, 6, 40), tick=False):
        alert = filed_alert(site=world.site_972, reporter=caretaker_972, facts_at=utc(2026, 3, 2, 6, 36))
    body = login(caretaker_972).get(f"/api/v1/alerts/{alert.pk}/").json()
    assert body["facts_at"] == "2026-03-02T02:36:00-04:00"
    listed = login(world.prefect_972).get("/api/v1/alerts/").json()["results"]
    assert listed[0]["facts_at"] == "2026-03-02T02:36:00-04:00"


def test_a_naive_facts_time_sent_to_the_api_is_the_estates_wall_clock_time(world, login, caretaker_972):
    with time_machine.travel(utc(2026, 3, 2, 6, 40), tick=False):
        response = login(caretaker_972).post(
            "/api/v1/alerts/",
            {
                "site": world.site_972.pk,
                "category": "drugs",
                "subcategory": "deal_point",
                "place_type": "hall",
                "facts_at": "2026-03-02T02:36",
                "urgency": "normal",
                "description": "Regroupement dans le hall.",
                "complaint": "no",
            },
            content_type="application/json",
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
    assert response.status_code == 201, response.content
    assert Alert.objects.get(site=world.site_972).facts_at == utc(2026, 3, 2, 6, 36)


def test_the_csv_export_gives_a_martinique_fiches_times_in_its_zone(world, login, caretaker_972):
    with time_machine.travel(utc(2026, 3, 2, 6, 40), tick=False):
        filed_alert(site=world.site_972, reporter=caretaker_972, facts_at=utc(2026, 3, 2, 6, 36))
    response = login(world.prefect_972).get(reverse("alerts:export"))
    assert "02/03/2026 02:36" in b"".join(response.streaming_content).decode()


def test_the_daily_digest_goes_at_seven_local_time_once_per_local_day(world, reunion):
    site, agent, manager = reunion
    with time_machine.travel(utc(2026, 3, 2, 1, 0), tick=False):
        filed_alert(site=site, reporter=agent)
    # 07:00 in Saint-Denis is 03:00 UTC (04:00 in Paris: nobody in the Oise gets one then).
    with time_machine.travel(utc(2026, 3, 3, 2, 0), tick=False):
        assert send_daily_digests() == 0
    with time_machine.travel(utc(2026, 3, 3, 3, 0), tick=False):
        assert send_daily_digests() == 1
    with time_machine.travel(utc(2026, 3, 3, 3, 59), tick=False):
        assert send_daily_digests() == 0
    digest = OutboxEmail.objects.get(key__startswith="digest:")
    assert digest.to == [manager.email]
    assert digest.key.endswith(":2026-03-03")
    with time_machine.travel(utc(2026, 3, 4, 3, 0), tick=False):
        assert send_daily_digests() == 1  # the next local day


@pytest.mark.parametrize(
    ("where", "digest_hour", "run_at", "read_by"),
    [
        # 00:30 on 4 March in Saint-Denis, still 21:30 on 3 March in Paris: the absence (through
        # 3 March) is over locally, the manager reads their own digest again.
        ("974", 0, utc(2026, 3, 3, 20, 30), "manager"),
        # 23:30 on 3 March in Fort-de-France, already 04:30 on 4 March in Paris: still absent
        # locally, the substitute reads it.
        ("972", 23, utc(2026, 3, 4, 3, 30), "substitute"),
    ],
)
def test_the_digest_picks_the_substitute_on_the_recipients_local_day_not_paris(
    world, reunion, monkeypatch, where, digest_hour, run_at, read_by
):
    if where == "974":
        site, agent, manager = reunion
    else:
        site, agent = world.site_972, UserFactory(organisation=world.landlord_972, email="gardien@simar.mq")
        manager = UserFactory(organisation=world.police_972, role=Role.MANAGER, email="chef@fdf.mq")
    substitute = UserFactory(
        organisation=manager.organisation, role=Role.MANAGER, email=f"adjoint-{where}@x.fr"
    )
    # The absence ends at local midnight between 3 and 4 March (ends_on is inclusive).
    Substitution.objects.create(
        user=manager,
        substitute=substitute,
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2026, 3, 3),
    )
    with time_machine.travel(run_at - datetime.timedelta(days=2), tick=False):
        filed_alert(site=site, reporter=agent)
    # At 07:00 the local day and Paris's agree for these two: the digest hour moved to where they don't.
    monkeypatch.setattr(digest, "DIGEST_HOUR", digest_hour)

    with time_machine.travel(run_at, tick=False):
        send_daily_digests()

    mail = OutboxEmail.objects.get(key__startswith=f"digest:{manager.pk}:")
    assert mail.to == [(manager if read_by == "manager" else substitute).email]
    assert ("suppléance" in mail.subject) == (read_by == "substitute")


def test_working_days_are_counted_in_the_departements_local_days_and_holidays(db):
    # Friday 22 May 2026, 21:00 in Fort-de-France: already Saturday 03:00 in Paris. 22 May is
    # Martinique's abolition of slavery day (a holiday there only); Monday 25 May is Whit Monday.
    friday_evening = utc(2026, 5, 23, 1, 0)
    due = add_working_days(friday_evening, 1, "972")
    assert due.astimezone(datetime.timezone(datetime.timedelta(hours=-4))).replace(tzinfo=None) == (
        datetime.datetime(2026, 5, 26, 21, 0)
    )
    # Counted in Paris's days, the same instant (a Saturday) gives Tuesday 03:00 Paris time.
    assert add_working_days(friday_evening, 1, "60") == utc(2026, 5, 26, 1, 0)
