import datetime
import re
import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from alerts import services
from alerts.models import Alert, AlertEvent, EventKind, Outcome, ReferenceCounter, ReturnReason, Status
from alerts.permissions import alert_policy
from alerts.selectors import routing_queue
from alerts.services.attachments import EXTENSIONS
from conventions.models import Convention, ConventionStatus, Signatory
from partnerships.errors import ApplicationError
from tests.alerts.factories import HEIC, JPEG, PDF, PNG, WEBP, alert_data, draft_alert, filed_alert, upload
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def alert_in(world, status):
    """A fiche of Les Hauts de Creil (police) brought to `status` through the services."""
    if status == Status.DRAFT:
        return draft_alert(site=world.site_creil, reporter=world.landlord_agent)
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    if status == Status.ACKNOWLEDGED:
        services.alert_acknowledge(actor=world.officer, alert=alert)
    elif status == Status.IN_PROGRESS:
        services.alert_start(actor=world.officer, alert=alert)
    elif status == Status.CLOSED:
        services.alert_close(actor=world.officer, alert=alert, outcome=Outcome.PATROL)
    elif status == Status.RETURNED:
        services.alert_return_to_prefecture(actor=world.officer, alert=alert, reason=ReturnReason.OUT_OF_AREA)
    return alert


ACTIONS = {
    "submit": lambda w, a: services.alert_submit(actor=w.landlord_agent, alert=a),
    "acknowledge": lambda w, a: services.alert_acknowledge(actor=w.officer, alert=a),
    "start": lambda w, a: services.alert_start(actor=w.officer, alert=a),
    "feedback": lambda w, a: services.alert_feedback(actor=w.officer, alert=a, message="Patrouille passée."),
    "close": lambda w, a: services.alert_close(actor=w.officer, alert=a, outcome=Outcome.CONTROL),
    "redirect": lambda w, a: services.alert_redirect(
        actor=w.officer, alert=a, unit=w.gendarmerie, reason="Secteur de la brigade"
    ),
    "return": lambda w, a: services.alert_return_to_prefecture(
        actor=w.officer, alert=a, reason=ReturnReason.OUT_OF_REMIT
    ),
    "route": lambda w, a: services.alert_route_manually(actor=w.prefect_agent, alert=a, unit=w.gendarmerie),
    "reopen": lambda w, a: services.alert_reopen(
        actor=w.landlord_agent, alert=a, reason="Les faits continuent"
    ),
    "comment": lambda w, a: services.alert_comment(actor=w.landlord_agent, alert=a, message="Précision"),
    "merge": lambda w, a: services.alert_merge(
        actor=w.officer, alert=a, into=filed_alert(site=w.site_creil, reporter=w.landlord_manager)
    ),
}

# Written out by hand (not read from TRANSITIONS) so that a change of the state machine fails here.
LEGAL = {
    "submit": {Status.DRAFT: Status.SUBMITTED},
    "acknowledge": {Status.SUBMITTED: Status.ACKNOWLEDGED},
    "start": {Status.SUBMITTED: Status.IN_PROGRESS, Status.ACKNOWLEDGED: Status.IN_PROGRESS},
    "feedback": {s: s for s in (Status.SUBMITTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS)},
    "close": {s: Status.CLOSED for s in (Status.SUBMITTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS)},
    "redirect": {s: Status.SUBMITTED for s in (Status.SUBMITTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS)},
    "return": {s: Status.RETURNED for s in (Status.SUBMITTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS)},
    "route": {Status.RETURNED: Status.SUBMITTED},
    "reopen": {Status.CLOSED: Status.SUBMITTED},
    "comment": {
        s: s
        for s in (Status.SUBMITTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.CLOSED, Status.RETURNED)
    },
    "merge": {s: Status.CLOSED for s in (Status.SUBMITTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS)},
}

CASES = [(name, status) for name in ACTIONS for status in Status.values]


