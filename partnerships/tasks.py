"""Celery tasks of the core (autodiscovered): thin interfaces over the services."""

from celery import shared_task

from .services.accounts import password_reset_send


@shared_task(acks_late=True)
def send_password_reset_task(email: str) -> bool:
    """Look the account up and queue the reset e-mail in the outbox (nothing for an unknown address):
    done here so that the request page answers alike for any address."""
    return password_reset_send(email=email)
