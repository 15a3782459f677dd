"""The audit trail: who viewed, changed, exported or downloaded which fiche or file, when and from
which organisation; append-only; read by the prefecture's referent for its département only."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from alerts import services
from conventions.models import ConventionDocument
from partnerships.audit import audit_record
from partnerships.models import AuditAction, AuditEntry
from tests.alerts.factories import PDF, PNG, alert_data, filed_alert, upload
from tests.conventions.factories import make_convention
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alert(world):
    return services.alert_file(
        actor=world.landlord_agent,
        site=world.site_creil,
        data=alert_data(description="Un texte libre qui ne doit pas entrer au journal"),
        attachments=[upload(PNG, "photo.png")],
    )


def entries(**lookup):
    return list(AuditEntry.objects.filter(**lookup).order_by("at", "id"))


def test_viewing_a_fiche_page_records_who_from_which_organisation_and_address(world, login, alert):
    login(world.officer).get(reverse("alerts:detail", args=[alert.pk]), REMOTE_ADDR="203.0.113.7")

    [entry] = entries(action=AuditAction.VIEW)
    assert (entry.actor, entry.actor_label) == (world.officer, "officier@creil.fr")
    assert (entry.organisation, entry.organisation_label) == (world.police, "Commissariat de Creil")
    assert (entry.alert_id, entry.reference, entry.department_id) == (alert.pk, alert.reference, "60")
    assert (entry.object_type, entry.object_id) == ("alerts.alert", str(alert.pk))
    assert entry.ip == "203.0.113.7"


def test_reading_a_fiche_through_the_api_is_recorded_as_a_view(world, alert):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(world.officer)
    assert client.get(f"/api/v1/alerts/{alert.pk}/").status_code == 200

    [entry] = entries(action=AuditAction.VIEW)
    assert (entry.actor, entry.alert_id) == (world.officer, alert.pk)


def test_a_fiche_the_user_may_not_see_leaves_no_view_entry(world, login, alert):
    assert login(world.other_landlord_agent).get(reverse("alerts:detail", args=[alert.pk])).status_code == 404
    assert entries(action=AuditAction.VIEW) == []


def test_every_change_is_recorded_without_the_free_text(world, login, alert):
    login(world.officer).post(
        reverse("alerts:transition", args=[alert.pk, "acknowledge"]), REMOTE_ADDR="198.51.100.2"
    )
    services.alert_comment(actor=world.officer, alert=alert, message="Un commentaire confidentiel")

    created = entries(action=AuditAction.CREATE)
    assert [(e.actor, e.alert_id) for e in created] == [(world.landlord_agent, alert.pk)]
    changes = entries(action=AuditAction.CHANGE, actor=world.officer)
    assert [e.detail["event"] for e in changes] == ["transition", "comment"]
    assert changes[0].detail["to_status"] == "acknowledged"
    # The address of the request reaches the entry written by the service.
    assert changes[0].ip == "198.51.100.2"
    logged = str(list(AuditEntry.objects.values_list("detail", flat=True)))
    assert "confidentiel" not in logged
    assert "texte libre" not in logged


def test_exports_are_recorded_with_their_filters(world, login, alert):
    login(world.prefect_agent).get(reverse("alerts:export") + "?status=submitted")
    make_convention(world)
    login(world.landlord_manager).get(
        reverse("conventions:fiches_export", args=["csv"]) + "?start=2026-01-01&end=2026-12-31"
    )

    alert_export, fiches_export = entries(action=AuditAction.EXPORT)
    assert (alert_export.actor, alert_export.object_type) == (world.prefect_agent, "alerts.alert")
    assert alert_export.detail["filters"] == {"status": "submitted"}
    assert (fiches_export.actor, fiches_export.organisation) == (world.landlord_manager, world.landlord)
    assert fiches_export.object_type == "conventions.fiches"
    assert fiches_export.department_id == "60"


def test_an_export_whose_query_carries_a_nul_character_is_recorded_without_it(world, login):
    # PostgreSQL's jsonb refuses \u0000: the export answered 500 there before the query string was cleaned
    # (partnerships.middleware.StripNulMiddleware).
    response = login(world.prefect_agent).get(reverse("alerts:export") + "?q=a%00b")
    assert response.status_code == 200
    b"".join(response.streaming_content)
    [entry] = entries(action=AuditAction.EXPORT)
    assert entry.detail["filters"] == {"q": "ab"}


def test_attachment_downloads_are_recorded_from_the_page_and_the_api(world, login, alert):
    from rest_framework.test import APIClient

    attachment = alert.attachments.get()
    response = login(world.officer).get(reverse("alerts:attachment", args=[alert.pk, attachment.pk]))
    assert response.status_code == 200
    api = APIClient()
    api.force_authenticate(world.landlord_agent)
    assert api.get(f"/api/v1/alerts/{alert.pk}/attachments/{attachment.pk}/download/").status_code == 200

    downloads = entries(action=AuditAction.DOWNLOAD)
    assert [(e.actor, e.object_type, e.object_id, e.alert_id) for e in downloads] == [
        (world.officer, "alerts.attachment", str(attachment.pk), alert.pk),
        (world.landlord_agent, "alerts.attachment", str(attachment.pk), alert.pk),
    ]


def test_convention_document_downloads_are_recorded(world, login):
    convention = make_convention(world)
    document = ConventionDocument(
        convention=convention, original_name="c.pdf", content_type="application/pdf"
    )
    document.file.save("c.pdf", ContentFile(PDF), save=True)

    login(world.prefect_agent).get(reverse("conventions:document", args=[convention.pk, document.pk]))

    [entry] = entries(action=AuditAction.DOWNLOAD)
    assert (entry.object_type, entry.object_id, entry.department_id) == (
        "conventions.conventiondocument",
        str(document.pk),
        "60",
    )


def test_an_entry_can_be_neither_changed_nor_deleted(world):
    entry = audit_record(request_or_actor=world.officer, action=AuditAction.VIEW, object_type="x")
    entry.action = AuditAction.CHANGE
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.filter(pk=entry.pk).update(action=AuditAction.CHANGE)
    with pytest.raises(TypeError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get().action == AuditAction.VIEW


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_on_postgresql_the_database_itself_refuses_updates_and_deletes(world):
    entry = audit_record(request_or_actor=world.officer, action=AuditAction.VIEW, object_type="x")
    for sql in (
        "UPDATE partnerships_auditentry SET action = 'change'",
        "UPDATE partnerships_auditentry SET actor_label = 'someone-else'",
        "DELETE FROM partnerships_auditentry",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    # Deleting the user unlinks the entry (SET NULL) but keeps who it was.
    world.officer.delete()
    entry = AuditEntry.objects.get(pk=entry.pk)
    assert (entry.actor_id, entry.actor_label) == (None, "officier@creil.fr")


def test_deleting_a_user_keeps_their_entries_and_their_label(world, alert, login):
    user = UserFactory(organisation=world.police, email="parti@creil.fr")
    login(user).get(reverse("alerts:detail", args=[alert.pk]))
    user.delete()
    [entry] = entries(action=AuditAction.VIEW)
    assert (entry.actor_id, entry.actor_label, entry.organisation_id) == (
        None,
        "parti@creil.fr",
        world.police.pk,
    )


def test_the_answer_to_who_saw_this_fiche(world, login, alert):
    other = filed_alert(site=world.site_meru, reporter=world.landlord_agent)
    login(world.officer).get(reverse("alerts:detail", args=[alert.pk]))
    login(world.police_manager).get(reverse("alerts:detail", args=[alert.pk]))
    login(world.gendarme).get(reverse("alerts:detail", args=[other.pk]))

    client = login(world.prefect_agent)
    page = client.get(reverse("alerts:detail", args=[alert.pk]))
    link = reverse("audit:list") + f"?fiche={alert.pk}"
    assert link in page.content.decode()
    response = client.get(link)
    assert response.status_code == 200
    viewers = {e.actor_label for e in response.context["entries"] if e.action == AuditAction.VIEW}
    assert viewers == {"officier@creil.fr", "chef@creil.fr", "referent@oise.pref.fr"}
    assert alert.reference in response.content.decode()
    assert "gendarme@meru.fr" not in response.content.decode()


def test_the_fiche_page_offers_the_audit_link_to_the_prefecture_referent_only(world, login, alert):
    page = login(world.officer).get(reverse("alerts:detail", args=[alert.pk]))
    assert 'data-testid="audit-link"' not in page.content.decode()


def test_a_prefecture_of_another_departement_sees_nothing_of_the_oise(world, login, alert):
    login(world.officer).get(reverse("alerts:detail", args=[alert.pk]))
    response = login(world.prefect_972).get(reverse("audit:list"))
    assert response.status_code == 200
    assert list(response.context["entries"]) == []
    assert not login(world.prefect_972).get(reverse("audit:list") + f"?fiche={alert.pk}").context["entries"]


@pytest.mark.parametrize(
    "who", ["landlord_agent", "landlord_manager", "officer", "police_manager", "ddsp_manager", "mayor"]
)
def test_other_roles_may_not_read_the_journal(world, login, who):
    client = login(getattr(world, who))
    assert client.get(reverse("audit:list")).status_code == 403
    assert client.get(reverse("audit:export")).status_code == 403


def test_a_prefecture_agent_who_is_not_the_referent_may_not_read_it(world, login):
    agent = UserFactory(organisation=world.prefecture, email="agent@oise.pref.fr")
    assert login(agent).get(reverse("audit:list")).status_code == 403


def test_the_journal_is_in_the_menu_of_the_prefecture_referent_only(world, login):
    assert reverse("audit:list") in login(world.prefect_agent).get(reverse("home")).content.decode()
    assert reverse("audit:list") not in login(world.officer).get(reverse("home")).content.decode()


def test_a_platform_administrator_reads_every_departement(world, login, alert):
    login(world.prefect_972).get(reverse("alerts:export"))
    login(world.officer).get(reverse("alerts:detail", args=[alert.pk]))
    admin = UserFactory(organisation=None, email="admin@plateforme.fr", is_superuser=True, is_staff=True)
    response = login(admin).get(reverse("audit:list"))
    assert {e.department_id for e in response.context["entries"]} == {"60", "972"}


def test_the_journal_filters_by_user_action_reference_and_dates(world, login, alert):
    other = filed_alert(site=world.site_meru, reporter=world.landlord_agent)
    login(world.officer).get(reverse("alerts:detail", args=[alert.pk]))
    login(world.gendarme).get(reverse("alerts:detail", args=[other.pk]))
    client = login(world.prefect_agent)

    def shown(query):
        response = client.get(reverse("audit:list") + query)
        assert response.status_code == 200
        return {(e.actor_label, e.action, e.reference) for e in response.context["entries"]}

    assert shown("?actor=gendarme&action=view") == {("gendarme@meru.fr", "view", other.reference)}
    assert {r for _a, _b, r in shown(f"?reference={alert.reference}")} == {alert.reference}
    today = timezone.localdate()
    assert shown(f"?date_from={today:%Y-%m-%d}&date_to={today:%Y-%m-%d}&action=view") == {
        ("officier@creil.fr", "view", alert.reference),
        ("gendarme@meru.fr", "view", other.reference),
    }
    yesterday = today - datetime.timedelta(days=1)
    assert shown(f"?date_to={yesterday:%Y-%m-%d}") == set()
    # An inverted period is an error in French; nothing is filtered then.
    response = client.get(reverse("audit:list") + f"?date_from={today:%Y-%m-%d}&date_to={yesterday:%Y-%m-%d}")
    assert "La date de début doit précéder la date de fin." in response.content.decode()


def test_the_journal_page_costs_the_same_queries_whatever_the_number_of_entries(
    world, login, alert, django_assert_max_num_queries
):
    client = login(world.prefect_agent)
    client.get(reverse("audit:list"))
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("audit:list"))
    baseline = len(few.captured_queries)
    for _ in range(30):
        login(world.officer).get(reverse("alerts:detail", args=[alert.pk]))
    client = login(world.prefect_agent)
    with django_assert_max_num_queries(baseline):
        response = client.get(reverse("audit:list"))
    assert len(response.context["entries"]) > 30


def test_the_journal_exports_as_csv_and_the_export_is_itself_recorded(world, login, alert):
    login(world.officer).get(reverse("alerts:detail", args=[alert.pk]))
    response = login(world.prefect_agent).get(reverse("audit:export") + "?action=view")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "officier@creil.fr" in body
    assert "Consultation" in body
    assert alert.reference in body
    [export] = entries(action=AuditAction.EXPORT, actor=world.prefect_agent)
    assert (export.object_type, export.detail["filters"]) == ("partnerships.auditentry", {"action": "view"})
