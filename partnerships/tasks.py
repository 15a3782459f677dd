"""Celery tasks of the core: they fetch by id and call the service, which checks the state first so a
retry is harmless."""

from celery import shared_task
from django.utils.translation import gettext as _

from .services import imports
from .services.accounts import password_reset_send

# A national file takes tens of seconds to check and as long to commit: far above the default limits.
IMPORT_LIMITS = {"soft_time_limit": 20 * 60, "time_limit": 25 * 60}


def _run_or_fail(work, run_id: int) -> None:
    try:
        work(run_id=run_id)
    except Exception:
        imports.import_run_fail(
            run_id=run_id, message=_("Erreur inattendue pendant le traitement du fichier.")
        )
        raise


@shared_task(acks_late=True, **IMPORT_LIMITS)
def check_import_run(run_id: int) -> None:
    _run_or_fail(imports.import_run_check, run_id)


@shared_task(acks_late=True, **IMPORT_LIMITS)
def commit_import_run(run_id: int) -> None:
    _run_or_fail(imports.import_run_commit, run_id)


@shared_task(acks_late=True)
def send_password_reset_task(email: str) -> bool:
    """Look the account up and queue the reset e-mail in the outbox (nothing for an unknown address):
    done here so that the request page answers alike for any address."""
    return password_reset_send(email=email)
