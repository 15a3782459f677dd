import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from partnerships.importers.cli import progress_bar, report
from partnerships.importers.territories import FORMATS, import_territories
from partnerships.models import User
from partnerships.permissions import IMPORT_TERRITORIES as TERRITORIES
from partnerships.permissions import import_policy


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
            help="Administrateur de la plateforme (import national) ou référent de la préfecture "
            "(import limité à son département) au nom duquel l'import est fait et les fiches "
            "réorientées (obligatoire avec --confirm-reroute).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Valider sans rien enregistrer.")

    def handle(self, *args, file, fmt, departments, valid_from, confirm_reroute, actor, dry_run, **options):
        if confirm_reroute and not actor:
            raise CommandError(
                "--confirm-reroute demande --actor : la réorientation est tracée sur "
                "chaque fiche au nom d'un agent de la préfecture."
            )
        if actor:
            actor = User.objects.filter(email=actor.lower(), is_active=True).first()
            if actor is None or not import_policy.user_has_permission(actor, TERRITORIES):
                raise CommandError(
                    "Utilisateur --actor introuvable ou non autorisé à importer des territoires."
                )
            allowed = import_policy.territory_departments(actor)
            if allowed is not None:
                # A prefecture's referent imports its own département, even from the national file.
                departments = [d for d in departments or allowed if d in allowed]
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
        report(
            self,
            summary,
            confirmation_hint="Relancez avec --confirm-reroute --actor EMAIL pour les réorienter.",
        )
