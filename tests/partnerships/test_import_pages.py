from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from partnerships import tasks
from partnerships.models import HousingSite, ImportRun, ImportStatus, TerritoryAssignment
from partnerships.services import imports as import_services
from tests.factories import UserFactory
from tests.partnerships.import_factories import OpenAlertFactory

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def worker(monkeypatch, django_capture_on_commit_callbacks):
    """Tasks enqueued by a request run in the test process (task.apply()) once its transaction commits.
    Returns the (task name, run id) pairs enqueued, in order."""
    enqueued = []
    for task in (tasks.check_import_run, tasks.commit_import_run):
        monkeypatch.setattr(
            task,
            "delay",
            lambda run_id, task=task: (enqueued.append((task.name, run_id)), task.apply(args=[run_id])),
        )

    class Worker:
        calls = enqueued

        @staticmethod
        def post(client, url, data=None, follow=False):
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post(url, data or {})
            # The page is read once the tasks have run, as the user's next visit would.
            return client.get(response.url) if follow and response.status_code == 302 else response

    return Worker


def upload(worker, client, kind, name, **data):
    file = SimpleUploadedFile(name, (FIXTURES / name).read_bytes(), content_type="text/csv")
    return worker.post(client, reverse("imports:upload", args=[kind]), {"file": file, **data}, follow=True)


def commit(worker, client, run, **data):
    return worker.post(client, reverse("imports:commit", args=[run.pk]), data, follow=True)


def test_landlord_manager_previews_then_commits_its_rpls_file(world, login, worker):
    client = login(world.landlord_manager)
    assert client.get(reverse("imports:index")).status_code == 200
    response = upload(worker, client, "sites", "rpls_sample.csv", fmt="rpls", landlord=world.landlord.pk)
    run = response.context["run"]
    assert run.status == ImportStatus.CHECKED
    assert run.summary["created"] == 4
    assert not HousingSite.objects.filter(reference="P0042").exists()

    response = commit(worker, client, run)
    run.refresh_from_db()
    assert run.status == ImportStatus.DONE
    assert "Import enregistré" in response.content.decode()
    assert HousingSite.objects.get(reference="P0042").landlord == world.landlord
    # The stored file is gone and a second commit is refused: nothing runs twice.
    assert not run.file.storage.exists(run.file.name)
    response = commit(worker, client, run)
    assert "pas prêt à être enregistré" in response.content.decode()
    assert [name.rsplit(".", 1)[1] for name, _run_id in worker.calls] == [
        "check_import_run",
        "commit_import_run",
    ]


def test_preview_lists_every_error_by_line_and_column_in_french(world, login, worker):
    client = login(world.landlord_manager)
    response = upload(worker, client, "sites", "rpls_malformed.csv", fmt="rpls", landlord=world.landlord.pk)
    content = response.content.decode()
    run = response.context["run"]
    assert run.status == ImportStatus.FAILED
    assert len(run.errors) == 7
    assert {"line", "column", "message"} == set(run.errors[0])
    assert "7 erreurs : rien n'a été enregistré" in content
    assert "commune « 99999 » inconnue" in content
    assert "Valider l&#x27;import" not in content
    # The result stays readable afterwards, from the list of the latest imports.
    assert reverse("imports:run", args=[run.pk]) in client.get(reverse("imports:index")).content.decode()


def test_landlord_manager_cannot_import_for_another_landlord(world, login, worker):
    client = login(world.landlord_manager)
    response = upload(
        worker, client, "sites", "rpls_sample.csv", fmt="rpls", landlord=world.other_landlord.pk
    )
    assert "form" in response.context
    assert response.context["form"].errors
    assert not ImportRun.objects.exists()
    assert not HousingSite.objects.filter(reference="P0042").exists()


@pytest.mark.parametrize("who", ["landlord_agent", "officer", "mayor", "police_manager"])
def test_import_pages_are_404_for_agents_and_other_organisations(world, login, who):
    client = login(getattr(world, who))
    assert client.get(reverse("imports:index")).status_code == 404
    assert client.get(reverse("imports:upload", args=["sites"])).status_code == 404
    assert client.get(reverse("imports:upload", args=["territories"])).status_code == 404


