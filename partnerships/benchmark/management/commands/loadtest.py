"""`manage.py loadtest`: the fixed-rate load test (see README, "Load test")."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from partnerships.benchmark.loadtest.runner import Options, run


def floats(value: str) -> tuple[float, ...]:
    return tuple(float(v) for v in value.split(","))


class Command(BaseCommand):
    help = (
        "Test de charge : gunicorn sur loopback, locust à débit fixe (bailleurs qui déposent, agents qui "
        "trient), connexions PostgreSQL tuées une fois, puis rien de perdu ni de doublé."
    )

    def add_arguments(self, parser):
        default = Options()
        parser.add_argument("--duration", type=float, default=default.duration, help="secondes (défaut 300)")
        parser.add_argument("--landlords", type=int, default=default.landlords, help="clients bailleurs")
        parser.add_argument("--officers", type=int, default=default.officers, help="clients agents")
        parser.add_argument(
            "--filing-rate", type=float, default=default.filing_rate, help="dépôts/s (0 : aucun)"
        )
        parser.add_argument(
            "--triage-rate", type=float, default=default.triage_rate, help="req/s des agents (0 : aucune)"
        )
        parser.add_argument(
            "--dashboard-only",
            action="store_true",
            help="les agents ne font que la file (mesure du tableau de bord)",
        )
        parser.add_argument(
            "--steps",
            type=floats,
            default=default.steps,
            help="paliers de débit en multiples du débit visé, durées égales (ex. 0.5,1,1.5,2 : débit maximal tenu)",
        )
        parser.add_argument(
            "--kill-at", type=float, default=None, help="secondes après le début (défaut 40 %%)"
        )
        parser.add_argument("--no-kill", action="store_true", help="ne pas tuer les connexions PostgreSQL")
        parser.add_argument(
            "--workers", type=int, default=default.workers, help="workers gunicorn (défaut 2×cœurs+1)"
        )
        parser.add_argument(
            "--threads", type=int, default=default.threads, help="threads par worker (>1 : gthread)"
        )
        parser.add_argument(
            "--timeout", type=float, default=default.timeout, help="délai d'attente client (s)"
        )
        parser.add_argument("--results-dir", type=Path, default=default.results_dir)
        parser.add_argument("--keep-logs", action="store_true", help="garder le journal des requêtes")
        parser.add_argument(
            "--keep-data",
            action="store_true",
            help="garder les fiches déposées (supprimées par défaut après les vérifications)",
        )

    def handle(self, *args, **o):
        options = Options(
            duration=o["duration"],
            landlords=o["landlords"],
            officers=o["officers"],
            filing_rate=o["filing_rate"],
            triage_rate=o["triage_rate"],
            triage_work=not o["dashboard_only"],
            steps=o["steps"],
            kill_at=o["kill_at"],
            kill=not o["no_kill"],
            workers=o["workers"],
            threads=o["threads"],
            timeout=o["timeout"],
            results_dir=o["results_dir"],
            keep_logs=o["keep_logs"],
            keep_data=o["keep_data"],
        )
        try:
            passed, _results = run(options, say=self.stdout.write)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        if not passed:
            raise CommandError("Test de charge en échec : voir les vérifications ci-dessus.")
