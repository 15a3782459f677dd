"""Following: who hears of a fiche's events, and how each of them chose to.

Following is derived from roles when an event is announced, not stored: the reporter and the
landlord's managers follow the landlord's fiches; the routed unit's members follow the fiches routed
to it (the prefecture's staff while no unit handles one). A Follow table would cost a write per
follower at every filing and redirect — the benchmark's filing figure — and would have to be kept in
step with roles, accounts and routing; derived, a redirect moves the following with `routed_unit`
and filing writes nothing more than before.

Announcing an event costs three queries whatever the number of followers: one reads the followers
with their choice for the event's kind, one bulk INSERT writes the in-app notifications, one outbox
INSERT queues the e-mails (tests/alerts/test_following.py pins it)."""

from types import SimpleNamespace

from django.db import connection, transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery

from partnerships.audit import audit_record
from partnerships.models import AuditAction, OrganisationKind, User
from partnerships.prepared import compiled_store

from . import notifications, outbox
from .escalation.recipients import MANAGER_ROLES
from .models import (
    REMINDER_KINDS,
    Alert,
    AlertEvent,
    Channel,
    FollowKind,
    Notification,
    NotificationPreference,
)

# Notification kind -> the kind of event its recipient chose a channel for.
FOLLOW_KIND = {
    "alert_new": FollowKind.NEW,
    "alert_reopened": FollowKind.NEW,
    "alert_redirected": FollowKind.ROUTING,
    "alert_routed": FollowKind.ROUTING,
    "alert_returned": FollowKind.ROUTING,
    "alert_acknowledged": FollowKind.ACKNOWLEDGED,
    "alert_started": FollowKind.PROGRESS,
    "alert_feedback": FollowKind.FEEDBACK,
    "alert_comment": FollowKind.COMMENT,
    "alert_attachment": FollowKind.ATTACHMENT,
    "alert_closed": FollowKind.CLOSED,
    "alert_merged": FollowKind.CLOSED,
    **{kind.value: kind for kind in REMINDER_KINDS},
}

LANDLORD, HANDLER = "landlord", "handler"
# Without a choice of their own: the landlord hears back at once on every answer; the handling unit
# hears at once of what it must act on (a fiche reaching it, a comment) and reads its colleagues'
# answers in the daily digest rather than in its mailbox.
DEFAULTS = {
    FollowKind.NEW: {LANDLORD: Channel.DIGEST, HANDLER: Channel.IMMEDIATE},
    FollowKind.ROUTING: {LANDLORD: Channel.IMMEDIATE, HANDLER: Channel.IMMEDIATE},
    FollowKind.ACKNOWLEDGED: {LANDLORD: Channel.IMMEDIATE, HANDLER: Channel.NEVER},
    FollowKind.PROGRESS: {LANDLORD: Channel.IMMEDIATE, HANDLER: Channel.NEVER},
    FollowKind.FEEDBACK: {LANDLORD: Channel.IMMEDIATE, HANDLER: Channel.DIGEST},
    FollowKind.COMMENT: {LANDLORD: Channel.IMMEDIATE, HANDLER: Channel.IMMEDIATE},
    FollowKind.ATTACHMENT: {LANDLORD: Channel.DIGEST, HANDLER: Channel.DIGEST},
    FollowKind.CLOSED: {LANDLORD: Channel.IMMEDIATE, HANDLER: Channel.DIGEST},
    # A reminder is sent once per threshold, so it may come at once: an action or a periodic point
    # asks for a step soon. An expiry is months away: the morning digest says it.
    FollowKind.ACTION_REMINDER: {LANDLORD: Channel.IMMEDIATE, HANDLER: Channel.IMMEDIATE},
    FollowKind.PERIODIC_REMINDER: {LANDLORD: Channel.IMMEDIATE, HANDLER: Channel.IMMEDIATE},
    FollowKind.EXPIRY_REMINDER: {LANDLORD: Channel.DIGEST, HANDLER: Channel.DIGEST},
}