def test_a_run_is_followed_by_its_author_and_its_organisations_managers_only(world, login, worker):
    client = login(world.landlord_manager)
    assert client.get(reverse("imports:upload", args=["territories"])).status_code == 404
    response = upload(worker, client, "sites", "rpls_sample.csv", fmt="rpls", landlord=world.landlord.pk)
    run = response.context["run"]
    colleague = UserFactory(organisation=world.landlord, role="manager", email="autre.referent@bailleur.fr")
    assert login(colleague).get(reverse("imports:run", args=[run.pk])).status_code == 200
    for outsider in (world.landlord_agent, world.prefect_agent, world.police_manager):
        client = login(outsider)
        assert client.get(reverse("imports:run", args=[run.pk])).status_code == 404
        assert client.get(reverse("imports:run_status", args=[run.pk])).status_code == 404
        assert worker.post(client, reverse("imports:commit", args=[run.pk])).status_code == 404
    run.refresh_from_db()
    assert run.status == ImportStatus.CHECKED


def test_prefecture_imports_estates_for_a_landlord_of_its_departement_only(world, login, worker):
    client = login(world.prefect_agent)
    form = client.get(reverse("imports:upload", args=["sites"])).context["form"]
    assert set(form.fields["landlord"].queryset) == {world.landlord, world.other_landlord}
    response = upload(
        worker, client, "sites", "sites_simple.csv", fmt="simple", landlord=world.other_landlord.pk
    )
    commit(worker, client, response.context["run"])
    assert HousingSite.objects.get(reference="GRP-CR-01").landlord == world.other_landlord


def test_prefecture_reroutes_open_fiches_only_after_confirming(world, login, worker):
    alert = OpenAlertFactory(site=world.site_meru, routed_unit=world.gendarmerie)
    client = login(world.prefect_agent)
    response = upload(worker, client, "territories", "territories_move.csv", fmt="simple")
    run = response.context["run"]
    assert run.summary["confirmation_needed"]
    assert alert.reference in response.content.decode()

    response = commit(worker, client, run)
    run.refresh_from_db()
    assert run.status == ImportStatus.CHECKED
    current = TerritoryAssignment.objects.get(commune=world.meru, valid_until__isnull=True)
    assert current.unit == world.gendarmerie

    commit(worker, client, run, confirm_reroute="on")
    run.refresh_from_db()
    assert run.status == ImportStatus.DONE
    alert.refresh_from_db()
    assert alert.routed_unit == world.police
    assert alert.events.get().author == world.prefect_agent


def test_prefecture_territory_import_ignores_communes_of_other_departements(world, login, worker):
    client = login(world.prefect_972)
    response = upload(worker, client, "territories", "territories_ministry.csv", fmt="ministry")
    run = response.context["run"]
    assert run.status == ImportStatus.CHECKED
    assert run.summary["unchanged"] == 1
    assert run.summary["created"] == 0


def test_the_upload_enqueues_the_check_only_once_the_run_is_committed(
    world, login, monkeypatch, django_capture_on_commit_callbacks
):
    enqueued = []
    monkeypatch.setattr(tasks.check_import_run, "delay", enqueued.append)
    client = login(world.landlord_manager)
    file = SimpleUploadedFile("rpls_sample.csv", (FIXTURES / "rpls_sample.csv").read_bytes())
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("imports:upload", args=["sites"]),
            {"file": file, "fmt": "rpls", "landlord": world.landlord.pk},
        )
    run = ImportRun.objects.get()
    assert response.url == reverse("imports:run", args=[run.pk])
    assert enqueued == []
    for callback in callbacks:
        callback()
    assert enqueued == [run.pk]
    # Until the worker takes it, the page says it waits and polls its state.
    content = client.get(response.url).content.decode()
    assert "En attente" in content
    assert "imports.js" in content
    assert run.rows_total == 28  # the dwellings of the file, its header aside


def test_the_status_endpoint_reports_the_workers_live_count_while_the_run_is_busy(world, login, worker):
    client = login(world.landlord_manager)
    run = upload(worker, client, "sites", "rpls_sample.csv", fmt="rpls", landlord=world.landlord.pk).context[
        "run"
    ]
    ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.COMMITTING, rows_done=0)
    import_services.progress_cache().set(import_services.progress_key(run), 3)
    state = client.get(reverse("imports:run_status", args=[run.pk])).json()
    assert state == {
        "status": "committing",
        "label": "Enregistrement en cours",
        "running": True,
        "rows_done": 3,
        "rows_total": run.rows_total,
    }
