"""Small helpers for the fiche templates, and the data of the two panels included in core pages
(home, estate page): each panel costs a couple of queries, never one per row."""

from django import template

from partnerships import scope

from .. import selectors
from ..models import Status, Urgency
from ..views.lists import label

register = template.Library()

STATUS_BADGES = {
    Status.DRAFT: "",
    Status.SUBMITTED: "fr-badge--new",
    Status.ACKNOWLEDGED: "fr-badge--info",
    Status.IN_PROGRESS: "fr-badge--info",
    Status.CLOSED: "fr-badge--success",
    Status.RETURNED: "fr-badge--error",
}
URGENCY_BADGES = {Urgency.IMMEDIATE: "fr-badge--error", Urgency.HIGH: "fr-badge--warning", Urgency.NORMAL: ""}


@register.filter
def status_badge_class(status):
    return STATUS_BADGES.get(status, "")


@register.filter
def urgency_badge_class(urgency):
    return URGENCY_BADGES.get(urgency, "")


@register.filter
def choice_label(alert, name):
    """`{{ alert|choice_label:"status" }}`: get_status_display from cached labels, for list rows."""
    return label(alert, name)


@register.simple_tag
def alert_panel(user):
    """Home page panel: fiches per status and the five first of the user's list (most urgent first for
    the forces, newest first for the others); for the prefecture, how many wait for routing."""
    if not user.is_authenticated:
        return None
    counts = selectors.status_counts(user=user)
    return {
        "counts": [
            {"status": value, "label": label, "count": counts[value]}
            for value, label in Status.choices
            if counts[value]
        ],
        "first": list(selectors.alert_list(user=user)[:5]),
        "to_route": selectors.routing_queue(user=user).count() if scope.is_prefecture(user) else None,
    }


@register.simple_tag
def site_alerts(user, site, limit=10):
    """The estate page's fiches, as the user may see them."""
    alerts = selectors.alert_list(user=user, filters={"site": site.pk})
    return {"first": list(alerts[:limit]), "count": alerts.count(), "limit": limit}
