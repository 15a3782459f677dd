"""The API serializers build their fields once per class and give each serializer its own copies
(alerts/api/plain.py FieldsBuiltOnce): what one request sets on its fields never reaches
another's."""

from types import SimpleNamespace

from alerts.api.serializers import AlertCreateSerializer, EventSerializer
from tests.alerts.factories import alert_data


def create_serializer(user, site):
    data = {"site": site.pk, **alert_data()}
    data["facts_at"] = data["facts_at"].isoformat()
    return AlertCreateSerializer(data=data, context={"request": SimpleNamespace(user=user)})


def test_each_landlords_create_serializer_keeps_its_own_estates_when_another_is_built_after_it(world):
    mine = create_serializer(world.landlord_agent, world.site_creil)
    theirs = create_serializer(world.other_landlord_agent, world.site_creil)

    assert mine.is_valid(), mine.errors
    assert not theirs.is_valid()
    assert "site" in theirs.errors


def test_a_nested_field_is_not_shared_between_two_serializers(world):
    first, second = EventSerializer(), EventSerializer()
    assert first.fields["data"].child is not second.fields["data"].child
    assert first.fields["data"].child.parent is first.fields["data"]


def site_errors(user, site_pk):
    data = {"site": site_pk, **alert_data()}
    data["facts_at"] = data["facts_at"].isoformat()
    serializer = AlertCreateSerializer(data=data, context={"request": SimpleNamespace(user=user)})
    serializer.is_valid()
    errors = serializer.errors.get("site")
    return [str(error) for error in errors] if errors else None


def test_another_landlords_estate_a_missing_one_and_a_malformed_id_read_alike(world):
    expected = site_errors(world.landlord_agent, 10**9)
    assert expected
    assert site_errors(world.landlord_agent, world.other_site.pk) == expected
    assert site_errors(world.landlord_agent, "douze") == expected
    assert site_errors(world.landlord_agent, True) == expected
    assert site_errors(world.landlord_agent, str(world.site_creil.pk)) is None


def test_an_estate_handed_to_another_landlord_is_refused_to_the_first_at_once(world):
    assert site_errors(world.landlord_agent, world.site_creil.pk) is None  # kept in this process now
    world.site_creil.landlord = world.other_landlord
    world.site_creil.save()
    assert site_errors(world.landlord_agent, world.site_creil.pk)
    assert site_errors(world.other_landlord_agent, world.site_creil.pk) is None


def test_a_commune_renamed_after_a_filing_is_named_in_the_next(world):
    assert filed_site(world).commune.name == "Creil"
    world.creil.name = "Creil-sur-Oise"
    world.creil.save()
    assert filed_site(world).commune.name == "Creil-sur-Oise"


def filed_site(world):
    data = {"site": world.site_creil.pk, **alert_data()}
    data["facts_at"] = data["facts_at"].isoformat()
    serializer = AlertCreateSerializer(
        data=data, context={"request": SimpleNamespace(user=world.landlord_agent)}
    )
    assert serializer.is_valid(), serializer.errors
    return serializer.validated_data["site"]


def test_a_caller_changing_its_estate_never_changes_the_next_callers(world):
    site = filed_site(world)
    site.name, site.commune.name = "Changée en mémoire", "Changée aussi"
    again = filed_site(world)
    assert (again.name, again.commune.name) == ("Les Hauts de Creil", "Creil")
