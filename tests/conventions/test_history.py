"""Every write on conventions, their follow-up, response delays and partnership problems leaves a line
in its subject's history and an audit entry naming the actor, the object and the département."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conventions import problems, services
from conventions.delays import response_policy_update
from conventions.models import ActionItemStatus, CommitmentStatus, MeetingKind, ProblemStatus
from partnerships.models import AuditAction, AuditEntry
from tests.conventions.factories import make_alert, make_convention

DAY = datetime.date(2026, 3, 2)


def only_entry(object_type: str) -> AuditEntry:
    [entry] = AuditEntry.objects.filter(object_type=object_type)
    return entry


def assert_recorded(subject, entry: AuditEntry, *, actor, event: str, audit_action: str) -> None:
    """The subject's newest history line and `entry` both record `event` by `actor`."""
    line = subject.events.first()
    assert (line.action, line.actor) == (event, actor)
    assert (entry.action, entry.actor, entry.detail["event"]) == (audit_action, actor, event)
    assert entry.actor_label == actor.email
    assert entry.department_id == subject.department_id


def signatories(world):
    return [world.prefecture, world.landlord, world.ddsp]


def test_creating_a_convention_with_its_document_records_both_in_history_and_audit(world):
    convention = services.convention_create(
        actor=world.prefect_agent,
        department_id=world.oise.pk,
        data={"title": "Convention de l'Oise", "status": "draft"},
        organisations=signatories(world),
        document=SimpleUploadedFile("signée.pdf", b"%PDF-1.4", content_type="application/pdf"),
    )

    document = only_entry("conventions.conventiondocument")
    assert_recorded(convention, document, actor=world.prefect_agent, event="document", audit_action="create")
    assert document.object_id == str(convention.documents.get().pk)
    assert "signée.pdf" not in str(document.detail)
    created = only_entry("conventions.convention")
    assert convention.events.last().action == "create"
    assert (created.action, created.actor, created.object_id, created.detail) == (
        AuditAction.CREATE,
        world.prefect_agent,
        str(convention.pk),
        {"event": "create"},
    )


def test_updating_a_convention_records_the_changed_fields_not_their_values(world):
    convention = make_convention(world, status="draft")

    services.convention_update(
        actor=world.prefect_agent,
        convention=convention,
        data={"title": "Convention révisée", "status": "draft"},
        organisations=signatories(world),
    )

    entry = only_entry("conventions.convention")
    assert_recorded(convention, entry, actor=world.prefect_agent, event="update", audit_action="change")
    assert entry.detail["fields"] == ["title"]
    assert "Convention révisée" not in str(entry.detail)


def test_follow_up_writes_record_the_object_they_created_or_changed(world):
    convention = make_convention(world)
    actor = world.prefect_agent

    commitment = services.commitment_create(actor=actor, convention=convention, text="Patrouilles")
    assert_recorded(
        convention,
        only_entry("conventions.commitment"),
        actor=actor,
        event="commitment",
        audit_action="create",
    )
    meeting = services.meeting_create(actor=actor, convention=convention, kind=MeetingKind.STEERING, date=DAY)
    assert_recorded(
        convention, only_entry("conventions.meeting"), actor=actor, event="meeting", audit_action="create"
    )
    item = services.action_item_create(actor=actor, meeting=meeting, text="Diagnostic", owner=world.landlord)
    assert_recorded(
        convention,
        only_entry("conventions.actionitem"),
        actor=actor,
        event="action_item",
        audit_action="create",
    )

    services.follow_up_status_set(actor=actor, item=commitment, status=CommitmentStatus.DONE)
    [_created, status] = AuditEntry.objects.filter(object_type="conventions.commitment").order_by("id")
    assert_recorded(convention, status, actor=actor, event="status", audit_action="change")
    assert status.detail == {"event": "status", "from_status": "to_start", "to_status": "done"}
    services.follow_up_status_set(actor=actor, item=item, status=ActionItemStatus.DONE)
    assert convention.events.first().data == {"from_status": "open", "to_status": "done"}


def test_a_convention_s_response_delays_go_to_its_history_and_the_audit(world):
    convention = make_convention(world)

    policy = response_policy_update(
        actor=world.prefect_agent, convention=convention, data={"normal_ack_hours": 6}
    )

    entry = only_entry("conventions.responsepolicy")
    assert_recorded(
        convention, entry, actor=world.prefect_agent, event="response_policy", audit_action="create"
    )
    assert entry.object_id == str(policy.pk)
    assert entry.detail["fields"] == ["normal_ack_hours"]


def test_a_departement_s_default_delays_are_audited_and_an_unchanged_save_records_nothing(world):
    data = {"normal_ack_hours": 12}
    response_policy_update(actor=world.prefect_agent, department_id=world.oise.pk, data=data)
    response_policy_update(actor=world.prefect_agent, department_id=world.oise.pk, data=data)

    entry = only_entry("conventions.responsepolicy")
    assert (entry.action, entry.actor, entry.department_id) == ("create", world.prefect_agent, world.oise.pk)


def test_a_partnership_problem_s_opening_and_each_status_change_are_in_its_history_and_the_audit(world):
    fiche = make_alert(world)
    problem = problems.problem_create(
        actor=world.officer, site=world.site_creil, commune=world.creil, title="Hall occupé", alerts=[fiche]
    )
    assert_recorded(
        problem,
        only_entry("conventions.partnershipproblem"),
        actor=world.officer,
        event="create",
        audit_action="create",
    )
    assert problem.events.get().data == {"status": "identified", "alerts": [fiche.pk]}

    problems.problem_transition(
        actor=world.police_manager, problem=problem, to_status=ProblemStatus.IN_TREATMENT
    )

    latest = AuditEntry.objects.filter(object_type="conventions.partnershipproblem").first()
    assert_recorded(problem, latest, actor=world.police_manager, event="status", audit_action="change")
    assert problem.events.first().message == "Identifié → En traitement"
    assert latest.detail == {"event": "status", "from_status": "identified", "to_status": "in_treatment"}


def test_a_refused_problem_transition_records_nothing(world):
    problem = problems.problem_create(actor=world.prefect_agent, site=None, commune=world.meru, title="Deal")

    with pytest.raises(Exception, match="ne peut pas passer"):
        problems.problem_transition(
            actor=world.prefect_agent, problem=problem, to_status=ProblemStatus.RESOLVED
        )

    assert problem.events.count() == 1
    assert AuditEntry.objects.filter(object_type="conventions.partnershipproblem").count() == 1
