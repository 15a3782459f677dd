"""The escalation e-mails' text."""

import hashlib
from dataclasses import dataclass

from django.conf import settings

from partnerships.localtime import fiche_time
from partnerships.models import User

from .. import notifications
from ..models import Alert
from ..outbox import Message
from .clocks import Clock

LEVEL_LABELS = {
    1: "relance de l'unité",
    2: "signalement aux responsables de l'unité",
    3: "signalement à l'échelon supérieur",
    4: "signalement au référent de la préfecture",
}


@dataclass(frozen=True)
class FicheUrls:
    """The fiche page's path, resolved once per scan: a reverse() per fiche and recipient cost more
    than the rest of the scan's work."""

    pattern: str
    site_url: str
    SENTINEL = "987654321"

    @classmethod
    def resolve(cls) -> "FicheUrls":
        return cls(notifications.alert_url(Alert(pk=int(cls.SENTINEL))), settings.SITE_URL)

    def path(self, pk: int) -> str:
        return self.pattern.replace(self.SENTINEL, str(pk))

    def absolute(self, pk: int) -> str:
        return self.site_url + self.path(pk)


def grouped_email(
    user: User, clock: Clock, items: list[tuple], urls: FicheUrls, urgencies: dict[str, str]
) -> Message:
    """One message per person and scan, however many fiches fell due for them."""
    signature = ",".join(
        f"{fiche.pk}.{level}" for fiche, level in sorted(items, key=lambda i: (i[0].pk, i[1]))
    )
    key = f"escalation:{clock.name}:{user.pk}:{hashlib.sha256(signature.encode()).hexdigest()[:32]}"
    lines = [
        f"- {fiche.reference} ({urgencies.get(fiche.urgency, fiche.urgency)}, échéance "
        f"{fiche_time(fiche.due, fiche.department_id, reader=user)}) — {LEVEL_LABELS[level]} : "
        f"{urls.absolute(fiche.pk)}"
        for fiche, level in items
    ]
    count = len({fiche.pk for fiche, _ in items})
    subject = (
        f"[Passerelle] {count} fiche(s) en attente de {clock.label}"
        if count > 1
        else f"[Passerelle] {items[0][0].reference} : délai de {clock.label} dépassé"
    )
    body = (
        f"Bonjour,\n\nLe délai de {clock.label} est dépassé pour les fiches suivantes :\n\n"
        + "\n".join(lines)
        + "\n\nCe message est envoyé automatiquement par Passerelle.\n"
    )
    return Message(key, [user.email], subject[:250], body)
