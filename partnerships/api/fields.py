"""Serializer fields shared by the apps' APIs."""

from rest_framework import serializers

from partnerships.errors import NOT_A_CHOICE


class ChoicePrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A foreign key sent by the client, looked up in a queryset already scoped to what the client
    may choose: a missing id, a foreign one and a malformed one get the same message."""

    def __init__(self, *, message: str = NOT_A_CHOICE, **kwargs):
        kwargs["error_messages"] = {"does_not_exist": message, "incorrect_type": message}
        super().__init__(**kwargs)
