"""The audit trail (RGPD art. 10: every access to offence data is logged): who viewed, changed,
exported or downloaded which fiche or file, when, from which organisation and address.

`audit_record` is the one writer: a single INSERT, built from what the caller already holds (the
labels are copied from the actor and the object, nothing is read back). Entries never hold free
text of a fiche (descriptions, comments): they are kept after the fiche is anonymised."""

import contextvars
import datetime
import ipaddress

from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from .models import AuditAction, AuditEntry, User
from .permissions import DepartmentManagersPolicy

# The client address of the request being served, for entries written by services (which receive
# the actor, not the request). Set by AuditContextMiddleware.
_client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("audit_client_ip", default=None)


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR when it is an address (the inet column of PostgreSQL refuses anything else)."""
    value = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _client_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            _client_ip.reset(token)


def audit_record(**fields) -> AuditEntry:
    """Append one entry, described by audit_entry's keyword arguments."""
    entry = audit_entry(**fields)
    entry.save(force_insert=True)
    return entry


def audit_entry(
    *,
    request_or_actor: HttpRequest | User | None,
    action: AuditAction | str,
    obj: Model | None = None,
    object_type: str = "",
    alert=None,
    department_id: str | None = None,
    detail: dict | None = None,
) -> AuditEntry:
    """One entry, not written yet (audit_record writes it; a caller writing several uses one INSERT).
    `obj` names the object (its type and id); `alert` the fiche it belongs to (an Alert is its own
    fiche); the département (whose prefecture reads the entry) is the fiche's, else the object's,
    else the actor's organisation's. No actor: the platform itself (a task)."""
    if hasattr(request_or_actor, "META"):  # a Django or a DRF request
        actor, ip = request_or_actor.user, client_ip(request_or_actor)
    else:
        actor, ip = request_or_actor, _client_ip.get()
    if actor is not None and not actor.is_authenticated:
        actor = None
    organisation = actor.organisation if actor is not None and actor.organisation_id else None
    if alert is None and obj is not None and obj._meta.label_lower == "alerts.alert":
        alert = obj
    department_id = (
        department_id
        or (alert.department_id if alert is not None else None)
        or getattr(obj, "department_id", None)
        or (organisation.department_id if organisation is not None else None)
    )
    return AuditEntry(
        actor=actor,
        actor_label=actor.email if actor is not None else "",
        organisation=organisation,
        organisation_label=organisation.name if organisation is not None else "",
        department_id=department_id,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else object_type,
        object_id=str(obj.pk) if obj is not None else "",
        alert_id=alert.pk if alert is not None else None,
        reference=(alert.reference or "") if alert is not None else "",  # a draft has none yet
        detail=detail or {},
        ip=ip,
    )


def query_detail(request: HttpRequest, **extra) -> dict:
    """What an export contained: the filters of its query string (the page number aside)."""
    filters = {key: value for key, value in request.GET.items() if key != "page" and value}
    return {"filters": filters, **extra}


class AuditEntryPolicy(DepartmentManagersPolicy):
    """The prefecture's referent reads the entries of the département; platform administrators all.
    Page "view": the journal and its export."""

    model = AuditEntry
    actions = ("view",)


audit_policy = AuditEntryPolicy()


def audit_entries(
    *,
    user: User,
    alert_id: int | None = None,
    reference: str = "",
    actor: str = "",
    action: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[AuditEntry]:
    """The entries the user may read, newest first, narrowed by the filters of the audit page
    (dates are whole local days, both included)."""
    qs = audit_policy.instances(user)
    if alert_id is not None:
        qs = qs.filter(alert_id=alert_id)
    if reference:
        qs = qs.filter(reference__icontains=reference.strip())
    if actor:
        qs = qs.filter(actor_label__icontains=actor.strip())
    if action:
        qs = qs.filter(action=action)
    if date_from:
        qs = qs.filter(at__gte=start_of_day(date_from))
    if date_to:
        qs = qs.filter(at__lt=start_of_day(date_to + datetime.timedelta(days=1)))
    return qs.order_by("-at", "-id")


def start_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
