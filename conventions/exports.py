"""The fiches as the conventions' exports list them; the CSV and XLSX writing itself is
partnerships.exports (`export` is named here too because the conventions' views call it through
this module)."""

import datetime

from django.utils import timezone

from partnerships.localtime import fiche_time

__all__ = ["FICHE_COLUMNS", "fiche_rows"]

FICHE_COLUMNS = [
    ("reference", "Référence"),
    ("submitted_at", "Transmise le"),
    ("landlord__name", "Bailleur"),
    ("site__name", "Site"),
    ("site__commune__name", "Commune"),
    ("category", "Catégorie"),
    ("urgency", "Urgence"),
    ("status", "Statut"),
    ("routed_unit__name", "Unité destinataire"),
    ("ack_due_at", "Prise en compte attendue avant"),
    ("acknowledged_at", "Prise en compte le"),
    ("first_feedback_at", "Premier retour le"),
    ("staff_victim", "Personnel victime"),
    ("complaint", "Plainte"),
    ("outcome", "Suite donnée"),
]


def fiche_rows(qs):
    """Header then one row per fiche; no description, reporter or procedure number (RGPD art. 10).
    Times in the fiche's département's zone, named when the reader's differs."""
    # Read now: a streamed CSV is iterated after the middleware has restored the default zone.
    return _fiche_rows(qs, timezone.get_current_timezone())


def _fiche_rows(qs, reader):
    yield [label for _, label in FICHE_COLUMNS]
    for *row, department_id in (
        qs.order_by("submitted_at", "id")
        .values_list(*[f for f, _ in FICHE_COLUMNS], "department_id")
        .iterator(chunk_size=2000)
    ):
        yield [
            fiche_time(value, department_id, reader=reader) if isinstance(value, datetime.datetime) else value
            for value in row
        ]
