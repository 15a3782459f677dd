"""Output fields of the fiches API whose values a list reads fast: times in the reader's or the
fiche's zone, and choice labels from the cached labels."""

from rest_framework import serializers

from partnerships.localtime import department_zone

from ..views.lists import label


class RequestTimezoneDateTimeField(serializers.DateTimeField):
    """DRF's DateTimeField, but the current timezone is looked up once, when the field is bound for a
    request, instead of for every value (a context-local lookup, 400 times for a list of 50)."""

    def bind(self, field_name, parent):
        super().bind(field_name, parent)
        self.timezone = self.default_timezone()


class FicheDateTimeField(RequestTimezoneDateTimeField):
    """A fiche's time in ISO 8601 with the offset of the fiche's département's zone (Martinique's
    02:36 is "…T02:36:00-04:00" whoever reads it)."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text", "ISO 8601, avec le décalage horaire du département de la fiche (heure locale)."
        )
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        self.timezone = department_zone(instance.department_id)
        return super().get_attribute(instance)


class ChoiceLabelField(serializers.CharField):
    """The label of the fiche's choice field `name`, from the cached labels of the CSV export:
    get_FOO_display rebuilds the choices dict on each call, a large part of a list's time."""

    def __init__(self, name: str, **kwargs):
        self.choice_name = name
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, alert) -> str:
        return label(alert, self.choice_name)
