from django.conf import settings
from django.core.management.base import BaseCommand

from alerts.retention import run_retention


class Command(BaseCommand):
    help = (
        "Anonymise les fiches clôturées depuis plus de PASSERELLE_RETENTION_DAYS jours et supprime les "
        "fichiers privés orphelins (ce que fait la tâche quotidienne)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Affiche ce qui serait fait, sans rien modifier."
        )
        parser.add_argument("--batch-size", type=int, default=200)

    def handle(self, *args, dry_run=False, batch_size=200, **options):
        report = run_retention(batch_size=batch_size, dry_run=dry_run)
        prefix = "[simulation] " if dry_run else ""
        self.stdout.write(
            f"{prefix}Durée de conservation : {settings.PASSERELLE_RETENTION_DAYS} jours après clôture."
        )
        self.stdout.write(f"{prefix}Fiches anonymisées : {len(report.anonymised)}")
        for reference in report.anonymised:
            self.stdout.write(f"  {reference}")
        self.stdout.write(f"{prefix}Pièces jointes supprimées : {report.files_deleted}")
        self.stdout.write(f"{prefix}Fichiers orphelins supprimés : {len(report.orphans)}")
        for name in report.orphans:
            self.stdout.write(f"  {name}")
        self.stdout.write(f"{prefix}Copies d'e-mails purgées : {report.emails_purged}")
