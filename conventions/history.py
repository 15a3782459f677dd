"""The one way a convention service records what it did: a line of the subject's history (a
convention's or a partnership problem's `events`, shown on its page) and the audit entry of the same
change, written together so that neither can be forgotten."""

from django.db.models import Model

from partnerships.audit import audit_record
from partnerships.models import AuditAction, User

from .models import Convention, HistoryEvent, PartnershipProblem


def history_record(
    subject: Convention | PartnershipProblem,
    actor: User | None,
    action: str,
    message: str,
    *,
    obj: Model | None = None,
    audit_action: str = AuditAction.CHANGE,
    **data,
) -> HistoryEvent:
    """Record `action` on `subject` by `actor` (None: the platform itself). `obj` is the object the
    audit entry names when it is not the subject itself (a commitment, a meeting, a document…).
    The entry keeps the action and `data` (ids, field names, status codes), never the message: it
    may quote free text, and audit entries outlive what they describe."""
    audit_record(
        request_or_actor=actor,
        action=audit_action,
        obj=obj if obj is not None else subject,
        department_id=subject.department_id,
        detail={"event": action, **data},
    )
    return subject.events.create(actor=actor, action=action, message=message[:300], data=data)
