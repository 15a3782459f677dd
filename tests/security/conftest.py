"""Objects of "another organisation" for the access matrix: one bundle in the Oise (owned by the other
landlord, routed to the gendarmerie of Méru) and one in Martinique. Every text of a bundle carries its
marker, so a page that leaks any of its objects shows the marker."""

import datetime
from dataclasses import dataclass, field

import pytest
from django.core.files.base import ContentFile
from django.db.models import Model

from alerts import services as alert_services
from alerts.models import Alert, AlertEvent, Attachment, Notification
from alerts.services.attachments import attachment_make_thumbnail
from conventions.models import (
    ActionItem,
    Commitment,
    Convention,
    ConventionDocument,
    Meeting,
    MeetingKind,
    PartnershipProblem,
)
from partnerships.models import HousingSite, Role, SecurityCorrespondent
from tests.alerts.factories import JPEG, PDF, draft_alert, filed_alert, upload
from tests.conventions.factories import make_convention
from tests.factories import CommuneFactory, HousingSiteFactory, UserFactory


@dataclass
class Bundle:
    """Everything one organisation owns, as seen from the URL patterns."""

    marker: str
    site: HousingSite
    alert: Alert  # filed, routed to a unit
    queued: Alert  # filed on a commune no unit covers: waits in the prefecture's queue
    draft: Alert
    attachment: Attachment
    photo: Attachment  # with its gallery preview: the zip and the thumbnail have something to give
    convention: Convention
    document: ConventionDocument
    meeting: Meeting
    commitment: Commitment
    action_item: ActionItem
    problem: PartnershipProblem
    references: list[str] = field(default_factory=list)

    @property
    def markers(self) -> list[str]:
        return [self.marker, *self.references]

    def state(self) -> list:
        """Every row a request could change: compared before and after each foreign request."""
        alerts = Alert.objects.filter(pk__in=[self.alert.pk, self.queued.pk, self.draft.pk])
        rows: list = [list(alerts.order_by("pk").values())]
        rows.append(AlertEvent.objects.filter(alert__in=alerts).count())
        rows.append(Attachment.objects.filter(alert__in=alerts).count())
        for model, pk in (
            (HousingSite, self.site.pk),
            (Convention, self.convention.pk),
            (Commitment, self.commitment.pk),
            (Meeting, self.meeting.pk),
            (ActionItem, self.action_item.pk),
            (PartnershipProblem, self.problem.pk),
        ):
            rows.append(values(model, pk))
        rows.append(ConventionDocument.objects.filter(convention=self.convention).count())
        rows.append(Meeting.objects.filter(convention=self.convention).count())
        rows.append(Commitment.objects.filter(convention=self.convention).count())
        rows.append(Alert.objects.count())
        return rows


def values(model: type[Model], pk) -> dict:
    return model.objects.filter(pk=pk).values().get()


def make_bundle(
    world, *, marker, landlord, reporter, commune, queue_commune, department, convention_orgs, opener
):
    site = HousingSiteFactory(landlord=landlord, commune=commune, name=f"Résidence {marker}")
    queue_site = HousingSiteFactory(landlord=landlord, commune=queue_commune, name=f"Hameau {marker}")
    SecurityCorrespondent.objects.create(
        organisation=landlord, full_name=f"Correspondant {marker}", function="Gardien"
    )
    alert = filed_alert(site=site, reporter=reporter, description=f"Fiche {marker}")
    queued = filed_alert(site=queue_site, reporter=reporter, description=f"Fiche en attente {marker}")
    draft = draft_alert(site=site, reporter=reporter, description=f"Brouillon {marker}")
    attachment = alert_services.alert_add_attachment(
        actor=reporter, alert=alert, uploaded_file=upload(PDF, f"plainte-{marker}.pdf")
    )
    photo = alert_services.alert_add_attachment(
        actor=reporter, alert=alert, uploaded_file=upload(JPEG, f"hall-{marker}.jpg")
    )
    attachment_make_thumbnail(attachment=photo)
    convention = make_convention(
        world, title=f"Convention {marker}", department=department, organisations=convention_orgs
    )
    document = ConventionDocument(
        convention=convention, original_name=f"convention-{marker}.pdf", content_type="application/pdf"
    )
    document.file.save("signed.pdf", ContentFile(PDF), save=True)
    meeting = Meeting(convention=convention, kind=MeetingKind.STEERING, date=datetime.date(2026, 3, 1))
    meeting.minutes = f"Compte rendu {marker}"
    meeting.minutes_file.save("minutes.pdf", ContentFile(PDF), save=True)
    commitment = Commitment.objects.create(convention=convention, text=f"Engagement {marker}")
    action_item = ActionItem.objects.create(meeting=meeting, text=f"Action {marker}", owner=landlord)
    problem = PartnershipProblem.objects.create(
        department=department, site=site, commune=commune, title=f"Problème {marker}", opened_by=opener
    )
    problem.alerts.add(alert)
    return Bundle(
        marker=marker,
        site=site,
        alert=alert,
        queued=queued,
        draft=draft,
        attachment=attachment,
        photo=photo,
        convention=convention,
        document=document,
        meeting=meeting,
        commitment=commitment,
        action_item=action_item,
        problem=problem,
        references=[alert.reference, queued.reference],
    )


@pytest.fixture
def bundles(world):
    """{"oise": the other landlord's objects at Méru, "martinique": the Martinique landlord's}."""
    world.admin = UserFactory(
        organisation=None, is_superuser=True, is_staff=True, email="admin@passerelle.fr"
    )
    world.other_landlord_manager = UserFactory(
        organisation=world.other_landlord, role=Role.MANAGER, email="referent@autre.fr"
    )
    world.agent_972 = UserFactory(organisation=world.landlord_972, role=Role.AGENT, email="agent@simar.fr")
    ajoupa = CommuneFactory(insee_code="97201", name="L'Ajoupa-Bouillon", department=world.martinique)
    oise = make_bundle(
        world,
        marker="MARQUEUR-OISE",
        landlord=world.other_landlord,
        reporter=world.other_landlord_agent,
        commune=world.meru,
        queue_commune=world.nowhere,
        department=world.oise,
        convention_orgs=[world.prefecture, world.other_landlord, world.groupement],
        opener=world.gendarmerie,
    )
    martinique = make_bundle(
        world,
        marker="MARQUEUR-MARTINIQUE",
        landlord=world.landlord_972,
        reporter=world.agent_972,
        commune=world.fdf,
        queue_commune=ajoupa,
        department=world.martinique,
        convention_orgs=[world.prefecture_972, world.landlord_972, world.police_972],
        opener=world.police_972,
    )
    # The filing notified the routed units; nobody of the roles under test may read those.
    assert Notification.objects.exists()
    return {"oise": oise, "martinique": martinique}
