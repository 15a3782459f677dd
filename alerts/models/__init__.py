from .alert import (
    Alert,
    AlertGroupObjectPermission,
    AlertUserObjectPermission,
    ReferenceCounter,
    alert_field_names,
)
from .choices import (
    OPEN_STATUSES,
    SUBCATEGORIES,
    URGENCY_RANK,
    Category,
    Complaint,
    ComplaintBy,
    EventKind,
    Outcome,
    PlaceType,
    ReturnReason,
    StaffFunction,
    Status,
    SubCategory,
    Urgency,
)
from .events import AlertEvent, Attachment
from .links import AlertLink
from .notifications import Notification, OutboxChannel, OutboxEmail, OutboxStatus
from .webhooks import WebhookEndpoint, WebhookEvent

__all__ = [
    "OPEN_STATUSES",
    "SUBCATEGORIES",
    "URGENCY_RANK",
    "Alert",
    "AlertEvent",
    "AlertGroupObjectPermission",
    "AlertLink",
    "AlertUserObjectPermission",
    "Attachment",
    "Category",
    "Complaint",
    "ComplaintBy",
    "EventKind",
    "Notification",
    "Outcome",
    "OutboxChannel",
    "OutboxEmail",
    "OutboxStatus",
    "PlaceType",
    "ReferenceCounter",
    "ReturnReason",
    "StaffFunction",
    "Status",
    "SubCategory",
    "Urgency",
    "WebhookEndpoint",
    "WebhookEvent",
    "alert_field_names",
]
