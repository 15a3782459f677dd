"""One of everything the fiches offer, through the real services, so that every feature shows in the
demo: drafts with photos, a fiche whose landlord hears back at each step (acknowledged, redirected,
started, commented, a photo added, answered, closed), one returned to the prefecture and routed again,
partnership problems opened from fiches at each stage, and the overdue reminders the beat raises."""

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from conventions.models import ProblemStatus
from conventions.problems import problem_create, problem_transition
from partnerships.models import HousingSite, Organisation, Role, User

from . import services
from .escalation.scan import scan_escalations
from .models import Alert, Category, Outcome, PlaceType, ReturnReason, Urgency
from .services.attachments import attachment_make_thumbnail

# (what the photo shows, its two colours): flat shapes, enough for the gallery to show something.
PHOTOS = {
    "hall": ((92, 84, 76), (214, 196, 160)),
    "parking": ((70, 78, 90), (180, 186, 196)),
    "depot": ((60, 96, 64), (150, 120, 90)),
}

# The transitions that take a new problem to each status.
PROBLEM_STEPS = {
    ProblemStatus.IDENTIFIED: [],
    ProblemStatus.IN_TREATMENT: [ProblemStatus.IN_TREATMENT],
    ProblemStatus.RESOLVED: [ProblemStatus.IN_TREATMENT, ProblemStatus.RESOLVED],
}


def photo(name: str) -> SimpleUploadedFile:
    """A small real JPEG, as a phone would send it (the attachment service re-encodes it)."""
    dark, light = PHOTOS[name]
    image = Image.new("RGB", (640, 480), light)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 300, 640, 480), fill=dark)
    draw.rectangle((220, 90, 420, 300), outline=dark, width=12)
    draw.ellipse((480, 40, 580, 140), fill=(236, 226, 120))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=70)
    return SimpleUploadedFile(f"{name}.jpg", buffer.getvalue(), content_type="image/jpeg")


def attach_photo(*, actor: User, alert: Alert, name: str) -> None:
    # The worker makes thumbnails after the commit; the demo shows them from the first page.
    attachment_make_thumbnail(
        attachment=services.alert_add_attachment(actor=actor, alert=alert, uploaded_file=photo(name))
    )


def fiche_data(category, place, text, **overrides) -> dict:
    return {
        "category": category,
        "subcategory": "",
        "place_type": place,
        "urgency": Urgency.NORMAL,
        "description": text,
        "facts_at": timezone.now() - datetime.timedelta(hours=3),
        "people_count": 4,
        **overrides,
    }


