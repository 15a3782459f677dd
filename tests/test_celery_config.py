import runpy
from pathlib import Path

from django.conf import settings

from partnerships.celery import app


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    missing = [
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] not in app.tasks
    ]
    assert settings.CELERY_BEAT_SCHEDULE
    assert not missing


def test_the_filesystem_broker_keeps_every_file_it_writes_under_the_var_dir(monkeypatch, tmp_path):
    # The embedded default's broker: kombu's control files would otherwise land in the source tree.
    monkeypatch.setenv("CELERY_BROKER_URL", "filesystem://")
    monkeypatch.setenv("PASSERELLE_VAR_DIR", str(tmp_path))
    options = runpy.run_module("partnerships.settings.base")["CELERY_BROKER_TRANSPORT_OPTIONS"]

    keys = ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")
    assert all(Path(options[key]).is_relative_to(tmp_path) for key in keys)
    assert all(Path(options[key]).is_dir() for key in keys)
