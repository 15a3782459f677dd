"""Wording French users read (issue 17, points 8 and 10): no placeholder dashes, the reference
once in a subject, the fiche's creation named as such, the audit log saying what was done."""

import re

import pytest
from django.urls import reverse

from alerts import services
from alerts.models import OutboxEmail
from conventions.models import Signatory
from tests.alerts.factories import filed_alert
from tests.browser.test_accessibility import Scene
from tests.conventions.factories import make_convention
from tests.test_html_validity import main_pages

# A select's empty choice: its value is empty and its label is what the user reads.
EMPTY_CHOICE = re.compile(r'<select[^>]*name="([^"]+)"[^>]*>\s*<option value=""[^>]*>([^<]*)</option>')


def test_the_filing_forms_empty_choices_say_choisir_not_dashes(world, login):
    page = login(world.landlord_agent).get(f"{reverse('alerts:create')}?site={world.site_creil.pk}").content
    text = page.decode()
    assert "---------" not in text
    assert "Choisir…" in text


@pytest.mark.django_db
def test_every_main_pages_selects_name_their_empty_choice_tous_in_a_filter_and_choisir_in_a_form(client):
    pages = main_pages(client, Scene())
    empty_choices = {
        (page, name): label for page, html in pages.items() for name, label in EMPTY_CHOICE.findall(html)
    }

    assert not [page for page, html in pages.items() if "---------" in html]
    assert {label for label in empty_choices.values()} <= {"Tous", "Toutes", "Choisir…", "Aucune"}
    # The filters of every fiche list, the indicators' filters; a form's required choices.
    assert empty_choices["officer — dashboard", "site"] == "Tous"
    assert empty_choices["prefect_agent — fiches", "landlord"] == "Tous"
    assert empty_choices["prefect_agent — department indicators", "category"] == "Tous"
    assert empty_choices["officer — fiche with action forms", "redirect-unit"] == "Choisir…"
    assert empty_choices["prefect_agent — routing queue", "route-unit"] == "Choisir…"
    assert empty_choices["prefect_agent — new meeting", "kind"] == "Choisir…"


def test_an_email_subject_names_the_fiche_once(world):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    subject = OutboxEmail.objects.filter(key__startswith="alert_new:").first().subject
    assert subject == f"[Passerelle] Nouvelle fiche alerte {alert.reference}"


def test_the_notifications_page_lists_each_notifications_text_not_only_its_kind(world, login):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    services.alert_acknowledge(actor=world.officer, alert=alert)
    services.alert_feedback(actor=world.officer, alert=alert, message="Patrouille ce soir")

    page = login(world.landlord_agent).get(reverse("alerts:notifications")).content.decode()
    listed = page[page.index('data-testid="notifications"') :]
    assert "« Patrouille ce soir »" in listed
    assert alert.reference in listed


def test_the_timeline_names_the_fiches_creation(world, login):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    page = login(world.landlord_agent).get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    timeline = page[page.index('data-testid="timeline"') :]
    assert "Création de la fiche" in timeline.split("</li>")[0]


def test_a_signatory_without_a_known_representative_is_named_by_the_title_alone(world, login):
    convention = make_convention(world)
    Signatory.objects.filter(convention=convention, organisation=world.prefecture).update(
        representative="", title="Préfet du département"
    )
    page = (
        login(world.prefect_agent).get(reverse("conventions:detail", args=[convention.pk])).content.decode()
    )
    assert "<td>Préfet du département</td>" in page
    assert "—, Préfet" not in page


def test_the_audit_log_says_which_change_was_made(world, login):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    services.alert_acknowledge(actor=world.officer, alert=alert)
    page = login(world.prefect_agent).get(reverse("audit:list")).content.decode()
    assert "Modification — Changement de statut (Transmise → Prise en compte)" in page
