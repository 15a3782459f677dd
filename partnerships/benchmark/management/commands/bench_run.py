import json

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from alerts.models import Alert
from partnerships.benchmark import harness as bench

SCENARIOS = ("floor", "reads", "fiche", "indicators", "escalation", "export", "filing", "foreign")


class Command(BaseCommand):
    help = (
        "Banc d'essai côté serveur sur les données de bench_generate : p50/p95, requêtes, temps SQL "
        "et plancher SQL brut par scénario ; résultats dans partnerships/benchmark/results/."
    )

    def add_arguments(self, parser):
        parser.add_argument("-n", "--iterations", type=int, default=30)
        parser.add_argument("--warmup", type=int, default=5)
        parser.add_argument("--only", nargs="*", choices=SCENARIOS, help="Limiter à ces scénarios.")
        parser.add_argument(
            "--compare-database",
            help="Nom d'une base générée avec le même --seed/--scale et 10x moins de fiches (test des "
            "données étrangères).",
        )
        parser.add_argument(
            "--results-name",
            default="latest",
            help="Nom des fichiers de résultats (défaut latest : results/latest.md et .json).",
        )
        parser.add_argument("--export-child", nargs=2, metavar=("USER_ID", "QUERY"), help="(interne)")

    def handle(
        self,
        *args,
        iterations,
        warmup,
        only,
        compare_database,
        results_name,
        export_child: list | None,
        **options,
    ):
        if connection.vendor != "postgresql":
            raise CommandError("Le banc d'essai ne fonctionne qu'avec PostgreSQL. / PostgreSQL only.")
        if export_child:
            self.stdout.write(json.dumps(bench.export_child(int(export_child[0]), export_child[1])))
            return
        if not Alert.objects.exists():
            raise CommandError("Aucune fiche : lancez d'abord `manage.py bench_generate`.")
        harness = bench.Harness(
            n=iterations,
            warmup=warmup,
            out=self.stdout.write,
            compare_database=compare_database,
            results_name=results_name,
        )
        harness.run(set(only) if only else None)
        self.stdout.write(self.style.SUCCESS(f"Résultats : {bench.RESULTS_DIR / results_name}.md"))