def load_showcase(orgs: dict[str, Organisation]) -> int:
    """Returns the number of fiches it filed or drafted."""
    people = {
        (u.organisation_id, u.role): u
        for u in User.objects.filter(organisation__in=orgs.values(), role__in=[Role.AGENT, Role.MANAGER])
    }

    def agent(key):
        return people[(orgs[key].pk, Role.AGENT)]

    def manager(key):
        return people[(orgs[key].pk, Role.MANAGER)]

    sites = {s.name: s for s in HousingSite.objects.filter(landlord__in=orgs.values())}

    # Drafts: a SIMAR agent's, with a photo, and one in the Oise.
    draft = services.alert_create_draft(
        actor=agent("simar"),
        site=sites["Cité Bois-Colibri"],
        data=fiche_data(
            Category.DUMPING, PlaceType.SURROUNDINGS, "Encombrants déposés devant le local vélos."
        ),
    )
    attach_photo(actor=agent("simar"), alert=draft, name="depot")
    oise_draft = services.alert_create_draft(
        actor=agent("landlord_60_a"),
        site=sites["Les Cavées"],
        data=fiche_data(Category.COMMON_PARTS, PlaceType.HALL, "Hall A : porte d'entrée forcée cette nuit."),
    )

    # SIMAR's managers hear of every step of this fiche, filed by their agent.
    journey = services.alert_file(
        actor=agent("simar"),
        site=sites["Résidence Les Flamboyants"],
        data=fiche_data(
            Category.COMMON_PARTS,
            PlaceType.HALL,
            "Regroupement dans le hall B chaque soir, locataires empêchés de passer.",
            urgency=Urgency.HIGH,
        ),
    )
    attach_photo(actor=agent("simar"), alert=journey, name="hall")
    services.alert_acknowledge(actor=agent("police_972"), alert=journey)
    services.alert_redirect(
        actor=agent("police_972"),
        alert=journey,
        unit=orgs["brigade_ducos"],
        reason="Les patrouilles de nuit du secteur sont assurées par la brigade de Ducos.",
    )
    services.alert_start(actor=agent("brigade_ducos"), alert=journey)
    services.alert_comment(
        actor=agent("brigade_ducos"), alert=journey, message="Le code d'accès du hall B a-t-il changé ?"
    )
    services.alert_comment(
        actor=agent("brigade_ducos"),
        alert=journey,
        message="À recouper avec la fiche du parking.",
        internal=True,
    )
    services.alert_feedback(
        actor=agent("brigade_ducos"), alert=journey, message="Deux passages en soirée, groupe dispersé."
    )
    services.alert_close(
        actor=agent("brigade_ducos"),
        alert=journey,
        outcome=Outcome.PATROL,
        comment="Présence renforcée pendant une semaine.",
    )

    # Out of the police's area: back to the prefecture, which routes it again.
    returned = services.alert_file(
        actor=agent("simar"),
        site=sites["Les Hauts du Robert"],
        data=fiche_data(Category.WRECKS, PlaceType.PARKING, "Deux véhicules épaves sur le parking haut."),
    )
    attach_photo(actor=agent("simar"), alert=returned, name="parking")
    services.alert_return_to_prefecture(
        actor=agent("brigade_robert"),
        alert=returned,
        reason=ReturnReason.OTHER,
        comment="Parking privé : enlèvement par le bailleur, à voir avec la mairie.",
    )
    services.alert_route_manually(actor=agent("pref_972"), alert=returned, unit=orgs["gendarmerie_972"])

    _problems(orgs, sites, manager)
    # What the beat's first scan would raise on the demo's late fiches: the reminders' notifications.
    scan_escalations()
    return len((draft, oise_draft, journey, returned))


def _problems(orgs, sites, manager) -> None:
    """Three problems, identified, in treatment and resolved, each opened by a force from its fiches."""
    for unit, site_name, title, partners, reached in (
        (
            "police_972",
            "Cité Bois-Colibri",
            "Occupation récurrente des halls de la Cité Bois-Colibri",
            ["simar", "mairie_fdf"],
            ProblemStatus.IN_TREATMENT,
        ),
        (
            "police_creil",
            "Résidence du Plateau Rouher",
            "Point de deal au pied des immeubles du Plateau Rouher",
            ["landlord_60_a"],
            ProblemStatus.RESOLVED,
        ),
        (
            "brigade_meru",
            "Cité des Obiers",
            "Rodéos motorisés aux abords de la Cité des Obiers",
            ["landlord_60_a"],
            ProblemStatus.IDENTIFIED,
        ),
    ):
        site = sites[site_name]
        actor = manager(unit)
        problem = problem_create(
            actor=actor,
            site=site,
            commune=site.commune,
            title=title,
            description="Faits répétés signalés par le bailleur depuis plusieurs mois.",
            partners=[orgs[key] for key in partners],
            action_plan="Patrouilles ciblées en soirée ; diagnostic de sûreté par le bailleur ; point au "
            "prochain groupe de partenariat opérationnel.",
            alerts=list(Alert.objects.filter(site=site).exclude(status="draft")[:3]),
        )
        for status in PROBLEM_STEPS[reached]:
            problem = problem_transition(actor=actor, problem=problem, to_status=status)
