from django.core.management.base import BaseCommand

from partnerships import demo


class Command(BaseCommand):
    help = "Charge les données de démonstration (Martinique et Oise)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Ne rien faire si la base contient déjà des données."
        )
        parser.add_argument(
            "--without-alerts", action="store_true", help="Sans fiches alertes de démonstration."
        )

    def handle(self, *args, if_empty=False, without_alerts=False, **options):
        if demo.is_loaded():
            if if_empty:
                self.stdout.write("Données déjà présentes : rien à charger.")
                return
            self.stderr.write("La base contient déjà des données : utilisez --if-empty ou une base vide.")
            raise SystemExit(1)
        demo.load(stdout=self.stdout, skip=["alerts"] if without_alerts else [])
        self.stdout.write(
            self.style.SUCCESS(f"Données de démonstration chargées. Mot de passe : {demo.DEMO_PASSWORD}")
        )
