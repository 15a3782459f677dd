import datetime

import pytest

from conventions.models import Meeting, MeetingKind, ProblemStatus
from conventions.problems import problem_create, problem_transition
from conventions.services import add_months, next_periodic_review
from partnerships.errors import ApplicationError
from tests.conventions.factories import make_alert, make_convention


def test_a_partnership_problem_moves_from_identified_to_in_treatment_to_resolved(world):
    fiche = make_alert(world)
    problem = problem_create(
        actor=world.officer,
        site=world.site_creil,
        commune=world.creil,
        title="Hall occupé chaque soir",
        partners=[world.landlord],
        alerts=[fiche],
    )

    problem = problem_transition(actor=world.officer, problem=problem, to_status=ProblemStatus.IN_TREATMENT)
    problem = problem_transition(actor=world.officer, problem=problem, to_status=ProblemStatus.RESOLVED)

    assert problem.status == ProblemStatus.RESOLVED
    assert problem.resolved_at is not None
    assert list(problem.alerts.all()) == [fiche]


def test_an_illegal_problem_transition_is_refused_in_french(world):
    problem = problem_create(actor=world.prefect_agent, site=None, commune=world.meru, title="Point de deal")

    with pytest.raises(ApplicationError, match="ne peut pas passer au statut « Résolu »"):
        problem_transition(actor=world.prefect_agent, problem=problem, to_status=ProblemStatus.RESOLVED)


def test_a_landlord_cannot_open_a_partnership_problem(world):
    with pytest.raises(ApplicationError):
        problem_create(actor=world.landlord_agent, site=None, commune=world.creil, title="Hall")


def test_the_next_periodic_point_follows_the_last_one_both_attended(world):
    convention = make_convention(world, periodic_review_months=6, effective_from=datetime.date(2025, 8, 31))
    other = Meeting.objects.create(
        convention=convention, kind=MeetingKind.PERIODIC, date=datetime.date(2026, 3, 1)
    )
    other.attendees.set([world.other_landlord, world.ddsp])

    assert next_periodic_review(convention, world.landlord, world.ddsp) == datetime.date(2026, 2, 28)
    joint = Meeting.objects.create(
        convention=convention, kind=MeetingKind.PERIODIC, date=datetime.date(2026, 1, 5)
    )
    joint.attendees.set([world.landlord, world.ddsp])
    assert next_periodic_review(convention, world.landlord, world.ddsp) == datetime.date(2026, 7, 5)


def test_adding_months_keeps_the_end_of_month():
    assert add_months(datetime.date(2025, 8, 31), 6) == datetime.date(2026, 2, 28)
    assert add_months(datetime.date(2025, 11, 15), 2) == datetime.date(2026, 1, 15)