def side_of(user: User) -> str:
    """Which default a user gets: the landlord's side, or the side handling fiches."""
    return LANDLORD if user.organisation_id and user.organisation.is_landlord else HANDLER


def followers_q(alert: Alert) -> Q:
    """The fiche's followers: its reporter and the landlord's managers, and whoever handles it now."""
    if alert.routed_unit_id:
        handlers = Q(organisation_id=alert.routed_unit_id)
    else:
        handlers = Q(
            organisation__kind=OrganisationKind.PREFECTURE, organisation__department_id=alert.department_id
        )
    landlord = Q(organisation_id=alert.landlord_id, role__in=MANAGER_ROLES)
    if alert.reporter_id:
        landlord |= Q(pk=alert.reporter_id)
    return handlers | landlord


def followers_query(alert, kind: str, *, author_id=None, internal_to_id=None) -> QuerySet:
    """(id, e-mail, chosen channel or None, on the landlord's side) of the followers of an event of
    `kind` (a FollowKind); the author is not told of their own act, and an internal event stays
    within its organisation."""
    users = User.objects.filter(followers_q(alert), is_active=True)
    if author_id is not None:
        users = users.exclude(pk=author_id)
    if internal_to_id is not None:
        users = users.filter(organisation_id=internal_to_id)
    return users.annotate(
        chosen=Subquery(
            NotificationPreference.objects.filter(user=OuterRef("pk"), kind=kind).values("channel")[:1]
        ),
        landlord_side=Q(organisation_id=alert.landlord_id) | Q(pk=alert.reporter_id or 0),
    ).values_list("pk", "email", "chosen", "landlord_side")


# followers_query's SQL, compiled once per process and shape of event (the ORM spent more building and
# compiling it than the database running it): compiled with a marker for each value, which each call
# replaces with its own. The markers are values no row or constant of the query has.
MARKERS = SimpleNamespace(
    unit=-910_000_001,
    landlord=-910_000_002,
    reporter=-910_000_003,
    author=-910_000_004,
    internal_to=-910_000_005,
    department="\x00department",
    kind="\x00kind",
)
_statements: dict[tuple, tuple[str, tuple]] = {}
compiled_store(_statements.clear)


def follower_rows(alert: Alert, kind: str, *, author_id=None, internal_to_id=None) -> list[tuple]:
    """followers_query's rows, in one query whose SQL is compiled once per shape."""
    shape = (
        connection.vendor,
        alert.routed_unit_id is not None,
        bool(alert.reporter_id),
        author_id is not None,
        internal_to_id is not None,
    )
    if shape not in _statements:
        _statements[shape] = compiled_with_markers(*shape[1:])
    sql, params = _statements[shape]
    values = {
        MARKERS.unit: alert.routed_unit_id,
        MARKERS.landlord: alert.landlord_id,
        MARKERS.reporter: alert.reporter_id,
        MARKERS.author: author_id,
        MARKERS.internal_to: internal_to_id,
        MARKERS.department: alert.department_id,
        MARKERS.kind: kind,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, [values.get(p, p) if type(p) in (int, str) else p for p in params])
        return cursor.fetchall()


def compiled_with_markers(routed: bool, reported: bool, authored: bool, internal: bool) -> tuple[str, tuple]:
    stand_in = SimpleNamespace(
        routed_unit_id=MARKERS.unit if routed else None,
        department_id=MARKERS.department,
        landlord_id=MARKERS.landlord,
        reporter_id=MARKERS.reporter if reported else None,
    )
    sql, params = followers_query(
        stand_in,
        MARKERS.kind,
        author_id=MARKERS.author if authored else None,
        internal_to_id=MARKERS.internal_to if internal else None,
    ).query.sql_with_params()
    used = {MARKERS.landlord, MARKERS.kind}
    used |= {MARKERS.unit} if routed else {MARKERS.department}
    used |= {MARKERS.reporter} if reported else set()
    used |= {MARKERS.author} if authored else set()
    used |= {MARKERS.internal_to} if internal else set()
    if not used <= set(params):  # a value written into the SQL would be the marker's, for every call
        raise RuntimeError("a value of the followers query was not compiled as a parameter")
    return sql, tuple(params)


