"""The API serializers build their fields once per class and give each serializer its own copies
(alerts/api/serializers.py FieldsBuiltOnce): what one request sets on its fields never reaches
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
