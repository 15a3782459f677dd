import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command

from partnerships.management.commands import run_embedded

ROOT = Path(__file__).resolve().parent.parent


def test_every_environment_variable_read_by_the_settings_is_documented_in_the_readme():
    read = set()
    for path in (ROOT / "partnerships" / "settings").glob("*.py"):
        read |= set(re.findall(r"""env(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]+)["']""", path.read_text()))
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", readme, flags=re.MULTILINE))

    assert read, "no env(...) call found: the pattern above no longer matches the settings"
    assert read - documented == set()


def test_docker_compose_worker_and_beat_differ_from_web_only_by_command_ports_and_healthcheck():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]

    def shared(name):
        return {k: v for k, v in services[name].items() if k not in ("command", "ports", "healthcheck")}

    assert shared("worker") == shared("beat") == shared("web")
    assert services["web"]["environment"]["DJANGO_SETTINGS_MODULE"] == "partnerships.settings.production"
    assert "migrate" in services["web"]["depends_on"]


@pytest.fixture
def fake_children(monkeypatch, settings, tmp_path):
    """Sleeping stand-ins for the worker and beat, and a dev server that returns at once."""
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(tmp_path / "broker" / "queue"),
        "data_folder_out": str(tmp_path / "broker" / "queue"),
        "processed_folder": str(tmp_path / "broker" / "processed"),
        "control_folder": str(tmp_path / "broker" / "control"),
    }
    settings.CELERY_BEAT_SCHEDULE_FILENAME = str(tmp_path / "beat" / "schedule")
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    monkeypatch.setattr(run_embedded, "CHILDREN", {"worker": sleeper, "beat": sleeper})
    started = []
    real_popen = subprocess.Popen

    def popen(*args, **kwargs):
        started.append(real_popen(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(run_embedded.subprocess, "Popen", popen)
    served = []
    monkeypatch.setattr(run_embedded, "call_command", lambda *args, **kwargs: served.append((args, kwargs)))
    return started, served


def test_run_embedded_creates_the_broker_folders_serves_and_stops_worker_and_beat_on_exit(
    fake_children, tmp_path, capsys
):
    started, served = fake_children

    call_command("run_embedded", "--addr", "127.0.0.1:8123")

    assert (tmp_path / "broker" / "queue").is_dir()
    assert (tmp_path / "broker" / "processed").is_dir()
    assert (tmp_path / "broker" / "control").is_dir()
    assert (tmp_path / "beat").is_dir()
    assert served == [(("runserver", "127.0.0.1:8123"), {"use_reloader": False})]
    assert len(started) == 2
    assert all(process.poll() is not None for process in started)
    assert "http://127.0.0.1:8123/" in capsys.readouterr().out


def test_run_embedded_refuses_a_busy_port_before_starting_worker_or_beat(fake_children):
    started, served = fake_children
    with socket.socket() as other_server:
        other_server.bind(("127.0.0.1", 0))
        other_server.listen()
        port = other_server.getsockname()[1]

        with pytest.raises(CommandError, match=rf"port {port} .*déjà utilisé.*make run PORT={port + 1}"):
            call_command("run_embedded", "--addr", f"127.0.0.1:{port}")

    assert started == []
    assert served == []


def test_worker_and_beat_stop_when_run_embedded_dies_without_cleaning_up(tmp_path):
    """runserver leaves by os._exit on some errors: the children must not outlive it on the broker."""
    script = tmp_path / "parent.py"
    script.write_text(
        "import os, subprocess, sys\n"
        "from partnerships.management.commands.run_embedded import die_with_parent\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'],\n"
        "                         start_new_session=True, preexec_fn=die_with_parent)\n"
        "print(child.pid, flush=True)\n"
        "os._exit(1)\n"
    )
    parent = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=False, cwd=settings.BASE_DIR
    )
    child_pid = int(parent.stdout.strip())

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and psutil.pid_exists(child_pid) and not _is_zombie(child_pid):
        time.sleep(0.05)
    assert not psutil.pid_exists(child_pid) or _is_zombie(child_pid)


def _is_zombie(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_the_embedded_worker_starts_without_the_hostname_or_root_warnings(tmp_path):
    """What a newcomer reads at `make run`: kombu's « No hostname was supplied » (a filesystem:// URL
    without a host) and Celery's SecurityWarning when run as root both read like errors."""
    environment = run_embedded.child_environment()
    for name in ("CELERY_BROKER_URL", "REDIS_URL", "DATABASE_URL"):
        environment.pop(name, None)
    environment.update(DJANGO_SETTINGS_MODULE="partnerships.settings.local", PASSERELLE_VAR_DIR=str(tmp_path))
    # The command line run_embedded starts, with a single process: only its start-up is read.
    command = [*run_embedded.CHILDREN["worker"][:-1], "1", "--without-heartbeat", "--without-mingle"]
    worker = subprocess.Popen(  # noqa: S603 - our own command line
        command,
        env=environment,
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = worker.stdout.readline()
            if not line:
                break
            output.append(line)
            if " ready." in line:
                break
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    text = "".join(output)

    assert " ready." in text, text
    assert "filesystem://" in text  # the banner names the embedded broker
    assert "No hostname was supplied" not in text
    assert "superuser privileges" not in text
    assert "SecurityWarning" not in text
