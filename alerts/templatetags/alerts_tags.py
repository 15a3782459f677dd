"""Small helpers for the fiche templates, and the data of the two panels included in core pages
(home, estate page): each panel costs a couple of queries, never one per row."""

from django import template

from .. import selectors
from ..models import ReturnReason, Status
from ..permissions import alert_policy
from ..views.rows import label, status_badge, urgency_badge

register = template.Library()

# The badges are drawn in Python (alerts/views/rows.py), where the list rows draw them too: a list
# renders 25 to 50 of them, and an {% include %} per row cost more than the row's own cells.
register.simple_tag(status_badge)
register.simple_tag(urgency_badge)


@register.filter
def return_reason_label(value):
    """`{{ alert.return_reason|return_reason_label }}`: the French label of a stored return reason."""
    return ReturnReason(value).label if value in ReturnReason.values else ""


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
    routes = alert_policy.user_has_permission(user, "route")
    return {
        "counts": [
            {"status": value, "label": label, "count": counts[value]}
            for value, label in Status.choices
            if counts[value]
        ],
        "first": selectors.first_alerts(selectors.alert_list(user=user), 5),
        # The prefecture's two figures to act on, each a link to its list.
        "to_route": selectors.routing_queue(user=user).count() if routes else None,
        "overdue": selectors.overdue_count(user=user) if routes else None,
        **list_links(user),
    }


def list_links(user) -> dict:
    """The buttons under a panel of fiches: filing, and the one full list the user has."""
    if alert_policy.user_has_permission(user, "triage"):
        list_url = "alerts:dashboard"
    elif alert_policy.user_has_permission(user, "list"):
        list_url = "alerts:list"
    else:
        list_url = None
    return {"can_file": alert_policy.user_has_permission(user, "file"), "list_url": list_url}


@register.simple_tag
def site_alerts(user, site, limit=10):
    """The estate page's fiches, as the user may see them."""
    alerts = selectors.alert_list(user=user, filters={"site": site.pk})
    return {
        "first": selectors.first_alerts(alerts, limit),
        "count": alerts.count(),
        "limit": limit,
        **list_links(user),
    }
