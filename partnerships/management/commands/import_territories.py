import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from partnerships.importers.cli import progress_bar, report
from partnerships.importers.territories import FORMATS, import_territories
from partnerships.models import User


class Command(BaseCommand):
    help = (
        "Importe les compétences territoriales de la police et de la gendarmerie : jeu de données du "
        "ministère de l'Intérieur (une ligne par commune) ou fichier simple (unité, type, unité de "
        "rattachement, codes INSEE)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", dest="fmt", choices=FORMATS, default="ministry")
        parser.add_argument(
            "--departments",
            nargs="*",
            default=None,
            metavar="CODE",
            help="N'importer que les communes de ces départements.",
        )
        parser.add_argument(
            "--valid-from",
            type=datetime.date.fromisoformat,
            default=None,
            help="Date d'effet des nouvelles compétences (AAAA-MM-JJ ; par défaut, aujourd'hui).",
        )
        parser.add_argument(
            "--confirm-reroute",
            action="store_true",
            help="Réorienter les fiches ouvertes des communes qui changent d'unité.",
        )
        parser.add_argument(
            "--actor",
            metavar="EMAIL",
            help="Agent de la préfecture au nom duquel les fiches sont réorientées "
            "(obligatoire avec --confirm-reroute).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Valider sans rien enregistrer.")

    def handle(self, *args, file, fmt, departments, valid_from, confirm_reroute, actor, dry_run, **options):
        if confirm_reroute:
            if not actor:
                raise CommandError(
                    "--confirm-reroute demande --actor : la réorientation est tracée sur "
                    "chaque fiche au nom d'un agent de la préfecture."
                )
            actor = User.objects.filter(email=actor.lower(), is_active=True).first()
            if actor is None:
                raise CommandError("Utilisateur --actor introuvable.")
        with progress_bar("lignes") as progress, file.open("rb") as binary:
            summary = import_territories(
                binary,
                fmt=fmt,
                departments=departments,
                valid_from=valid_from,
                actor=actor,
                confirm_reroute=confirm_reroute,
                progress=progress,
                dry_run=dry_run,
            )
        report(self, summary)
        if summary.confirmation_needed:
            self.stdout.write(
                self.style.WARNING(
                    "Des fiches ouvertes changeraient d'unité : rien n'a été enregistré. Relancez avec "
                    "--confirm-reroute pour les réorienter."
                )
            )
