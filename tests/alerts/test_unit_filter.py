"""The prefecture's fiche lists filter by routed unit: page, CSV export and API."""

from django.urls import reverse

from tests.alerts.test_pages_lists import EXPORT, LIST, fiches, read_csv, refs, table_references  # noqa: F401 (fiches: a fixture)

DASHBOARD = reverse("alerts:dashboard")


def test_the_prefecture_filters_its_fiches_by_unit_and_is_offered_its_departements_units(
    world,
    login,
    fiches,  # noqa: F811
):
    client = login(world.prefect_agent)

    response = client.get(LIST, {"unit": world.police.pk})

    assert table_references(response) == refs(fiches, "creil", "other")
    field = response.context["filter_form"].fields["unit"]
    assert [label for _value, label in field.widget.choices] == [
        "Tous",
        "Brigade de Méru",
        "Commissariat de Creil",
        "DDSP de l'Oise",
        "Groupement de l'Oise",
    ]
    assert (
        f'<option value="{world.police.pk}" selected>Commissariat de Creil</option>'
        in response.content.decode()
    )
    assert {row[0] for row in read_csv(client.get(EXPORT, {"unit": world.police.pk}))[1:]} == refs(
        fiches, "creil", "other"
    )


def test_the_fiches_api_filters_by_unit(world, login, fiches):  # noqa: F811
    client = login(world.prefect_agent)

    body = client.get("/api/v1/alerts/", {"unit": world.gendarmerie.pk}).json()

    assert {row["reference"] for row in body["results"]} == refs(fiches, "meru")
    # Another département's unit is no choice: refused, not an empty list that would say it exists.
    assert client.get("/api/v1/alerts/", {"unit": world.police_972.pk}).status_code == 400


def test_a_units_dashboard_and_a_landlords_list_offer_no_unit_filter(world, login, fiches):  # noqa: F811
    assert "unit" not in login(world.officer).get(DASHBOARD).context["filter_form"].fields
    assert "unit" not in login(world.landlord_agent).get(LIST).context["filter_form"].fields
