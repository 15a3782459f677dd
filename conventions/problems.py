"""Partnership problems' write services: open, link and unlink fiches, edit the action plan, move the
status. Each runs in one transaction, checks problem_policy and writes a PartnershipProblemEvent and an
audit entry (history_record)."""

from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from partnerships.errors import ApplicationError
from partnerships.models import AuditAction, HousingSite, Organisation, User

from .history import history_record
from .models import PartnershipProblem, ProblemStatus
from .permissions import problem_policy, visible_alerts_q

PROBLEM_TRANSITIONS = {
    ProblemStatus.IDENTIFIED: {ProblemStatus.IN_TREATMENT},
    ProblemStatus.IN_TREATMENT: {ProblemStatus.RESOLVED},
    ProblemStatus.RESOLVED: set(),
}
# Where each status stores the moment the problem reached it (identified: opened_at, set on creation).
PROBLEM_STATUS_DATES = {ProblemStatus.IN_TREATMENT: "in_treatment_at", ProblemStatus.RESOLVED: "resolved_at"}


def _problem_for_change(actor: User | None, problem: PartnershipProblem) -> PartnershipProblem:
    """The problem locked for the change; refused to whoever the policy does not let change it
    (actor None: the platform itself, e.g. demo data)."""
    if actor is not None and not problem_policy.has_permission(actor, "change", problem):
        raise ApplicationError(_("Vous ne pouvez pas modifier ce problème partenarial."), code="forbidden")
    return PartnershipProblem.objects.select_for_update().get(pk=problem.pk)


def _linkable(actor: User | None, alerts) -> list:
    """The fiches among `alerts` the actor may link or unlink (visible_alerts_q): another organisation's
    fiche is refused with the same message as a missing one."""
    if actor is None:
        return list(alerts)
    from alerts.models import Alert

    visible = visible_alerts_q(actor)
    ids = {a.pk for a in alerts}
    allowed = (
        set(Alert.objects.filter(visible, pk__in=ids).values_list("pk", flat=True)) if visible else set()
    )
    if allowed != ids:
        raise ApplicationError(_("Fiche introuvable."), code="not_found")
    return list(alerts)


@transaction.atomic
def problem_create(
    *,
    actor: User,
    site: HousingSite | None,
    commune,
    title: str,
    description: str = "",
    partners: list[Organisation] = (),
    action_plan: str = "",
    alerts=(),
) -> PartnershipProblem:
    if not problem_policy.user_has_permission(actor, "open"):
        raise ApplicationError(
            _("Seuls la préfecture, une force ou les référents d'un bailleur peuvent ouvrir un problème.")
        )
    alerts = _linkable(actor, alerts)
    problem = PartnershipProblem(
        department_id=commune.department_id,
        site=site,
        commune=commune,
        title=title,
        description=description,
        opened_by=actor.organisation,
        action_plan=action_plan,
    )
    problem.full_clean()
    problem.save()
    problem.partners.set(partners)
    problem.alerts.set(alerts)
    history_record(
        problem,
        actor,
        "create",
        _("Problème ouvert"),
        audit_action=AuditAction.CREATE,
        status=problem.status,
        alerts=sorted(a.pk for a in alerts),
    )
    return problem


@transaction.atomic
def problem_transition(
    *, actor: User | None, problem: PartnershipProblem, to_status: str
) -> PartnershipProblem:
    """identified → in treatment → resolved, the moment of each step stored on the problem."""
    problem = _problem_for_change(actor, problem)
    if to_status not in PROBLEM_TRANSITIONS[ProblemStatus(problem.status)]:
        raise ApplicationError(
            _("Un problème « %(from)s » ne peut pas passer au statut « %(to)s ».")
            % {
                "from": problem.get_status_display(),
                "to": dict(ProblemStatus.choices).get(to_status, to_status),
            },
            code="illegal_transition",
        )
    previous = problem.get_status_display()
    from_status = problem.status
    problem.status = to_status
    date_field = PROBLEM_STATUS_DATES[to_status]
    setattr(problem, date_field, timezone.now())
    problem.save(update_fields=["status", date_field])
    history_record(
        problem,
        actor,
        "status",
        _("%(before)s → %(after)s") % {"before": previous, "after": problem.get_status_display()},
        from_status=from_status,
        to_status=to_status,
    )
    return problem


@transaction.atomic
def problem_set_action_plan(
    *, actor: User | None, problem: PartnershipProblem, action_plan: str
) -> PartnershipProblem:
    """A new version of the action plan; the history keeps the beginning of each version."""
    problem = _problem_for_change(actor, problem)
    if action_plan == problem.action_plan:
        return problem
    problem.action_plan = action_plan
    problem.full_clean(exclude=[f.name for f in PartnershipProblem._meta.fields if f.name != "action_plan"])
    problem.save(update_fields=["action_plan"])
    history_record(
        problem,
        actor,
        "action_plan",
        _("Plan d'action modifié : « %(plan)s »") % {"plan": Truncator(action_plan).chars(240) or "—"},
        fields=["action_plan"],
    )
    return problem


@transaction.atomic
def problem_link_alerts(*, actor: User | None, problem: PartnershipProblem, alerts) -> PartnershipProblem:
    """Link fiches the actor may see; those already linked are left as they are."""
    problem = _problem_for_change(actor, problem)
    already = set(problem.alerts.values_list("pk", flat=True))
    added = [a for a in _linkable(actor, alerts) if a.pk not in already]
    if not added:
        raise ApplicationError(_("Ces fiches sont déjà liées au problème."), code="already_linked")
    problem.alerts.add(*added)
    # The message names no reference: the timeline shows each reader only the fiches it may see.
    history_record(
        problem,
        actor,
        "link",
        ngettext("%(n)d fiche liée", "%(n)d fiches liées", len(added)) % {"n": len(added)},
        alerts=sorted(a.pk for a in added),
    )
    return problem


@transaction.atomic
def problem_unlink_alert(*, actor: User | None, problem: PartnershipProblem, alert) -> PartnershipProblem:
    problem = _problem_for_change(actor, problem)
    _linkable(actor, [alert])
    if not problem.alerts.filter(pk=alert.pk).exists():
        raise ApplicationError(_("Cette fiche n'est pas liée au problème."), code="not_linked")
    problem.alerts.remove(alert)
    history_record(problem, actor, "unlink", _("1 fiche déliée"), alerts=[alert.pk])
    return problem
