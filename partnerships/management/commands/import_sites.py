from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from partnerships.importers.cli import progress_bar, report
from partnerships.importers.sites import FORMATS, import_sites
from partnerships.models import Organisation, OrganisationKind


class Command(BaseCommand):
    help = (
        "Importe le patrimoine d'un bailleur : fichier au format RPLS (une ligne par logement, "
        "regroupées en sites par programme ou par adresse) ou fichier simple (une ligne par site)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--landlord", required=True, help="Identifiant ou nom exact du bailleur.")
        parser.add_argument("--format", dest="fmt", choices=FORMATS, default="rpls")
        parser.add_argument("--dry-run", action="store_true", help="Valider sans rien enregistrer.")

    def handle(self, *args, file, landlord, fmt, dry_run, **options):
        landlords = Organisation.objects.filter(kind=OrganisationKind.LANDLORD)
        found = landlords.filter(pk=int(landlord)) if landlord.isdigit() else landlords.filter(name=landlord)
        if len(found) != 1:
            raise CommandError(f"Bailleur « {landlord} » introuvable ou ambigu.")
        with progress_bar("lignes") as progress, file.open("rb") as binary:
            summary = import_sites(binary, landlord=found[0], fmt=fmt, progress=progress, dry_run=dry_run)
        report(self, summary)