@pytest.mark.parametrize(("name", "status"), CASES, ids=[f"{n}-from-{s}" for n, s in CASES])
def test_every_transition_is_legal_exactly_from_the_documented_statuses(world, name, status):
    alert = alert_in(world, status)
    events_before = AlertEvent.objects.filter(alert=alert).count()
    if status in LEGAL[name]:
        ACTIONS[name](world, alert)
        alert.refresh_from_db()
        assert alert.status == LEGAL[name][status]
        assert AlertEvent.objects.filter(alert=alert).count() > events_before
    else:
        with pytest.raises(ApplicationError) as refused:
            ACTIONS[name](world, alert)
        assert refused.value.code == "illegal_transition"
        assert refused.value.message.startswith("Impossible de") or "routée" in refused.value.message
        assert Alert.objects.get(pk=alert.pk).status == status


def test_a_landlord_cannot_do_force_actions_nor_a_force_file_side_ones(world):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    with pytest.raises(PermissionDenied):
        services.alert_acknowledge(actor=world.landlord_agent, alert=alert)
    with pytest.raises(PermissionDenied):
        services.alert_acknowledge(actor=world.gendarme, alert=alert)
    services.alert_close(actor=world.officer, alert=alert, outcome=Outcome.PATROL)
    with pytest.raises(PermissionDenied):
        services.alert_reopen(actor=world.officer, alert=alert, reason="non")


def test_submission_routes_to_the_police_of_a_police_commune(world):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    assert alert.routed_unit == world.police
    assert alert_policy.has_permission(world.officer, "view", alert)
    assert not alert_policy.has_permission(world.gendarme, "view", alert)


def test_submission_routes_to_the_brigade_of_a_gendarmerie_commune(world):
    alert = filed_alert(site=world.site_meru, reporter=world.landlord_agent)
    assert alert.routed_unit == world.gendarmerie
    assert alert_policy.has_permission(world.gendarme, "change", alert)
    assert not alert_policy.has_permission(world.officer, "view", alert)


def test_without_competent_unit_the_fiche_waits_in_the_prefecture_queue(world):
    alert = filed_alert(site=world.site_nowhere, reporter=world.landlord_agent)
    assert alert.status == Status.SUBMITTED
    assert alert.routed_unit is None
    assert list(routing_queue(user=world.prefect_agent)) == [alert]
    assert list(routing_queue(user=world.prefect_972)) == []
    services.alert_route_manually(actor=world.prefect_agent, alert=alert, unit=world.gendarmerie)
    assert alert.routed_unit == world.gendarmerie
    assert list(routing_queue(user=world.prefect_agent)) == []
    assert alert_policy.has_permission(world.gendarme, "change", alert)


def test_references_are_sequential_per_department_and_year(world):
    first = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    second = filed_alert(site=world.site_meru, reporter=world.landlord_agent)
    martinique = filed_alert(site=world.site_972, reporter=_landlord_972_agent(world))
    year = timezone.localdate().year
    assert re.fullmatch(r"FA-60-\d{4}-\d{6}", first.reference)
    assert first.reference == f"FA-60-{year}-000001"
    assert second.reference == f"FA-60-{year}-000002"
    assert martinique.reference == f"FA-972-{year}-000001"


def _landlord_972_agent(world):
    return UserFactory(organisation=world.landlord_972)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_never_share_a_reference(world):
    drafts = [draft_alert(site=world.site_creil, reporter=world.landlord_agent) for _ in range(8)]
    barrier, errors = threading.Barrier(len(drafts)), []

    def submit(alert):
        try:
            barrier.wait()
            services.alert_submit(actor=world.landlord_agent, alert=Alert.objects.get(pk=alert.pk))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(d,)) for d in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    references = list(Alert.objects.values_list("reference", flat=True))
    assert len(set(references)) == 8
    assert ReferenceCounter.objects.get(department_id="60").last_value == 8


