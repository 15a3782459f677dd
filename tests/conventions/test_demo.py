from django.core.management import call_command

from conventions.models import Convention


def test_the_demo_carries_both_source_conventions_with_their_commitments(db):
    call_command("demo_data", "--if-empty", "--without-alerts", verbosity=0)

    renewal = Convention.objects.get(title__contains="renouvellement 2026")
    oise = Convention.objects.get(title__contains="l'Oise (2018)")
    assert renewal.parent.title.endswith("Martinique (2018)")
    assert {"parquet", "landlord"} <= set(renewal.signatories.values_list("organisation__kind", flat=True))
    assert renewal.signatories.filter(organisation__kind="landlord").count() == 4
    assert "Fort-de-France" in " ".join(renewal.parent.commitments.values_list("text", flat=True))
    assert oise.commitments.filter(text__contains="ZSP de Méru-Chambly et de Creil").exists()
    assert oise.meetings.get(kind="periodic").action_items.count() == 2


def test_the_demo_conventions_are_recorded_by_their_prefecture_referent_through_the_services(db):
    call_command("demo_data", "--if-empty", "--without-alerts", verbosity=0)

    for convention in Convention.objects.all():
        created = convention.events.get(action="create")
        assert created.actor.organisation.is_prefecture
        assert created.actor.organisation.department_id == convention.department_id
