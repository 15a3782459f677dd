"""« Mes conventions »: a signatory partner's page of a convention (its commitments, its action items,
its next periodic point with each partner and that point's agenda)."""

import datetime

from django.urls import reverse
from django.utils import timezone

from conventions.models import ActionItem, Commitment, Meeting, MeetingKind, PartnershipProblem
from partnerships.menu import main_menu
from tests.conventions.factories import make_alert, make_convention


def _convention(world):
    convention = make_convention(
        world,
        organisations=[world.prefecture, world.landlord, world.police, world.ddsp],
        periodic_review_months=6,
        effective_from=datetime.date(2025, 1, 1),
    )
    mine = Commitment.objects.create(convention=convention, text="Signaler les occupations de halls")
    mine.responsible.add(world.landlord)
    Commitment.objects.create(convention=convention, text="Patrouiller le soir").responsible.add(world.police)
    return convention


def test_a_landlord_manager_finds_its_conventions_under_mes_conventions_in_the_menu(world, rf):
    request = rf.get("/")
    request.user = world.landlord_manager

    labels = [str(item["label"]) for item in main_menu(request)]

    assert "Mes conventions" in labels
    assert "Conventions" not in labels


def test_the_prefecture_s_menu_keeps_conventions(world, rf):
    request = rf.get("/")
    request.user = world.prefect_agent

    labels = [str(item["label"]) for item in main_menu(request)]

    assert "Conventions" in labels
    assert "Mes conventions" not in labels


def test_the_partner_page_shows_only_the_organisation_s_commitments_and_flags_its_late_actions(world, login):
    convention = _convention(world)
    meeting = Meeting.objects.create(
        convention=convention, kind=MeetingKind.STEERING, date=datetime.date(2026, 1, 5)
    )
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    ActionItem.objects.create(
        meeting=meeting, text="Poser des badges", owner=world.landlord, due_date=yesterday
    )
    ActionItem.objects.create(
        meeting=meeting, text="Rondes renforcées", owner=world.police, due_date=yesterday
    )

    page = login(world.landlord_manager).get(reverse("conventions:partner", args=[convention.pk]))

    body = page.content.decode()
    assert "Signaler les occupations de halls" in body
    assert "Patrouiller le soir" not in body
    assert "Poser des badges" in body
    assert "Rondes renforcées" not in body
    assert [a["late"] for a in page.context["actions"]] == [True]
    assert "En retard" in body


def test_the_periodic_agenda_counts_the_pair_s_fiches_since_their_last_point(world, login):
    convention = _convention(world)
    point = Meeting.objects.create(
        convention=convention, kind=MeetingKind.PERIODIC, date=datetime.date(2026, 3, 1)
    )
    point.attendees.add(world.landlord, world.police)
    before = timezone.make_aware(datetime.datetime(2026, 2, 1, 9))
    after = timezone.make_aware(datetime.datetime(2026, 4, 1, 9))
    make_alert(world, convention=convention, submitted_at=before)
    late = make_alert(world, convention=convention, submitted_at=after)  # never acknowledged: out of delay
    make_alert(world, convention=convention, submitted_at=after, ack_after=datetime.timedelta(hours=1))
    problem = PartnershipProblem.objects.create(
        department=world.oise,
        site=world.site_creil,
        commune=world.creil,
        title="Squat du hall",
        opened_by=world.police,
    )
    problem.alerts.add(late)

    page = login(world.police_manager).get(reverse("conventions:partner", args=[convention.pk]))

    (review,) = page.context["reviews"]
    assert review["landlord"] == world.landlord
    assert review["due"] == datetime.date(2026, 9, 1)
    agenda = review["agenda"]
    assert agenda["since"] == datetime.date(2026, 3, 1)
    assert agenda["total"] == 2
    assert agenda["late_acknowledgements"] == 1
    assert [p["title"] for p in agenda["open_problems"]] == ["Squat du hall"]
    assert "Squat du hall" in page.content.decode()


def test_an_agent_and_a_manager_of_a_non_signatory_get_a_404(world, login, client):
    convention = _convention(world)
    url = reverse("conventions:partner", args=[convention.pk])

    assert login(world.landlord_agent).get(url).status_code == 404
    client.logout()
    assert login(world.ddsp_manager).get(url).status_code == 200
    client.logout()
    world.other_landlord_agent.role = "manager"
    world.other_landlord_agent.save()
    assert login(world.other_landlord_agent).get(url).status_code == 404