def test_filing_twice_with_the_same_key_returns_the_same_fiche(world):
    key = "2b0b6c55-3d53-4e52-9c1e-0f3b1c5e9a11"
    first = services.alert_file(
        actor=world.landlord_agent, site=world.site_creil, data=alert_data(), idempotency_key=key
    )
    again = services.alert_file(
        actor=world.landlord_agent, site=world.site_creil, data=alert_data(), idempotency_key=key
    )
    assert again.pk == first.pk
    assert Alert.objects.count() == 1
    other = services.alert_file(
        actor=world.landlord_manager, site=world.site_creil, data=alert_data(), idempotency_key=key
    )
    assert other.pk != first.pk


def test_a_stale_copy_of_the_fiche_is_refused_not_overwritten(world):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    stale = Alert.objects.get(pk=alert.pk)
    services.alert_acknowledge(actor=world.officer, alert=alert)
    assert alert.version == stale.version + 1
    with pytest.raises(ApplicationError) as refused:
        services.alert_start(actor=world.officer, alert=stale)
    assert refused.value.code == "conflict"


def test_due_dates_follow_urgency(world):
    before = timezone.now()
    immediate = filed_alert(site=world.site_creil, reporter=world.landlord_agent, urgency="immediate")
    normal = filed_alert(site=world.site_creil, reporter=world.landlord_agent, urgency="normal")
    assert immediate.ack_due_at - immediate.submitted_at == datetime.timedelta(hours=1)
    assert immediate.feedback_due_at - immediate.submitted_at == datetime.timedelta(hours=24)
    assert normal.feedback_due_at - normal.submitted_at == datetime.timedelta(days=7)
    assert normal.submitted_at >= before


def test_the_convention_in_force_signed_by_the_landlord_is_attached(world):
    expired = Convention.objects.create(
        title="Ancienne", department=world.oise, status=ConventionStatus.EXPIRED
    )
    current = Convention.objects.create(
        title="Convention 2025",
        department=world.oise,
        status=ConventionStatus.ACTIVE,
        effective_from=datetime.date(2025, 1, 1),
    )
    other = Convention.objects.create(
        title="Autre bailleur", department=world.oise, status=ConventionStatus.ACTIVE
    )
    for convention in (expired, current):
        Signatory.objects.create(convention=convention, organisation=world.landlord)
    Signatory.objects.create(convention=other, organisation=world.other_landlord)
    assert filed_alert(site=world.site_creil, reporter=world.landlord_agent).convention == current
    Signatory.objects.filter(convention=current).delete()
    assert filed_alert(site=world.site_creil, reporter=world.landlord_agent).convention is None


def test_feedback_sets_the_first_feedback_date_once(world):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    services.alert_feedback(actor=world.officer, alert=alert, message="Vu.")
    first = alert.first_feedback_at
    services.alert_feedback(actor=world.officer, alert=alert, message="Encore vu.")
    assert alert.first_feedback_at == first is not None
    with pytest.raises(ApplicationError):
        services.alert_feedback(actor=world.officer, alert=alert, message="  ")


def test_redirect_needs_a_reason_and_moves_the_permissions(world):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    with pytest.raises(ApplicationError):
        services.alert_redirect(actor=world.officer, alert=alert, unit=world.gendarmerie, reason="")
    with pytest.raises(ApplicationError):
        services.alert_redirect(actor=world.officer, alert=alert, unit=world.police_972, reason="Martinique")
    services.alert_redirect(actor=world.officer, alert=alert, unit=world.gendarmerie, reason="Secteur voisin")
    alert = Alert.objects.get(pk=alert.pk)
    assert alert.routed_unit == world.gendarmerie
    assert alert.status == Status.SUBMITTED
    assert not world.officer.has_perm("alerts.view_alert", alert)
    assert world.gendarme.has_perm("alerts.change_alert", alert)
    assert not alert_policy.has_permission(world.officer, "view", alert)


def test_return_to_prefecture_requires_a_listed_reason_and_a_comment_for_other(world):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    with pytest.raises(ApplicationError):
        services.alert_return_to_prefecture(actor=world.officer, alert=alert, reason="boredom")
    with pytest.raises(ApplicationError):
        services.alert_return_to_prefecture(actor=world.officer, alert=alert, reason=ReturnReason.OTHER)
    services.alert_return_to_prefecture(
        actor=world.officer, alert=alert, reason=ReturnReason.OTHER, comment="Affaire suivie par la PJ"
    )
    assert alert.routed_unit is None
    assert alert.status == Status.RETURNED
    assert not alert_policy.has_permission(world.officer, "view", Alert.objects.get(pk=alert.pk))


