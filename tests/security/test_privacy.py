"""Privacy (RGPD): minimal data in the forms, the reporter hidden from the forces, and the retention
period after which closed fiches are anonymised while the statistics stay the same."""

import datetime
import os
import threading
import time
from io import StringIO

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from alerts import services
from alerts.forms import AlertForm
from alerts.models import Alert, AlertEvent, Attachment, Notification, OutboxEmail, Outcome
from alerts.retention import run_retention
from conventions import indicators
from conventions.permissions import indicator_reader
from partnerships.celery import app
from partnerships.models import AuditAction, AuditEntry
from tests.alerts.factories import PNG, alert_data, upload

pytestmark = pytest.mark.django_db

SUSPECT_WORDS = ("suspect", "auteur", "nom", "name", "identit", "mis_en_cause")


def test_no_structured_field_of_a_fiche_can_name_a_suspect():
    fields = [f.name for f in Alert._meta.get_fields()] + list(AlertForm.base_fields)
    assert [name for name in fields if any(word in name for word in SUSPECT_WORDS)] == []


def test_the_filing_form_and_the_fiche_page_warn_against_naming_suspects_in_free_text(world, login):
    client = login(world.landlord_agent)
    form = client.get(reverse("alerts:create") + f"?site={world.site_creil.pk}").content.decode()
    assert "Ne nommez pas de suspect" in form
    alert = services.alert_file(actor=world.landlord_agent, site=world.site_creil, data=alert_data())
    page = login(world.officer).get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    assert 'data-testid="free-text-warning"' in page


def test_the_reporter_stays_hidden_from_the_forces_by_default_in_pages_api_and_exports(world, login):
    alert = services.alert_file(actor=world.landlord_agent, site=world.site_creil, data=alert_data())
    assert alert.reporter_visible is False
    client = login(world.officer)
    for url in (
        reverse("alerts:detail", args=[alert.pk]),
        f"/api/v1/alerts/{alert.pk}/",
        reverse("alerts:export"),
    ):
        response = client.get(url)
        assert response.status_code == 200
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert world.landlord_agent.email not in body.decode("utf-8-sig"), url


# -- retention ---------------------------------------------------------------------------------


def closed_alert(world, *, days_ago: int, site=None, comment="Interpellation de M. Dupont"):
    site = site or world.site_creil
    officer = world.officer if site.commune == world.creil else world.gendarme
    alert = services.alert_file(
        actor=world.landlord_agent,
        site=site,
        data=alert_data(
            description="Le locataire du 3e, M. Dupont, deale dans le hall",
            staff_victim=True,
            staff_victim_function="caretaker",
            complaint="filed",
            complaint_service="Commissariat de Creil",
            complaint_reference="PV 2023/123",
        ),
        attachments=[upload(PNG, "dupont.png")],
    )
    services.alert_acknowledge(actor=officer, alert=alert)
    services.alert_comment(actor=officer, alert=alert, message="M. Dupont est connu de nos services")
    services.alert_close(actor=officer, alert=alert, outcome=Outcome.OTHER, comment=comment)
    closed_at = timezone.now() - datetime.timedelta(days=days_ago)
    Alert.objects.filter(pk=alert.pk).update(closed_at=closed_at)
    OutboxEmail.objects.update(created_at=closed_at, status="sent")
    alert.refresh_from_db()
    return alert


def retention_days():
    return settings.PASSERELLE_RETENTION_DAYS


def test_the_retention_period_is_a_documented_setting_of_three_years_by_default():
    assert retention_days() == 1095
    readme = (settings.BASE_DIR / "README.md").read_text()
    assert "| `PASSERELLE_RETENTION_DAYS` |" in readme
    assert "Données personnelles (RGPD)" in readme


def test_a_fiche_closed_longer_than_the_retention_period_loses_its_free_text_and_files(
    world, django_capture_on_commit_callbacks
):
    old = closed_alert(world, days_ago=retention_days() + 1)
    file_name = old.attachments.get().file.name
    assert default_storage.exists(file_name)

    # The files go once the batch is committed.
    with django_capture_on_commit_callbacks(execute=True):
        report = run_retention()

    assert report.anonymised == [old.reference]
    old.refresh_from_db()
    assert old.anonymised_at is not None
    assert (old.description, old.outcome_comment) == ("", "")
    assert (old.complaint_service, old.complaint_reference) == ("", "")
    assert old.reporter_id is None
    assert not AlertEvent.objects.filter(alert=old).exclude(message="").exists()
    assert not Attachment.objects.filter(alert=old).exists()
    assert not default_storage.exists(file_name)
    assert not Notification.objects.filter(alert=old).exists()
    assert not OutboxEmail.objects.exists()
    # Kept: what the statistics count.
    assert (old.status, old.category, old.staff_victim_function, old.complaint, old.outcome) == (
        "closed",
        "drugs",
        "caretaker",
        "filed",
        "other",
    )
    assert old.routed_unit == world.police
    assert old.submitted_at
    assert old.acknowledged_at
    [entry] = AuditEntry.objects.filter(action=AuditAction.ANONYMISE)
    assert (entry.alert_id, entry.reference, entry.actor_id) == (old.pk, old.reference, None)


def test_recent_or_open_fiches_are_left_alone(world):
    recent = closed_alert(world, days_ago=retention_days() - 1)
    still_open = services.alert_file(actor=world.landlord_agent, site=world.site_creil, data=alert_data())
    Alert.objects.filter(pk=still_open.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=retention_days() + 10)
    )

    assert run_retention().anonymised == []
    for alert in (recent, still_open):
        alert.refresh_from_db()
        assert alert.anonymised_at is None
        assert alert.description
        assert alert.reporter_id == world.landlord_agent.pk
    assert Attachment.objects.filter(alert=recent).exists()


