from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alerts.retention import run_retention


class Command(BaseCommand):
    help = gettext_lazy(
        "Anonymise les fiches clôturées depuis plus de PASSERELLE_RETENTION_DAYS jours et supprime les "
        "fichiers privés orphelins (ce que fait la tâche quotidienne)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help=_("Affiche ce qui serait fait, sans rien modifier.")
        )
        parser.add_argument("--batch-size", type=int, default=200)

    def handle(self, *args, dry_run=False, batch_size=200, **options):
        report = run_retention(batch_size=batch_size, dry_run=dry_run)
        prefix = _("[simulation] ") if dry_run else ""

        def say(text: str, count) -> None:
            self.stdout.write(prefix + text % {"count": count})

        say(_("Durée de conservation : %(count)s jours après clôture."), settings.PASSERELLE_RETENTION_DAYS)
        say(_("Fiches anonymisées : %(count)s"), len(report.anonymised))
        for reference in report.anonymised:
            self.stdout.write(f"  {reference}")
        say(_("Pièces jointes supprimées : %(count)s"), report.files_deleted)
        say(_("Fichiers orphelins supprimés : %(count)s"), len(report.orphans))
        for name in report.orphans:
            self.stdout.write(f"  {name}")
        say(_("Copies d'e-mails purgées : %(count)s"), report.emails_purged)