def test_reopening_is_possible_only_within_the_window(world, settings):
    settings.PASSERELLE_REOPEN_WINDOW_DAYS = 15
    alert = alert_in(world, Status.CLOSED)
    Alert.objects.filter(pk=alert.pk).update(closed_at=timezone.now() - datetime.timedelta(days=16))
    alert.refresh_from_db()
    with pytest.raises(ApplicationError) as refused:
        services.alert_reopen(actor=world.landlord_agent, alert=alert, reason="Ça recommence")
    assert "15 jours" in refused.value.message
    with pytest.raises(ApplicationError):
        services.alert_reopen(actor=world.landlord_agent, alert=alert, reason="")


def test_closing_requires_a_listed_outcome(world):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    for outcome in ("", "made_up", Outcome.MERGED):
        with pytest.raises(ApplicationError):
            services.alert_close(actor=world.officer, alert=alert, outcome=outcome)
    with pytest.raises(ApplicationError):
        services.alert_close(actor=world.officer, alert=alert, outcome=Outcome.OTHER)


def test_merge_closes_the_duplicate_and_points_to_the_kept_fiche(world):
    kept = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    duplicate = filed_alert(site=world.site_creil, reporter=world.landlord_manager)
    services.alert_merge(actor=world.officer, alert=duplicate, into=kept)
    assert duplicate.status == Status.CLOSED
    assert duplicate.outcome == Outcome.MERGED
    assert duplicate.duplicate_of == kept
    assert kept.events.filter(kind=EventKind.MERGE).exists()
    with pytest.raises(ApplicationError):
        services.alert_merge(actor=world.officer, alert=kept, into=kept)
    elsewhere = filed_alert(site=world.site_meru, reporter=world.landlord_agent)
    with pytest.raises(ApplicationError):
        services.alert_merge(actor=world.officer, alert=kept, into=elsewhere)


def test_a_unit_cannot_merge_fiches_of_two_landlords_and_both_stay_open(world):
    ours = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    theirs = filed_alert(site=world.other_site, reporter=world.other_landlord_agent)  # same station
    assert theirs.routed_unit_id == ours.routed_unit_id

    for alert, into in ((theirs, ours), (ours, theirs)):
        with pytest.raises(ApplicationError, match="deux bailleurs différents"):
            services.alert_merge(actor=world.officer, alert=alert, into=into)

    assert Alert.objects.get(pk=ours.pk).status == Status.SUBMITTED
    assert Alert.objects.get(pk=theirs.pk).status == Status.SUBMITTED
    assert not AlertEvent.objects.filter(kind=EventKind.MERGE).exists()


def test_bulk_acknowledge_counts_only_what_the_actor_may_acknowledge(world):
    mine = [filed_alert(site=world.site_creil, reporter=world.landlord_agent) for _ in range(2)]
    theirs = filed_alert(site=world.site_meru, reporter=world.landlord_agent)
    assert services.alert_bulk_acknowledge(actor=world.officer, alerts=[*mine, theirs]) == 2
    assert Alert.objects.get(pk=theirs.pk).status == Status.SUBMITTED


def test_linking_to_a_recent_fiche_of_the_same_estate(world):
    first = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    similar = services.similar_recent_alerts(site=world.site_creil, category=first.category)
    assert list(similar) == [first]
    assert not services.similar_recent_alerts(site=world.site_creil, category="rodeo").exists()
    linked = services.alert_file(
        actor=world.landlord_agent, site=world.site_creil, data=alert_data(), link_to=first
    )
    assert linked.linked_to == first
    assert linked.status == Status.SUBMITTED
    with pytest.raises(ApplicationError):
        services.alert_file(
            actor=world.landlord_agent, site=world.site_meru, data=alert_data(), link_to=first
        )