def test_indicators_are_identical_before_and_after_anonymisation(world):
    for days in (retention_days() + 5, retention_days() + 40, 10):
        closed_alert(world, days_ago=days)
    closed_alert(world, days_ago=retention_days() + 3, site=world.site_meru)
    reader = indicator_reader(world.prefect_agent)
    period = indicators.Filters(start=datetime.date(2000, 1, 1), end=timezone.localdate())
    before = indicators.compute(reader, period)

    assert len(run_retention().anonymised) == 3

    assert indicators.compute(reader, period) == before


def test_anonymisation_runs_in_batches_and_a_second_run_changes_nothing(world):
    alerts = [closed_alert(world, days_ago=retention_days() + n) for n in range(1, 4)]

    assert len(run_retention(batch_size=2).anonymised) == 3
    snapshot = list(Alert.objects.order_by("pk").values())
    entries = AuditEntry.objects.count()

    assert run_retention(batch_size=2).anonymised == []
    assert list(Alert.objects.order_by("pk").values()) == snapshot
    assert AuditEntry.objects.count() == entries
    assert all(a.anonymised_at for a in Alert.objects.filter(pk__in=[a.pk for a in alerts]))


def test_an_anonymised_fiche_says_so_on_its_page(world, login):
    old = closed_alert(world, days_ago=retention_days() + 1)
    run_retention()
    page = login(world.landlord_agent).get(reverse("alerts:detail", args=[old.pk])).content.decode()
    assert 'data-testid="anonymised"' in page
    assert "Dupont" not in page
    # The reporter is unlinked: even the landlord and the prefecture no longer see who filed it.
    prefecture_page = login(world.prefect_agent).get(reverse("alerts:detail", args=[old.pk])).content.decode()
    for body in (page, prefecture_page):
        assert world.landlord_agent.email not in body
        assert "identité effacée" in body


def age(name: str, days: int) -> None:
    past = time.time() - days * 86400
    os.utime(default_storage.path(name), (past, past))


def test_orphan_private_files_older_than_a_day_are_purged(world):
    alert = services.alert_file(
        actor=world.landlord_agent, site=world.site_creil, data=alert_data(), attachments=[upload(PNG)]
    )
    kept = alert.attachments.get().file.name
    orphan = default_storage.save("alerts/999/rolled-back", ContentFile(b"x"))
    stale_import = default_storage.save("imports/abandoned.csv", ContentFile(b"a;b"))
    fresh_import = default_storage.save("imports/in-progress.csv", ContentFile(b"a;b"))
    for name in (kept, orphan, stale_import):
        age(name, 2)

    report = run_retention()

    assert sorted(report.orphans) == sorted([orphan, stale_import])
    assert default_storage.exists(kept)
    assert default_storage.exists(fresh_import)
    assert not default_storage.exists(orphan)
    assert not default_storage.exists(stale_import)


def test_the_command_has_a_dry_run_that_changes_nothing(world):
    old = closed_alert(world, days_ago=retention_days() + 1)
    orphan = default_storage.save("alerts/999/rolled-back", ContentFile(b"x"))
    age(orphan, 2)
    out = StringIO()

    call_command("anonymise_alerts", "--dry-run", stdout=out)

    assert old.reference in out.getvalue()
    assert orphan in out.getvalue()
    assert "[simulation] Fiches anonymisées : 1" in out.getvalue()
    old.refresh_from_db()
    assert old.anonymised_at is None
    assert old.description
    assert default_storage.exists(orphan)
    call_command("anonymise_alerts", stdout=StringIO())
    old.refresh_from_db()
    assert old.anonymised_at is not None


def test_the_retention_task_runs_daily_from_the_beat_schedule(world):
    entry = settings.CELERY_BEAT_SCHEDULE["alerts-retention"]
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
    assert entry["schedule"].hour == {3}
    old = closed_alert(world, days_ago=retention_days() + 1)
    assert app.tasks[entry["task"]].apply().get() == 1
    old.refresh_from_db()
    assert old.anonymised_at is not None


def test_uploads_live_outside_any_public_url(world, client):
    location = settings.STORAGES["default"]["OPTIONS"]["location"]
    assert not str(location).startswith(str(settings.STATIC_ROOT))
    assert all(not str(location).startswith(str(d)) for d in settings.STATICFILES_DIRS)
    alert = services.alert_file(
        actor=world.landlord_agent, site=world.site_creil, data=alert_data(), attachments=[upload(PNG)]
    )
    name = alert.attachments.get().file.name
    for guess in (f"/media/{name}", f"/static/{name}", f"/{name}", f"/nonexistent/{name}"):
        assert client.get(guess).status_code == 404


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SKIP LOCKED is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_fiche_locked_by_another_worker_is_skipped_not_waited_for(world):
    locked, free = (closed_alert(world, days_ago=retention_days() + n) for n in (2, 1))
    holding, release = threading.Event(), threading.Event()

    def other_worker():
        try:
            with transaction.atomic():
                Alert.objects.select_for_update().get(pk=locked.pk)
                holding.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert holding.wait(timeout=10)
        assert run_retention().anonymised == [free.reference]
    finally:
        release.set()
        thread.join()
    assert run_retention().anonymised == [locked.reference]
