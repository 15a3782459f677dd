"""The list pages' fast widgets and labels render exactly what Django's templates rendered."""

import pytest
from django import forms
from django.utils.translation import gettext_lazy

from alerts.filters import AlertFilter
from alerts.models import Alert, Status
from alerts.views.lists import label
from partnerships.widgets import FastSelect
from tests.alerts.factories import filed_alert

CHOICES = [
    ("", "---------"),
    ("a", "Résidence <Les Tilleuls> & co"),
    ('b"', gettext_lazy("Urgence")),
    (3, "trois"),
    ("Groupe", [("g1", "un"), ("g2", "deux")]),
]
ATTRS = {"id": "id_site", "class": "fr-select", "required": True, "aria-describedby": "id_site_error"}


@pytest.mark.parametrize("value", [None, "", "a", 'b"', 3, "3", "g2", "unknown"])
@pytest.mark.parametrize("attrs", [None, ATTRS, {**ATTRS, "required": False}])
def test_the_fast_select_renders_the_same_html_as_django_select(value, attrs):
    expected = forms.Select(choices=CHOICES).render("site", value, attrs=attrs)

    assert FastSelect(choices=CHOICES).render("site", value, attrs=attrs) == expected


def test_the_fast_select_of_the_commune_filter_marks_the_chosen_commune_selected(world):
    form = AlertFilter({"commune": str(world.creil.pk)}, user=world.officer).form
    field = form["commune"]
    html = str(field)

    assert isinstance(field.field.widget, FastSelect)
    assert f'<option value="{world.creil.pk}" selected>{world.creil}</option>' in html
    assert html == forms.Select(choices=field.field.choices).render(
        field.html_name, field.value(), attrs={"id": field.auto_id}
    )


def test_the_cached_labels_are_those_of_get_foo_display(world):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    alert.refresh_from_db()

    for name in ("status", "urgency", "category"):
        assert label(alert, name) == getattr(alert, f"get_{name}_display")()
    assert label(Alert(status=Status.CLOSED), "status") == "Clôturée"
