import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from alerts.models import Alert
from partnerships.benchmark import generate


class Command(BaseCommand):
    help = (
        "Remplit PostgreSQL d'un volume national réaliste pour le banc d'essai de performance "
        "(communes, unités, bailleurs, sites, utilisateurs, conventions, fiches et leur historique)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--fiches", type=int, default=1_000_000, help="Nombre total de fiches (défaut 1 000 000)."
        )
        parser.add_argument(
            "--home-fiches",
            type=int,
            default=20_000,
            help="Fiches de l'Oise, identiques quel que soit --fiches (test des données étrangères).",
        )
        parser.add_argument(
            "--scale", type=float, default=1.0, help="Échelle des bailleurs, sites et utilisateurs."
        )
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument(
            "--reset", action="store_true", help="Vider d'abord les données (communes conservées)."
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="Ne rien faire s'il existe déjà des fiches."
        )

    def handle(self, *args, fiches, home_fiches, scale, seed, reset: bool, if_empty: bool, **options):
        try:
            if if_empty and Alert.objects.exists():
                self.stdout.write("Des fiches existent déjà : génération ignorée.")
                return
            if reset:
                generate.reset()
            volumes = generate.Volumes.scaled(fiches=fiches, home_fiches=home_fiches, scale=scale)
            generator = generate.Generator(volumes=volumes, seed=seed)
            started = time.monotonic()
            with tqdm(unit=" fiches", file=sys.stderr, mininterval=1) as progress:
                timings = generator.run(progress)
        except generate.GenerationError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(json.dumps({"volumes": generator.summary(), "seconds": timings}, indent=1))
        self.stdout.write(self.style.SUCCESS(f"Génération terminée en {time.monotonic() - started:.0f} s."))
