"""The import run's tasks (partnerships.tasks), run in the test process with task.apply()."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from partnerships import tasks
from partnerships.models import AuditEntry, HousingSite, ImportRun, ImportStatus
from partnerships.services import imports as import_services

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def run(world, monkeypatch):
    """A checked RPLS run of the landlord manager (the tasks not enqueued: each test applies them)."""
    monkeypatch.setattr(import_services, "_enqueue", lambda task_name, run: None)
    created = import_services.import_run_create(
        actor=world.landlord_manager,
        kind="sites",
        uploaded_file=SimpleUploadedFile("rpls_sample.csv", (FIXTURES / "rpls_sample.csv").read_bytes()),
        params={"fmt": "rpls", "landlord": world.landlord.pk},
    )
    tasks.check_import_run.apply(args=[created.pk])
    created.refresh_from_db()
    return created


def test_the_check_reports_its_rows_to_the_progress_cache_as_it_reads(world, monkeypatch):
    published = []
    monkeypatch.setattr(import_services, "PROGRESS_EVERY", 10)
    cache = import_services.progress_cache()
    monkeypatch.setattr(cache, "set", lambda key, value, timeout=None: published.append(value))
    monkeypatch.setattr(import_services, "_enqueue", lambda task_name, run: None)
    run = import_services.import_run_create(
        actor=world.landlord_manager,
        kind="sites",
        uploaded_file=SimpleUploadedFile("rpls_sample.csv", (FIXTURES / "rpls_sample.csv").read_bytes()),
        params={"fmt": "rpls", "landlord": world.landlord.pk},
    )
    tasks.check_import_run.apply(args=[run.pk])
    run.refresh_from_db()
    assert published == [0, 10, 20]
    assert (run.status, run.rows_done, run.rows_total) == (ImportStatus.CHECKED, 28, 28)
    assert not HousingSite.objects.filter(reference="P0042").exists()


def test_a_commit_that_breaks_after_writing_leaves_nothing_written_and_says_it_failed(
    world, run, monkeypatch
):
    import_services.import_run_commit_request(actor=world.landlord_manager, run=run, confirm_reroute=False)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(import_services, "_finish", broken)
    result = tasks.commit_import_run.apply(args=[run.pk])
    assert result.failed()
    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED
    assert run.summary["failure"] == "Erreur inattendue pendant le traitement du fichier."
    assert not HousingSite.objects.filter(landlord=world.landlord, reference="P0042").exists()


def test_a_retried_task_does_nothing_once_its_step_is_over(world, run):
    import_services.import_run_commit_request(actor=world.landlord_manager, run=run, confirm_reroute=False)
    tasks.commit_import_run.apply(args=[run.pk])
    sites = HousingSite.objects.count()
    run.refresh_from_db()
    finished_at = run.finished_at
    tasks.check_import_run.apply(args=[run.pk])
    tasks.commit_import_run.apply(args=[run.pk])
    run.refresh_from_db()
    assert (run.status, run.finished_at) == (ImportStatus.DONE, finished_at)
    assert HousingSite.objects.count() == sites
    events = AuditEntry.objects.filter(object_type="partnerships.importrun", object_id=str(run.pk))
    assert sorted(e.detail["event"] for e in events) == ["commit", "upload"]


def test_a_landlord_manager_moved_to_another_organisation_cannot_commit_a_run_for_its_old_landlord(
    world, run
):
    world.landlord_manager.organisation = world.other_landlord
    world.landlord_manager.save()
    import_services.import_run_commit_request(actor=world.landlord_manager, run=run, confirm_reroute=False)
    tasks.commit_import_run.apply(args=[run.pk])
    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED
    assert run.errors[0]["message"] == "vous ne pouvez pas importer le patrimoine de ce bailleur"
    assert not ImportRun.objects.filter(status=ImportStatus.DONE).exists()
