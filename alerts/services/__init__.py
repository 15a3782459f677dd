"""Services of the fiches alertes: every write goes through one of these functions (HackSoft
styleguide). The state machine is alerts.models.lifecycle.TRANSITIONS."""

from ..models.lifecycle import TRANSITIONS
from .attachments import alert_add_attachment, alert_add_attachment_or_replay, sniff_content_type
from .filing import alert_create_draft, alert_file, alert_submit, alert_update_draft, similar_recent_alerts
from .triage import (
    alert_acknowledge,
    alert_bulk_acknowledge,
    alert_close,
    alert_comment,
    alert_feedback,
    alert_link,
    alert_merge,
    alert_redirect,
    alert_reopen,
    alert_return_to_prefecture,
    alert_route_manually,
    alert_start,
)

__all__ = [
    "TRANSITIONS",
    "alert_acknowledge",
    "alert_add_attachment",
    "alert_add_attachment_or_replay",
    "alert_bulk_acknowledge",
    "alert_close",
    "alert_comment",
    "alert_create_draft",
    "alert_feedback",
    "alert_file",
    "alert_link",
    "alert_merge",
    "alert_redirect",
    "alert_reopen",
    "alert_return_to_prefecture",
    "alert_route_manually",
    "alert_start",
    "alert_submit",
    "alert_update_draft",
    "similar_recent_alerts",
    "sniff_content_type",
]
