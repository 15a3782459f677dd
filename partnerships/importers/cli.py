"""What the import management commands share: a progress bar and the printed summary."""

import contextlib
import sys

from django.core.management.base import CommandError
from tqdm import tqdm

from .base import ImportSummary


@contextlib.contextmanager
def progress_bar(unit: str):
    with tqdm(unit=f" {unit}", file=sys.stderr, mininterval=0.5) as bar:
        yield bar.update


def report(command, summary: ImportSummary, *, confirmation_hint: str = "") -> None:
    """Details first, then one closing line that says whether anything was written and, if not, why.
    Refused and unconfirmed imports exit non-zero so that scripts notice."""
    for error in summary.errors:
        command.stderr.write(str(error))
    for warning in summary.warnings:
        command.stdout.write(command.style.WARNING(warning))
    for pending in summary.pending:
        command.stdout.write(command.style.NOTICE(pending))
    counts = (
        f"créés : {summary.created}, mis à jour : {summary.updated}, inchangés : {summary.unchanged}, "
        f"rejetés : {summary.rejected}"
    )
    if summary.errors:
        raise CommandError(
            f"Import refusé : {len(summary.errors)} erreur(s), rien n'a été enregistré ({counts})."
        )
    if summary.confirmation_needed:
        raise CommandError(
            f"Rien n'a été enregistré : {len(summary.pending)} fiche(s) ouverte(s) changerai(en)t d'unité "
            f"et la réorientation n'a pas été confirmée. {confirmation_hint} (l'import aurait donné : {counts})"
        )
    if summary.dry_run:
        command.stdout.write(command.style.NOTICE(f"Simulation : rien n'a été enregistré ({counts})."))
    else:
        command.stdout.write(command.style.SUCCESS(f"Import terminé : {counts}."))
