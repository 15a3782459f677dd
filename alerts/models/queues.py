from django.db import models


class QueueVersion(models.Model):
    """When a queue of fiches last changed: one row per organisation ("org:<id>") and per département
    ("dep:<code>"), written in the transaction of every change that can alter a list (filing,
    transition, redirect, escalation, comment). The dashboard and the lists validate their ETag
    against it (alerts.queues): an unchanged queue answers 304 without reading a fiche."""

    key = models.CharField(max_length=40, primary_key=True)
    changed_at = models.DateTimeField()
    token = models.CharField(max_length=32)

    def __str__(self):
        return f"{self.key} @ {self.changed_at:%Y-%m-%d %H:%M:%S}"


def organisation_key(organisation_id: int) -> str:
    return f"org:{organisation_id}"


def department_key(department_id: str) -> str:
    return f"dep:{department_id}"
