"""Reads of the fiches alertes, already scoped to the user by alert_policy and already joined for
the pages and the API that render them (no query per row)."""

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerships import scope
from partnerships.models import HousingSite, Organisation, User
from partnerships.pagination import read_by_keys
from partnerships.permissions import site_policy
from partnerships.reference_cache import cached, read_once

from .filters import AlertFilter, overdue_q
from .following import FOLLOW_KIND
from .models import (
    OPEN_STATUSES,
    URGENCY_RANK,
    Alert,
    AlertEvent,
    AlertLink,
    Attachment,
    EventKind,
    Notification,
    Status,
    alert_field_names,
)
from .permissions import alert_policy

URGENCY_RANK_EXPRESSION = Case(
    *[When(urgency=urgency, then=Value(rank)) for urgency, rank in URGENCY_RANK.items()],
    default=Value(len(URGENCY_RANK)),
    output_field=IntegerField(),
)


def apply_filters(qs: QuerySet[Alert], filters: dict | None, user: User) -> QuerySet[Alert]:
    """Narrow `qs` with AlertFilter (the same filters as the API's query string)."""
    if not filters:
        return qs
    filterset = AlertFilter(data=filters, queryset=qs, request=None, user=user)
    # Invalid values (a mistyped date) are ignored field by field rather than emptying the list.
    filterset.is_valid()
    return filterset.qs


def with_latest_feedback(qs: QuerySet[Alert]) -> QuerySet[Alert]:
    """Annotate `latest_feedback` and `latest_feedback_at` (shared feedback only) in the same query."""
    latest = AlertEvent.objects.filter(
        alert=OuterRef("pk"), kind=EventKind.FEEDBACK, internal_to__isnull=True
    ).order_by("-created_at", "-id")
    return qs.annotate(
        latest_feedback=Subquery(latest.values("message")[:1]),
        latest_feedback_at=Subquery(latest.values("created_at")[:1]),
    )


def alert_list(
    *, user: User, filters: dict | None = None, latest_feedback: bool = True, now=None
) -> QuerySet[Alert]:
    """Fiches the user sees, filtered (AlertFilter keys), with `latest_feedback` (unless a list that
    does not show it says so: two subqueries per row). Forces get the triage order (overdue first,
    then most urgent, then oldest, `now` the instant that says what is late); others the newest
    first. The ranks are aliases, not annotations:
    they sort, and a page read by its keys (KeysFirstPaginator) neither selects nor computes them again."""
    qs = (
        alert_policy.instances(user, "view")
        .select_related("site__commune", "landlord", "routed_unit")
        # The commune's outline is a large GeoJSON nobody reads here: decoding it cost more than the
        # row. What a list reads of the fiches themselves is list_rows's business.
        .defer("site__commune__outline")
        .alias(urgency_rank=URGENCY_RANK_EXPRESSION)
    )
    qs = apply_filters(qs, filters, user)
    if latest_feedback:
        qs = with_latest_feedback(qs)
    if scope.is_force(user):
        return qs.alias(overdue_rank=overdue_rank_expression(now)).order_by(
            "overdue_rank", "urgency_rank", "submitted_at", "id"
        )
    return qs.order_by("-created_at", "-id")


# What the list pages, the panels, the CSV export and the API list read of a fiche and of its joins:
# a fifth of the columns, and reading and converting the others cost a quarter of a list's time.
# Anything else a list row read would cost a query per row (the query-count tests would see it).
LIST_FIELDS = (
    "reference",
    "category",
    "subcategory",
    "urgency",
    "facts_at",
    # The lifecycle: status, dates, due dates, escalation levels, outcome.
    *alert_field_names("status", "outcome"),
    "version",
    "created_at",
    # Its times are shown in its département's zone (partnerships/localtime.py).
    "department_id",
    "site__name",
    "site__commune__name",
    "landlord__name",
    "routed_unit__name",
)


def list_rows(alerts: QuerySet[Alert]) -> QuerySet[Alert]:
    """An alert_list narrowed to the columns a list shows (LIST_FIELDS): for reading only, never for
    a service to change the fiches (their other fields would be read one query at a time)."""
    return alerts.only(*LIST_FIELDS)


