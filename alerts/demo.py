"""Demo fiches alertes: filed, triaged and answered through the real services, then spread over
the past months (only the timestamps are moved, so the indicators have a history to show)."""

import datetime
import random

from django.db.models import F
from django.utils import timezone

from partnerships.models import HousingSite, Role, User

from . import outbox, services
from .demo_showcase import load_showcase
from .models import (
    Alert,
    AlertEvent,
    Category,
    Complaint,
    OutboxEmail,
    OutboxStatus,
    Outcome,
    PlaceType,
    StaffFunction,
    SubCategory,
    Urgency,
)

SCENARIOS = [
    (
        Category.COMMON_PARTS,
        "",
        PlaceType.HALL,
        Urgency.NORMAL,
        "Occupation du hall par un groupe de 6 à 8 personnes chaque soir, entrée bloquée pour les locataires.",
    ),
    (
        Category.DRUGS,
        SubCategory.DEAL_POINT,
        PlaceType.SURROUNDINGS,
        Urgency.HIGH,
        "Point de deal installé au pied de l'entrée B, guetteurs visibles en journée.",
    ),
    (
        Category.PERSONS,
        SubCategory.AGGRESSION_STAFF_VERBAL,
        PlaceType.LODGE,
        Urgency.HIGH,
        "Menaces verbales contre le gardien lors d'un rappel au règlement intérieur.",
    ),
    (
        Category.PROPERTY,
        SubCategory.DAMAGE,
        PlaceType.PARKING,
        Urgency.NORMAL,
        "Portail du parking forcé et caméra arrachée.",
    ),
    (
        Category.PROPERTY,
        SubCategory.ARSON,
        PlaceType.CELLAR,
        Urgency.IMMEDIATE,
        "Départ de feu dans les caves, pompiers intervenus ; dégâts sur trois caves.",
    ),
    (
        Category.RODEO,
        "",
        PlaceType.SURROUNDINGS,
        Urgency.NORMAL,
        "Rodéos de deux-roues sur le parking en soirée, plusieurs jours par semaine.",
    ),
    (
        Category.SQUAT,
        "",
        PlaceType.VACANT,
        Urgency.HIGH,
        "Logement vacant du 3e étage occupé, serrure changée.",
    ),
    (
        Category.DUMPING,
        "",
        PlaceType.SURROUNDINGS,
        Urgency.NORMAL,
        "Dépôt sauvage d'encombrants devant le local vélos.",
    ),
    (
        Category.WRECKS,
        "",
        PlaceType.PARKING,
        Urgency.NORMAL,
        "Véhicule épave sans plaque depuis trois semaines.",
    ),
]


def load_demo_alerts(orgs, stdout=None, per_site: int = 4):
    with outbox.delivery_paused():
        _load(orgs, stdout, per_site)
        showcased = load_showcase(orgs)
        # The demo's history is not news: none of its e-mails is sent, its first reminders' included
        # (what happens from now on is).
        OutboxEmail.objects.filter(status=OutboxStatus.PENDING).update(
            status=OutboxStatus.SENT, sent_at=timezone.now(), last_error="données de démonstration"
        )
    if stdout is not None:
        stdout.write(f"  {showcased} fiches de démonstration de chaque fonction (brouillons, photos, suivi)")


def _load(orgs, stdout, per_site):
    rng = random.Random(2026)  # noqa: S311 - reproducible demo content
    now = timezone.now()
    landlord_ids = [o.pk for o in orgs.values() if o.is_landlord]
    agents = {
        u.organisation_id: u for u in User.objects.filter(organisation_id__in=landlord_ids, role=Role.AGENT)
    }
    officers = {
        u.organisation_id: u
        for u in User.objects.filter(organisation__kind__in=["police", "gendarmerie"], role=Role.AGENT)
    }
    count = 0
    for site in (
        HousingSite.objects.filter(landlord_id__in=landlord_ids).select_related("commune").order_by("pk")
    ):
        for n in range(per_site):
            category, subcategory, place, urgency, text = SCENARIOS[(site.pk + n) % len(SCENARIOS)]
            staff = subcategory == SubCategory.AGGRESSION_STAFF_VERBAL
            alert = services.alert_file(
                actor=agents[site.landlord_id],
                site=site,
                data={
                    "category": category,
                    "subcategory": subcategory,
                    "place_type": place,
                    "urgency": urgency,
                    "description": text,
                    "facts_at": now - datetime.timedelta(hours=2),
                    "people_count": rng.randint(1, 8),
                    "staff_victim": staff,
                    "staff_victim_function": StaffFunction.CARETAKER if staff else "",
                    "complaint": Complaint.FILED if staff else Complaint.NO,
                    "recurring": n % 2 == 0,
                    "witnesses_available": n % 3 == 0,
                },
            )
            count += 1
            officer = officers.get(alert.routed_unit_id)
            # Most fiches are answered; the newest stay open so the dashboards have a queue.
            stage = n if officer else 0
            if stage >= 1:
                services.alert_acknowledge(actor=officer, alert=alert)
            if stage >= 2:
                services.alert_feedback(
                    actor=officer, alert=alert, message="Patrouilles renforcées en soirée sur le secteur."
                )
            if stage >= 3:
                services.alert_close(
                    actor=officer,
                    alert=alert,
                    outcome=Outcome.PATROL,
                    comment="Présence renforcée pendant deux semaines ; situation apaisée.",
                )
            # Answered fiches spread over five months; a few open ones are already late, so the
            # beat's first scan escalates them and the dashboards show levels from the start.
            _backdate(alert, days=rng.randint(1, 150) if stage >= 1 else rng.choice([0, 0, 1, 2]), rng=rng)
    if stdout is not None:
        stdout.write(f"  {count} fiches alertes")


def _backdate(alert: Alert, *, days: int, rng: random.Random):
    """Move a demo fiche's history back in time, with plausible delays between filing,
    acknowledgement and first feedback (the services ran them within the same second)."""
    if not days:
        return
    shift = datetime.timedelta(days=days, hours=rng.randint(0, 20))
    ack_delay = datetime.timedelta(minutes=rng.randint(10, 30 * 60))
    feedback_delay = datetime.timedelta(hours=rng.randint(2, 200))
    filed = shift + ack_delay + feedback_delay
    moves = {
        "facts_at": filed,
        "submitted_at": filed,
        "created_at": filed,
        "ack_due_at": filed,
        "feedback_due_at": filed,
        "acknowledged_at": shift + feedback_delay,
        "first_feedback_at": shift,
        "closed_at": shift,
    }
    Alert.objects.filter(pk=alert.pk).update(
        **{name: F(name) - delta for name, delta in moves.items() if getattr(alert, name, None) is not None}
    )
    events = AlertEvent.objects.filter(alert_id=alert.pk)
    events.filter(to_status__in=["draft", "submitted"]).update(created_at=F("created_at") - filed)
    events.filter(to_status="acknowledged").update(created_at=F("created_at") - shift - feedback_delay)
    events.exclude(to_status__in=["draft", "submitted", "acknowledged"]).update(
        created_at=F("created_at") - shift
    )
