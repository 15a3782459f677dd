import datetime

from django.utils import timezone

from conventions import selectors
from tests.conventions.factories import make_convention


def titles(qs, flag):
    return {c.title for c in qs if getattr(c, flag)}


def test_the_convention_list_flags_expiring_and_ended_conventions_from_the_database(world):
    today = timezone.localdate()
    make_convention(world, title="Bientôt", effective_until=today + datetime.timedelta(days=30))
    make_convention(
        world, title="Reconduite", effective_until=today + datetime.timedelta(days=30), tacit_renewal=True
    )
    make_convention(world, title="Lointaine", effective_until=today + datetime.timedelta(days=400))
    make_convention(world, title="Échue", effective_until=today - datetime.timedelta(days=1))
    make_convention(world, title="Sans fin", effective_until=None)

    conventions = selectors.convention_list(user=world.prefect_agent)

    assert titles(conventions, "expires_soon") == {"Bientôt"}
    assert titles(conventions, "is_over") == {"Échue"}


def test_the_problem_list_is_scoped_to_the_user_and_filtered_by_status(world):
    from conventions.problems import problem_create

    problem_create(
        actor=world.prefect_agent, site=world.site_creil, commune=world.creil, title="Hall squatté"
    )

    assert [p.title for p in selectors.problem_list(user=world.officer)] == ["Hall squatté"]
    assert list(selectors.problem_list(user=world.prefect_972)) == []
    assert list(selectors.problem_list(user=world.prefect_agent, status="resolved")) == []
