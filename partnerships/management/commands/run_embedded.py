"""`make run`: the whole application in one terminal, with the real Celery worker and beat.

Eager mode is not a substitute for the worker: with the default filesystem:// broker the
worker and beat need no server, so the newcomer runs exactly the code paths production runs.
"""

import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

CELERY = [sys.executable, "-m", "celery", "-A", "partnerships"]
CHILDREN = {
    "worker": [*CELERY, "worker", "-l", "info", "--concurrency", "2"],
    "beat": [*CELERY, "beat", "-l", "info"],
}
STOP_TIMEOUT = 10
# Celery warns a worker started as root (a container, a VM's only account) with a SecurityWarning that
# reads like an error. This runner is a development tool on 127.0.0.1: its children leave that one
# warning out; production's worker (docker-compose) runs as its own user and keeps every warning.
QUIET_ROOT_WARNING = "ignore:You're running the worker with superuser privileges"
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent():  # pragma: no cover - runs in the child between fork and exec
    """Linux: the child gets SIGTERM when this process dies, even by os._exit (runserver exits that
    way on a bind error) or SIGKILL, so no worker or beat is ever left orphaned on the broker."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def child_environment() -> dict[str, str]:
    """The worker's and beat's environment: ours, the root warning silenced (QUIET_ROOT_WARNING)."""
    environment = os.environ.copy()
    environment["PYTHONWARNINGS"] = ",".join(
        filter(None, [environment.get("PYTHONWARNINGS"), QUIET_ROOT_WARNING])
    )
    return environment


def check_port_free(host: str, port: int) -> None:
    """Fail before starting anything: runserver only finds out after the worker and beat started."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        # As runserver does: a port left in TIME_WAIT by a previous run is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            raise CommandError(
                f"Le port {port} de {host} est déjà utilisé : rien n'a été démarré. "
                f"Arrêtez l'autre serveur ou choisissez un autre port : make run PORT={port + 1}"
            ) from None


class Command(BaseCommand):
    help = "Lance le serveur de développement avec le worker et le beat Celery."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000", help="Adresse d'écoute (%(default)s).")

    def handle(self, *args, addr, **options):
        host, _, port = addr.rpartition(":")
        if not port.isdigit():
            raise CommandError(f"Adresse d'écoute invalide : {addr} (attendu : hôte:port).")
        check_port_free(host.strip("[]") or "127.0.0.1", int(port))
        self.make_folders()
        stopping = threading.Event()
        # SIGTERM (docker stop, kill) must stop the children as Ctrl-C does.
        previous_handler = signal.signal(signal.SIGTERM, self.raise_exit)
        children = {}
        try:
            for name, command in CHILDREN.items():
                # A session of their own: Ctrl-C reaches only this process, which then stops each child
                # once, instead of the terminal's SIGINT racing our SIGTERM into a cold shutdown.
                # The command is the constant CHILDREN above, not input.
                process = subprocess.Popen(  # noqa: S603
                    command, env=child_environment(), start_new_session=True, preexec_fn=die_with_parent
                )
                children[name] = process
                threading.Thread(target=self.watch, args=(name, process, stopping), daemon=True).start()
            self.print_banner(addr)
            call_command("runserver", addr, use_reloader=False)
        finally:
            stopping.set()
            self.stop(children)
            signal.signal(signal.SIGTERM, previous_handler)

    @staticmethod
    def raise_exit(signum, frame):
        raise SystemExit(128 + signum)

    @staticmethod
    def make_folders():
        options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
        folders = [
            options.get(key)
            for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")
        ]
        folders.append(Path(settings.CELERY_BEAT_SCHEDULE_FILENAME).parent)
        folders.append(settings.PRIVATE_MEDIA_ROOT)
        for folder in filter(None, folders):
            Path(folder).mkdir(parents=True, exist_ok=True)

    def watch(self, name, process, stopping):
        # Running on without a worker would look fine while no e-mail or escalation ever goes out.
        code = process.wait()
        if not stopping.is_set():
            self.stderr.write(f"Celery « {name} » s'est arrêté (code {code}) : arrêt de Passerelle.")
            os.kill(os.getpid(), signal.SIGTERM)

    def stop(self, children):
        for process in children.values():
            if process.poll() is None:
                process.terminate()
        for name, process in children.items():
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.stderr.write(f"Le processus Celery « {name} » ne s'arrête pas : arrêt forcé.")
                process.kill()
                process.wait()

    def print_banner(self, addr):
        host, _, port = addr.rpartition(":")
        lines = ["", self.style.SUCCESS(f"Passerelle : http://{host or '127.0.0.1'}:{port}/"), ""]
        try:
            from partnerships import demo
        except ImportError:
            demo = None
        if demo is not None:
            lines.append(f"Comptes de démonstration (mot de passe : {demo.DEMO_PASSWORD}) :")
            lines.extend(f"  {email:<45} {role:<32} {org}" for email, role, org in demo.logins())
            lines.append("")
        self.stdout.write("\n".join(lines))