def first_alerts(alerts: QuerySet[Alert], count: int) -> list[Alert]:
    """The first `count` fiches of an alert_list, their keys sorted first (see KeysFirstPaginator):
    the panels of the home and estate pages."""
    return read_by_keys(list_rows(alerts), alerts.values_list("pk", flat=True)[:count])


def overdue_rank_expression(now=None) -> Case:
    """0 for a fiche past one of its due dates (filters.overdue_q) at `now`, else 1: the triage queue
    shows what is late first."""
    return Case(
        When(overdue_q(now or timezone.now()), then=Value(0)), default=Value(1), output_field=IntegerField()
    )


def alert_get(*, user: User, pk, action: str = "view") -> Alert:
    """One fiche for a URL: 404 when missing and when not allowed (`action` as in alert_policy)."""
    # Not joined: the fiche linked to or duplicated, rare, read only when there is one (each join
    # costs planning time on every view). The commune's outline is a large GeoJSON no view shows.
    qs = Alert.objects.select_related(
        "site__commune", "landlord", "routed_unit", "building", "reporter", "convention"
    ).defer("site__commune__outline")
    # The same `latest_feedback` as the lists, in the same query: one truth per figure.
    qs = with_latest_feedback(qs)
    return alert_policy.get_or_404(user, action, queryset=qs, pk=pk)


