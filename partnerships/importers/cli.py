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


def report(command, summary: ImportSummary) -> None:
    for error in summary.errors:
        command.stderr.write(str(error))
    for warning in summary.warnings:
        command.stdout.write(command.style.WARNING(warning))
    for pending in summary.pending:
        command.stdout.write(command.style.NOTICE(pending))
    command.stdout.write(
        f"créés : {summary.created}, mis à jour : {summary.updated}, inchangés : {summary.unchanged}, "
        f"rejetés : {summary.rejected}"
    )
    if summary.errors:
        raise CommandError(f"Import refusé : {len(summary.errors)} erreur(s), rien n'a été enregistré.")
    if summary.dry_run:
        command.stdout.write(command.style.NOTICE("Simulation : rien n'a été enregistré."))
    else:
        command.stdout.write(command.style.SUCCESS("Import terminé."))
