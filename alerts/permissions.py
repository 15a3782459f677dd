"""The policy of fiches alertes: who sees and acts on which fiche. Lists filter on the organisation
foreign keys (indexed); object checks of the owner and of the routed unit go through the guardian
grants written by alerts.services, so revoking a grant (redirect) takes effect at once."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q, QuerySet

from partnerships import scope
from partnerships.models import OrganisationKind, User
from partnerships.permissions import BasePolicy

from .models import Alert, AlertGroupObjectPermission, AlertUserObjectPermission, Status
from .models.lifecycle import FORCE, LANDLORD, PREFECTURE, TRANSITIONS, VIEWER, precondition_error
from .models.queues import department_key, organisation_key

ACTIONS = (VIEWER, FORCE, LANDLORD, PREFECTURE)
GUARDIAN_PERM = {VIEWER: "alerts.view_alert", FORCE: "alerts.change_alert", LANDLORD: "alerts.change_alert"}


class AlertPolicy(BasePolicy):
    """Actions: "view", "change" (force actions), "file" (landlord side), "route" (prefecture:
    manual routing, redirect).

    Pages (model level): "file" (file fiches, and the list is the organisation's own, drafts
    included), "triage" (the force dashboard), "route" (the manual-routing queue), "list" (the
    landlord's and the prefecture's lists), "read_procedure" (the forces' procedure number)."""

    model = Alert
    actions = ACTIONS

    def page_permission(self, user: User, org, action: str) -> bool:
        if action == "read_procedure":
            # Everyone but the landlord's staff (who see it on their own form only).
            return org is None or not org.is_landlord
        if org is None:
            return False
        if action == LANDLORD:
            return org.is_landlord
        if action == "triage":
            return org.is_force
        if action == PREFECTURE:
            return org.is_prefecture
        if action == "list":
            return org.is_landlord or org.is_prefecture
        return False

    def for_organisation(self, user: User, org, action: str, qs: QuerySet) -> QuerySet:
        if org.is_landlord and action in (VIEWER, LANDLORD):
            # Drafts are visible to the filing organisation only.
            return qs.filter(landlord_id=org.id)
        submitted = qs.exclude(status=Status.DRAFT)
        if org.is_force and action in (VIEWER, FORCE):
            return submitted.filter(routed_unit_id__in=scope.unit_ids(user))
        if org.is_prefecture and action in (VIEWER, PREFECTURE):
            return submitted.filter(department_id=org.department_id)
        if org.kind == OrganisationKind.PARQUET and action == VIEWER:
            # Only the fiches of the conventions it signed that let the parquet read them (off by
            # default); one signatory row per organisation and convention, so the join adds no duplicate.
            return submitted.filter(
                convention__parquet_reads_fiches=True, convention__signatories__organisation_id=org.id
            )
        return qs.none()

    def has_permission(self, user: User, action: str, obj: Alert) -> bool:
        """Object check; memoised on the fiche so a page asking for ten buttons queries once per action."""
        cache = obj.__dict__.setdefault("_policy_cache", {})
        key = (user.pk, action)
        if key not in cache:
            cache[key] = self._has_permission(user, action, obj)
        return cache[key]

    def _has_permission(self, user: User, action: str, obj: Alert) -> bool:
        if not user.is_authenticated or not user.is_active or action not in ACTIONS:
            return False
        if user.is_superuser:
            return True
        org_id = user.organisation_id
        perm = GUARDIAN_PERM.get(action)
        if (
            perm
            and obj.status != Status.DRAFT
            and org_id is not None
            and (
                (org_id == obj.landlord_id and action in (VIEWER, LANDLORD))
                or (org_id == obj.routed_unit_id and action in (VIEWER, FORCE))
            )
        ):
            # Owner and routed unit: the guardian grant of the organisation's group decides, read
            # with the fiche when its selector asked for it (grant_annotations), else by guardian.
            granted = obj.__dict__.get(grant_attribute(user, perm))
            return user.has_perm(perm, obj) if granted is None else granted
        if obj.status == Status.DRAFT and action in (VIEWER, LANDLORD) and not obj._state.adding:
            org = user.organisation
            if org is not None and org.is_landlord:
                # for_organisation's rule for drafts (the filing organisation only), on the row in
                # hand: filing asks it for the draft it has just inserted.
                return org.id == obj.landlord_id
        return self.instances(user, action).filter(pk=obj.pk).exists()

    def grant_annotations(self, user: User) -> dict:
        """Annotations answering, in the fiche's own query, what user.has_perm(perm, fiche) asks
        guardian in two queries (the user's direct grants and its groups'), for each grant of
        GUARDIAN_PERM: has_permission reads them. Only for active non-superusers, the others never
        reach guardian."""
        if not user.is_authenticated or not user.is_active or user.is_superuser:
            return {}
        annotations = {}
        # Guardian's own questions (its get_user_filters and get_group_filters), without its joins
        # to the permission's content type and to the user's groups: each join cost planning time.
        content_type_id = ContentType.objects.get_for_model(Alert).pk
        groups = User.groups.through.objects.filter(user_id=user.pk).values("group_id")
        for perm in set(GUARDIAN_PERM.values()):
            grants = {
                "content_object": OuterRef("pk"),
                "permission__content_type_id": content_type_id,
                "permission__codename": perm.split(".")[1],
            }
            annotations[grant_attribute(user, perm)] = Exists(
                AlertUserObjectPermission.objects.filter(user_id=user.pk, **grants)
            ) | Exists(AlertGroupObjectPermission.objects.filter(group_id__in=groups, **grants))
        return annotations

    def can(self, user: User, transition_name: str, alert: Alert) -> bool:
        """May `user` perform `transition_name` (a key of TRANSITIONS) on `alert` now? Used by the
        templates to show buttons and by the services before any write."""
        transition = TRANSITIONS[transition_name]
        # The status first: precondition_error would word (and translate) the refusal of each of
        # the page's many actions the status forbids, only for it to be dropped here.
        if alert.status not in transition.sources or precondition_error(transition_name, alert) is not None:
            return False
        return any(self.has_permission(user, side, alert) for side in transition.sides)

    def queue_keys(self, user: User) -> list[str] | None:
        """The QueueVersion keys (alerts.queues) whose rows change whenever a fiche `user` may list
        changes: for_organisation's scopes, key for key. None: not covered (platform administrators
        see everything; anonymous users nothing), the list is always rendered."""
        if not user.is_authenticated or not user.is_active or scope.is_platform_admin(user):
            return None
        org = user.organisation
        if org is None:
            return []
        if org.is_landlord:
            return [organisation_key(org.id)]
        if org.is_force:
            return [organisation_key(pk) for pk in scope.unit_ids(user)]
        if org.is_prefecture:
            return [department_key(org.department_id)]
        return []

    def visible_events_q(self, user: User) -> Q:
        """Timeline events `user` may read: shared ones and those internal to their organisation."""
        if user.is_superuser:
            return Q()
        return Q(internal_to__isnull=True) | Q(internal_to_id=user.organisation_id)


def grant_attribute(user: User, perm: str) -> str:
    """The annotation holding `perm` for `user` (named after both: a fiche read for one user never
    answers for another)."""
    return f"_grant_{user.pk}_{perm.replace('.', '_')}"


alert_policy = AlertPolicy()
