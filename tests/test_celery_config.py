from django.conf import settings

from partnerships.celery import app


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    missing = [
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] not in app.tasks
    ]
    assert settings.CELERY_BEAT_SCHEDULE
    assert not missing


def test_tasks_are_acknowledged_late_and_json_only():
    assert app.conf.task_acks_late
    assert app.conf.task_reject_on_worker_lost
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_serializer == "json"


def test_the_escalation_scan_runs_every_minute_and_the_digest_daily():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["alerts-scan-escalations"]["schedule"] == 60.0
    assert schedule["alerts-daily-digest"]["schedule"].hour == {7}