def fiche_get(*, user: User, pk, extra: dict | None = None) -> Alert:
    """alert_get for the fiche page, which reads everything of the fiche (so no `latest_feedback`,
    which it does not show) and asks, in the same query, what it would otherwise ask in one query
    each: the guardian grants (alert_policy.grant_annotations), whether the estate's page is open to
    the user (`site_visible`, see can_open_site), whether the fiche has links (`has_links`: no
    alert_links query when it has none), and the caller's `extra` annotations. Its estate, commune,
    landlord, unit and convention come from the reference cache (with_reference_rows), not joins.
    The page itself reads it through alerts.fiche_read (the same QuerySet, compiled once)."""
    try:
        alert = fiche_queryset(user=user, extra=extra).get(pk=pk)
    except (Alert.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return with_reference_rows(alert)


def fiche_queryset(*, user: User, extra: dict | None = None) -> QuerySet[Alert]:
    """fiche_get's QuerySet, before its pk."""
    return (
        alert_policy.instances(user, "view")
        .select_related("building", "reporter")
        .annotate(
            site_visible=Exists(site_policy.instances(user, "view").filter(pk=OuterRef("site_id"))),
            has_links=Exists(AlertLink.objects.filter(from_alert=OuterRef("pk")))
            | Exists(AlertLink.objects.filter(to_alert=OuterRef("pk"))),
            **alert_policy.grant_annotations(user),
            **(extra or {}),
        )
    )


def with_reference_rows(alert: Alert) -> Alert:
    """Set the fiche's estate (with its commune), landlord, unit and convention from the reference
    cache: rows that rarely change, each read once per process until one of them changes
    (partnerships.reference_cache, moved by their saves). Joined to the fiche, they doubled the
    query's planning and the ORM's work on every view. The shared version is read once for the four
    (read_once), not once each."""
    with read_once():
        return _with_reference_rows(alert)


def _with_reference_rows(alert: Alert) -> Alert:
    site = cached(
        ("fiche-site", alert.site_id),
        lambda: HousingSite.objects.select_related("commune").defer("commune__outline").get(pk=alert.site_id),
    )
    Alert.site.field.set_cached_value(alert, site)
    for field in ("landlord", "routed_unit"):
        organisation_id = getattr(alert, f"{field}_id")
        if organisation_id is not None:
            organisation = cached(
                ("fiche-organisation", organisation_id),
                lambda pk=organisation_id: Organisation.objects.get(pk=pk),
            )
            Alert._meta.get_field(field).set_cached_value(alert, organisation)
    if alert.convention_id is not None:
        convention = cached(
            ("fiche-convention", alert.convention_id),
            lambda: Alert.convention.field.related_model.objects.get(pk=alert.convention_id),
        )
        Alert.convention.field.set_cached_value(alert, convention)
    return alert


def can_open_site(user: User, alert: Alert) -> bool:
    """site_policy.has_permission(user, "view", alert.site), from fiche_get's `site_visible` when the
    answer is for_organisation's (the owner's is its guardian grant, asked as has_permission does)."""
    site_visible = getattr(alert, "site_visible", None)
    if site_visible is None or user.organisation_id == alert.site.landlord_id:
        return site_policy.has_permission(user, "view", alert.site)
    return site_visible


def alert_links(*, user: User, alert: Alert) -> QuerySet[Alert]:
    """The fiches linked to `alert` (AlertLink, either direction) that `user` may see, by reference:
    a landlord is never shown another landlord's linked fiche, nor told it exists."""
    if getattr(alert, "has_links", None) is False:
        return Alert.objects.none()
    return (
        alert_policy.instances(user, "view")
        .filter(Q(pk__in=alert.links_from.values("to_alert")) | Q(pk__in=alert.links_to.values("from_alert")))
        .only("reference", "status")
        .order_by("reference")
    )


def alert_timeline(*, user: User, alert: Alert) -> QuerySet[AlertEvent]:
    """The fiche's events the user may read (internal comments only to their organisation), oldest
    first, with author, organisation and attachment joined."""
    return (
        alert.events.filter(alert_policy.visible_events_q(user))
        .select_related("author", "organisation", "attachment")
        .order_by("created_at", "id")
    )


# What the fiche page shows of a timeline line, its author, organisation and attachment (event_html,
# event_author_label, the gallery): reading their full rows (the author's password hash, login
# dates…) was most of the timeline's time.
FICHE_TIMELINE_FIELDS = (
    # The fiche's own id: the related manager sets each event's `alert` to the fiche in hand.
    "alert_id",
    "kind",
    "from_status",
    "to_status",
    "message",
    "created_at",
    "internal_to_id",
    "author__first_name",
    "author__last_name",
    "author__email",
    "organisation__name",
    "attachment__original_name",
    "attachment__content_type",
    "attachment__size",
    "attachment__thumbnail",
)


def fiche_timeline(*, user: User, alert: Alert) -> QuerySet[AlertEvent]:
    """alert_timeline narrowed to what the fiche page shows (FICHE_TIMELINE_FIELDS)."""
    return alert_timeline(user=user, alert=alert).only(*FICHE_TIMELINE_FIELDS)


def reporter_visible_to(alert: Alert, user: User) -> bool:
    """Forces see who filed only if the reporter agreed; the landlord and the prefecture always do."""
    return alert.reporter_visible or not scope.is_force(user) or user.is_superuser


def reporter_label(alert: Alert, user: User) -> str:
    """The reporter as shown to `user`: name and e-mail, or the landlord only (protection of staff)."""
    if alert.reporter_id is None:
        return _("Un agent de %(landlord)s (identité effacée)") % {"landlord": alert.landlord.name}
    if reporter_visible_to(alert, user):
        reporter = alert.reporter
        name = reporter.get_full_name() or reporter.email
        return f"{name} ({reporter.email}) — {alert.landlord.name}"
    return unnamed_reporter(alert)


def unnamed_reporter(alert: Alert) -> str:
    return _("Un agent de %(landlord)s") % {"landlord": alert.landlord.name}


def event_author_label(event: AlertEvent, alert: Alert, user: User) -> str:
    """Who wrote a timeline line, hiding the reporter from forces as reporter_label does."""
    if event.author_id is None:
        return "Passerelle"
    if event.author_id == alert.reporter_id and not reporter_visible_to(alert, user):
        return unnamed_reporter(alert)
    name = event.author.get_full_name() or event.author.email
    return f"{name} — {event.organisation.name}" if event.organisation else name


def status_counts(*, user: User, filters: dict | None = None) -> dict[str, int]:
    """Number of visible fiches per status (every status present, zero included), one query.
    The `status` filter itself is ignored: the counts are the tabs that choose it."""
    filters = {k: v for k, v in (filters or {}).items() if k != "status"}
    qs = apply_filters(alert_policy.instances(user, "view"), filters, user)
    counts = dict.fromkeys(Status.values, 0)
    # COUNT(*), not COUNT(id): the (routed_unit, status, …) and (landlord, …) indexes then answer alone.
    counts.update(qs.order_by().values_list("status").annotate(n=Count("*")))
    return counts


def routing_queue(*, user: User) -> QuerySet[Alert]:
    """Prefecture: open fiches of the département that no unit handles (no competent unit, or
    returned by a unit), oldest first."""
    if not (scope.is_prefecture(user) or user.is_superuser):
        return Alert.objects.none()
    # A returned fiche's latest return, read from its timeline in the page's own query (subqueries,
    # not a query per row): the reason, the unit that returned it and its comment.
    returns = AlertEvent.objects.filter(
        alert=OuterRef("pk"), kind=EventKind.TRANSITION, to_status=Status.RETURNED
    ).order_by("-created_at", "-id")
    return (
        alert_policy.instances(user, "route")
        .filter(routed_unit__isnull=True, status__in=OPEN_STATUSES)
        .select_related("site__commune", "landlord")
        .annotate(
            return_reason=Subquery(returns.values(reason=KeyTextTransform("reason", "data"))[:1]),
            returned_by=Subquery(returns.values("organisation__name")[:1]),
            return_comment=Subquery(returns.values("message")[:1]),
        )
        .alias(urgency_rank=URGENCY_RANK_EXPRESSION)
        .order_by("urgency_rank", "submitted_at", "id")
    )


def overdue_count(*, user: User) -> int:
    """How many of the fiches the user sees are late (acknowledgement or first feedback)."""
    return alert_policy.instances(user, "view").filter(overdue_q(timezone.now())).count()


def recent_filing_sites(*, user: User, limit: int = 5) -> list:
    """The estates the user filed on most recently, newest first: on site, it is often the same."""
    seen, sites = set(), []
    recent = alert_policy.instances(user, "view").filter(reporter=user).select_related("site__commune")
    for alert in recent.order_by("-created_at", "-id")[:50]:
        if alert.site_id not in seen:
            seen.add(alert.site_id)
            sites.append(alert.site)
        if len(sites) == limit:
            break
    return sites


def last_building_on_site(*, user: User, site) -> int | None:
    """The building of the latest fiche the user sees on that estate: offered first on the next one."""
    return (
        alert_policy.instances(user, "view")
        .filter(site=site, building__isnull=False)
        .order_by("-created_at", "-id")
        .values_list("building_id", flat=True)
        .first()
    )


def visible_attachments(*, user: User, alert: Alert) -> QuerySet[Attachment]:
    """Attachments of a fiche the user sees (all of them: attachments are shared with the fiche)."""
    if not alert_policy.has_permission(user, "view", alert):
        return Attachment.objects.none()
    return alert.attachments.select_related("uploaded_by").order_by("created_at", "id")


def attachment_get(*, user: User, alert_pk, pk) -> Attachment:
    """One attachment for the download view: 404 unless the user sees its fiche."""
    alert = alert_get(user=user, pk=alert_pk)
    try:
        return visible_attachments(user=user, alert=alert).get(pk=pk)
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


ESCALATIONS = "escalation"


def notification_list(*, user: User, kind: str = "") -> QuerySet:
    """The user's in-app notifications, newest first; `kind` keeps one kind of event (a FollowKind,
    or "escalation" for the overdue reminders)."""
    notifications = user.notifications.select_related("alert").order_by("-created_at", "-id")
    if kind == ESCALATIONS:
        return notifications.filter(kind__startswith="escalation")
    if kind:
        return notifications.filter(kind__in=[name for name, follow in FOLLOW_KIND.items() if follow == kind])
    return notifications


def unread_notification_count(*, user: User) -> int:
    """Badge of the menu: the user's unread notifications."""
    return user.notifications.filter(read_at__isnull=True).count() if user.is_authenticated else 0


def unread_notification_count_subquery(*, user: User):
    """The same count as an expression, for a query that reads something else in the same trip
    (the queues' version rows, alerts.queues)."""
    return unread_count_of(user.pk)


def unread_count_of(user_pk):
    """The same count for an account's primary key, given or an OuterRef (the session's query on a
    page's GET, partnerships/auth/session_store.py)."""
    counted = (
        Notification.objects.filter(recipient=user_pk, read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(counted), 0)