def followers(alert: Alert, kind: str, *, author_id=None, internal_to_id=None) -> list[tuple[int, str, str]]:
    """(id, e-mail, channel) of each follower told of an event of `kind` (a FollowKind), in one query."""
    found = []
    for pk, email, chosen, landlord_side in follower_rows(
        alert, kind, author_id=author_id, internal_to_id=internal_to_id
    ):
        channel = chosen or DEFAULTS[kind][LANDLORD if landlord_side else HANDLER]
        if channel != Channel.NEVER:
            found.append((pk, email, channel))
    return found


def notify_followers(*, event: AlertEvent, kind: str, message: str, body: str = "") -> list[int]:
    """Announce `event` of its fiche to the followers as each chose for its kind: in the app (at once,
    or also kept for the daily digest) and by e-mail at once. Returns the outbox rows' ids."""
    alert = event.alert
    told = followers(alert, FOLLOW_KIND[kind], author_id=event.author_id, internal_to_id=event.internal_to_id)
    url = notifications.alert_url(alert)
    text = message if not body else f"{message} : « {body} »"
    if len(text) > 300:
        text = text[:299] + "…"
    # The notifications in the app are written with the e-mails, in one statement.
    in_app = [
        Notification(
            recipient_id=pk,
            alert=alert,
            kind=kind,
            message=text,
            url=url,
            digest_pending=channel == Channel.DIGEST,
        )
        for pk, _email, channel in told
    ]
    subject = notifications.email_subject_for(alert, message)
    email = (
        f"{message}.\n\n{body}".rstrip()
        + f"\n\nConsulter la fiche : {notifications.alert_absolute_url(alert)}\n"
    )
    return outbox.queue(
        (
            outbox.Message(f"{kind}:{alert.pk}:{event.pk}:{pk}", [address], subject, email)
            for pk, address, channel in told
            if channel == Channel.IMMEDIATE
        ),
        with_rows=in_app,
    )


def channels_chosen(users: list[User], kinds) -> dict[tuple[int, str], str]:
    """{(user id, kind): channel} for the users and kinds given, each as chosen or by default, in one
    query (the users come with their organisation: the default depends on its side)."""
    chosen = dict(
        ((user_id, kind), channel)
        for user_id, kind, channel in NotificationPreference.objects.filter(
            user__in=[user.pk for user in users], kind__in=list(kinds)
        ).values_list("user_id", "kind", "channel")
    )
    return {
        (user.pk, kind): chosen.get((user.pk, kind), DEFAULTS[kind][side_of(user)])
        for user in users
        for kind in kinds
    }


def preferences_of(user: User) -> dict[str, str]:
    """Every kind of event with the user's channel for it (their choice, or the default)."""
    chosen = dict(user.notification_preferences.values_list("kind", "channel"))
    side = side_of(user)
    return {kind: chosen.get(kind, DEFAULTS[kind][side]) for kind in FollowKind.values}


@transaction.atomic
def notification_preferences_set(*, actor: User, choices: dict[str, str]) -> None:
    """Record the user's channel per kind of event (their own preferences only: `actor` is the user)."""
    valid = {
        kind: channel
        for kind, channel in choices.items()
        if kind in FollowKind.values and channel in Channel.values
    }
    NotificationPreference.objects.filter(user=actor, kind__in=list(valid)).delete()
    NotificationPreference.objects.bulk_create(
        [NotificationPreference(user=actor, kind=kind, channel=channel) for kind, channel in valid.items()]
    )
    audit_record(request_or_actor=actor, action=AuditAction.CHANGE, obj=actor, detail={"preferences": valid})