def test_only_the_estate_landlord_may_file(world):
    with pytest.raises(PermissionDenied):
        services.alert_file(actor=world.other_landlord_agent, site=world.site_creil, data=alert_data())
    with pytest.raises(PermissionDenied):
        services.alert_file(actor=world.officer, site=world.site_creil, data=alert_data())


def test_a_subcategory_of_another_category_is_refused(world):
    with pytest.raises(ApplicationError):
        services.alert_file(
            actor=world.landlord_agent,
            site=world.site_creil,
            data=alert_data(category="property", subcategory="deal_point"),
        )


def test_draft_can_be_updated_then_submitted(world):
    draft = draft_alert(site=world.site_creil, reporter=world.landlord_agent)
    services.alert_update_draft(
        actor=world.landlord_agent, alert=draft, data={"description": "Nouveau texte"}
    )
    assert Alert.objects.get(pk=draft.pk).description == "Nouveau texte"
    with pytest.raises(PermissionDenied):
        services.alert_update_draft(actor=world.other_landlord_agent, alert=draft, data={"description": "x"})
    services.alert_submit(actor=world.landlord_agent, alert=draft)
    assert draft.reference
    assert draft.status == Status.SUBMITTED


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (JPEG, "image/jpeg"),
        (PNG, "image/png"),
        (PDF, "application/pdf"),
        (WEBP, "image/webp"),
        (HEIC, "image/jpeg"),
    ],
)
def test_attachments_are_typed_from_their_bytes_and_named_after_that_type(world, content, content_type):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    attachment = services.alert_add_attachment(
        actor=world.landlord_agent, alert=alert, uploaded_file=upload(content, "IMG 0001.bin")
    )
    assert attachment.content_type == content_type
    assert attachment.original_name == f"IMG 0001.{EXTENSIONS[content_type]}"
    assert "IMG" not in attachment.file.name


def test_a_disguised_or_too_big_file_is_refused_in_french(world, settings):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    with pytest.raises(ApplicationError) as refused:
        services.alert_add_attachment(
            actor=world.landlord_agent,
            alert=alert,
            uploaded_file=upload(b"MZ\x90\x00 executable", "photo.jpg"),
        )
    assert "Type de fichier non accepté" in refused.value.message
    settings.MAX_UPLOAD_SIZE = 10
    with pytest.raises(ApplicationError) as refused:
        services.alert_add_attachment(actor=world.landlord_agent, alert=alert, uploaded_file=upload(JPEG))
    assert "taille maximale" in refused.value.message


def test_filing_with_the_key_of_a_saved_draft_files_that_draft_with_the_new_data(world):
    key = "7f1d8b0e-1c1e-4f43-9a55-5d7b6a0e2c01"
    draft = services.alert_create_draft(
        actor=world.landlord_agent, site=world.site_creil, data=alert_data(), idempotency_key=key
    )
    filed = services.alert_file(
        actor=world.landlord_agent,
        site=world.site_creil,
        data=alert_data(description="Version finale"),
        idempotency_key=key,
    )
    assert filed.pk == draft.pk
    assert filed.status == Status.SUBMITTED
    assert Alert.objects.get().description == "Version finale"
    with pytest.raises(ApplicationError):
        services.alert_file(
            actor=world.landlord_agent,
            site=world.site_creil,
            data=alert_data(),
            idempotency_key="pas-un-uuid",
        )


def test_a_department_may_set_its_own_response_deadlines(world):
    from conventions.models import ResponsePolicy

    ResponsePolicy.objects.create(department_id="972", normal_ack_hours=12, normal_feedback_days=2)
    martinique = filed_alert(site=world.site_972, reporter=_landlord_972_agent(world))
    oise = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    assert martinique.ack_due_at - martinique.submitted_at == datetime.timedelta(hours=12)
    assert martinique.feedback_due_at - martinique.submitted_at == datetime.timedelta(hours=48)
    assert oise.ack_due_at - oise.submitted_at == datetime.timedelta(hours=24)
