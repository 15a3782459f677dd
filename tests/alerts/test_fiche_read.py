"""The fiche page's read compiled once per reader shape (alerts/fiche_read.py) gives, for every role,
the instance the ORM's read gives (fields, joined rows, annotations), and two readers sharing a
shape each get their own answer: their ids are parameters of the SQL, never baked into it."""

import pytest
from django.http import Http404

from alerts import fiche_read as fiche_read_module
from alerts import selectors, services
from alerts.fiche_read import fiche_read
from alerts.models import Alert
from alerts.permissions import alert_policy
from conventions.selectors import fiche_problems_annotations
from partnerships.models import Role
from tests.alerts.factories import PNG, alert_data, upload
from tests.factories import UserFactory

READERS = [
    "landlord_agent",
    "landlord_manager",
    "other_landlord_agent",
    "officer",
    "gendarme",
    "police_manager",
    "ddsp_manager",
    "prefect_agent",
    "prefect_972",
    "mayor",
]


@pytest.fixture(autouse=True)
def _compiled_afresh(monkeypatch):
    monkeypatch.setattr(fiche_read_module, "_reads", {})


@pytest.fixture
def alerts(world):
    creil = services.alert_file(actor=world.landlord_agent, site=world.site_creil, data=alert_data())
    other = services.alert_file(actor=world.other_landlord_agent, site=world.other_site, data=alert_data())
    services.alert_link(actor=world.officer, alert=creil, other=other)
    return creil, other


def orm_read(user, pk):
    return selectors.fiche_get(user=user, pk=pk, extra=fiche_problems_annotations(user))


def answer(read, user, pk):
    """What a read gives: its fields, annotations and joined rows, or 404."""
    try:
        alert = read(user=user, pk=pk)
    except Http404:
        return 404
    values = {key: value for key, value in alert.__dict__.items() if key != "_state"}
    joined = {name: obj.pk if obj else None for name, obj in alert._state.fields_cache.items()}
    return values, joined


@pytest.mark.parametrize("user_attr", READERS)
def test_the_compiled_read_gives_the_orms_fiche_for_every_role(world, alerts, user_attr):
    user = getattr(world, user_attr)
    for alert in alerts:
        for _ in range(2):  # compiled, then from the compiled SQL
            assert answer(fiche_read, user, alert.pk) == answer(orm_read, user, alert.pk), alert
    shape = fiche_read_module.reader_shape(user)
    # Read from the compiled SQL, not by the ORM's fallback (a mayor has no fiche scope: the ORM).
    assert (shape is not None and fiche_read_module._reads[shape] is not None) == (user_attr != "mayor")


def test_two_readers_of_different_organisations_sharing_a_shape_get_their_own_fiches(world, alerts):
    creil, other = alerts
    officer_972 = UserFactory(organisation=world.police_972, email="officier@fdf.fr")
    pairs = [
        (world.landlord_agent, world.other_landlord_agent),
        (world.prefect_agent, world.prefect_972),
        (world.officer, officer_972),
    ]
    for first, second in pairs:
        assert fiche_read_module.reader_shape(first) == fiche_read_module.reader_shape(second)
        for user in (first, second, first):
            for alert in (creil, other):
                sees = alert_policy.instances(user, "view").filter(pk=alert.pk).exists()
                assert answer(fiche_read, user, alert.pk) == answer(orm_read, user, alert.pk)
                assert (answer(fiche_read, user, alert.pk) != 404) == sees, (user, alert)
    # The second landlord's own fiche, and not the first's.
    assert fiche_read(user=world.other_landlord_agent, pk=other.pk).pk == other.pk
    with pytest.raises(Http404):
        fiche_read(user=world.other_landlord_agent, pk=creil.pk)


def test_the_read_is_built_once_per_reader_shape(world, alerts, monkeypatch):
    built = []
    queryset = fiche_read_module.fiche_queryset

    def counting(**kwargs):
        built.append(1)
        return queryset(**kwargs)

    monkeypatch.setattr(fiche_read_module, "fiche_queryset", counting)
    for user in (world.landlord_agent, world.other_landlord_agent, world.landlord_agent):
        for alert in alerts:
            answer(fiche_read, user, alert.pk)

    assert len(built) == 1


def test_a_grant_revoked_after_the_read_was_compiled_is_read_at_once(world, alerts):
    creil, _other = alerts
    assert alert_policy.can(world.officer, "acknowledge", fiche_read(user=world.officer, pk=creil.pk))

    services.alert_redirect(actor=world.officer, alert=creil, unit=world.gendarmerie, reason="Méru.")

    with pytest.raises(Http404):
        fiche_read(user=world.officer, pk=creil.pk)
    fiche = fiche_read(user=world.gendarme, pk=creil.pk)
    assert alert_policy.can(world.gendarme, "acknowledge", fiche)
    assert answer(fiche_read, world.gendarme, creil.pk) == answer(orm_read, world.gendarme, creil.pk)


def test_platform_administrators_and_odd_ids_are_read_by_the_orm(world, alerts):
    admin = UserFactory(is_superuser=True, organisation=None, role=Role.AGENT, email="admin@passerelle.fr")
    creil, _other = alerts
    assert fiche_read(user=admin, pk=creil.pk) == Alert.objects.get(pk=creil.pk)
    for pk in (0, -1, 2**70, "x"):
        with pytest.raises(Http404):
            fiche_read(user=world.officer, pk=pk)


def timeline_answer(events):
    return [
        (
            {key: value for key, value in event.__dict__.items() if key != "_state"},
            {name: obj.pk if obj else None for name, obj in event._state.fields_cache.items()},
        )
        for event in events
    ]


def test_the_compiled_timeline_gives_each_reader_the_orms_lines_and_its_own_internal_comments(world, alerts):
    creil, _other = alerts
    services.alert_comment(actor=world.officer, alert=creil, message="Interne police.", internal=True)
    services.alert_comment(
        actor=world.landlord_agent, alert=creil, message="Interne bailleur.", internal=True
    )
    services.alert_add_attachment(actor=world.officer, alert=creil, uploaded_file=upload(PNG, "hall.png"))
    admin = UserFactory(is_superuser=True, organisation=None, email="admin@passerelle.fr")
    for user in (world.officer, world.landlord_agent, world.police_manager, world.prefect_agent, admin):
        fiche = Alert.objects.get(pk=creil.pk)
        read = fiche_read_module.timeline_read(user=user, alert=fiche)
        assert timeline_answer(read) == timeline_answer(selectors.fiche_timeline(user=user, alert=fiche)), (
            user
        )
        assert all(event.alert is fiche for event in read)
    messages = {e.message for e in fiche_read_module.timeline_read(user=world.landlord_agent, alert=creil)}
    assert "Interne bailleur." in messages
    assert "Interne police." not in messages
