"""Demo conventions, modelled on two real ones (Martinique 2018, renewed in January 2026 with the
parquet and a fourth landlord; Oise 2018), with their signatories, commitments and a few meetings.
Written through the services, as each département's prefecture referent would (ConventionsConfig.
load_demo_data calls it with the core's demo organisations)."""

import datetime
import textwrap

from django.core.files.base import ContentFile
from django.utils import timezone

from partnerships.models import Organisation, OrganisationKind, Role, User
from partnerships.services.organisations import organisation_create

from .models import ActionItemStatus, CommitmentStatus, Convention, ConventionStatus, MeetingKind
from .services import (
    action_item_create,
    add_months,
    commitment_create,
    convention_create,
    follow_up_status_set,
    meeting_create,
)

D = datetime.date

MARTINIQUE_2018 = [
    (
        "Mise en place de fiches alertes permettant un signalement rapide des faits aux forces de sécurité",
        ["simar", "ozanam", "smhlm", "police_972", "gendarmerie_972"],
        CommitmentStatus.DONE,
    ),
    (
        "Signalement systématique des faits portant atteinte à la tranquillité des résidences",
        ["simar", "ozanam", "smhlm"],
        CommitmentStatus.DONE,
    ),
    (
        "Réactivité accrue des forces de sécurité et retour d'information aux bailleurs",
        ["police_972", "gendarmerie_972"],
        CommitmentStatus.IN_PROGRESS,
    ),
    (
        "Partenariat avec les maires volontaires — Fort-de-France — pour la rénovation du centre-ville",
        ["pref_972", "mairie_fdf"],
        CommitmentStatus.IN_PROGRESS,
    ),
    (
        "Points périodiques entre chaque bailleur et les forces de sécurité, tous les six mois",
        ["simar", "ozanam", "smhlm", "police_972", "gendarmerie_972"],
        CommitmentStatus.IN_PROGRESS,
    ),
]
MARTINIQUE_2026 = [
    (
        "Formulaire de fiche alerte standardisé, commun aux quatre bailleurs",
        ["simar", "ozanam", "smhlm", "landlord_972_d"],
        CommitmentStatus.IN_PROGRESS,
    ),
    (
        "Annuaire partagé des correspondants sécurité de chaque signataire",
        ["pref_972", "simar", "ozanam", "smhlm", "landlord_972_d", "police_972", "gendarmerie_972"],
        CommitmentStatus.DONE,
    ),
    (
        "Information du parquet sur les suites judiciaires des faits signalés",
        ["parquet_972"],
        CommitmentStatus.TO_START,
    ),
    (
        "Points périodiques entre chaque bailleur et les forces de sécurité, tous les six mois",
        ["simar", "ozanam", "smhlm", "landlord_972_d", "police_972", "gendarmerie_972"],
        CommitmentStatus.IN_PROGRESS,
    ),
]
OISE_2018 = [
    (
        "Réponses concertées aux troubles constatés dans le patrimoine des bailleurs",
        ["ddsp_60", "groupement_60", "landlord_60_a", "landlord_60_b"],
        CommitmentStatus.IN_PROGRESS,
    ),
    (
        "Outils et procédures de suivi des faits signalés",
        ["pref_60", "ddsp_60", "groupement_60"],
        CommitmentStatus.DONE,
    ),
    (
        "Partage d'information entre forces de sécurité et bailleurs",
        ["ddsp_60", "groupement_60", "landlord_60_a", "landlord_60_b"],
        CommitmentStatus.IN_PROGRESS,
    ),
    (
        "Protection des personnels de proximité",
        ["landlord_60_a", "landlord_60_b", "ddsp_60", "groupement_60"],
        CommitmentStatus.IN_PROGRESS,
    ),
    (
        "Prévention situationnelle aux abords des immeubles",
        ["landlord_60_a", "landlord_60_b"],
        CommitmentStatus.TO_START,
    ),
    (
        "Outils issus de l'expérience de la ZSP de Méru-Chambly et de Creil",
        ["police_creil", "brigade_meru", "brigade_chambly"],
        CommitmentStatus.DONE,
    ),
]
OPTIONAL = {
    "parquet_972": ("Parquet de Fort-de-France", OrganisationKind.PARQUET),
    "landlord_972_d": ("Caraïbes Habitat (bailleur fictif)", OrganisationKind.LANDLORD),
}


def _convention(orgs, *, actor, title, department, signatories, commitments, **fields) -> Convention:
    convention = convention_create(
        actor=actor,
        department_id=department,
        data={"title": title, **fields},
        organisations=[orgs[key] for key in signatories],
    )
    for text, responsible, status in commitments:
        commitment_create(
            actor=actor,
            convention=convention,
            text=text,
            status=status,
            responsible=[orgs[k] for k in responsible],
        )
    return convention


def _referent(prefecture: Organisation) -> User:
    """The prefecture's referent, who records its conventions and their follow-up."""
    return User.objects.get(organisation=prefecture, role=Role.MANAGER)


def load_demo_conventions(orgs: dict[str, Organisation]) -> list[Convention]:
    if Convention.objects.filter(title__startswith="Convention de partenariat").exists():
        return list(Convention.objects.all())
    orgs = dict(orgs)
    for key, (name, kind) in OPTIONAL.items():
        if key not in orgs:
            orgs[key] = Organisation.objects.filter(
                department_id="972", kind=kind, name=name
            ).first() or organisation_create(name=name, kind=kind, department_id="972")

    referent_972, referent_60 = _referent(orgs["pref_972"]), _referent(orgs["pref_60"])
    martinique = _convention(
        orgs,
        actor=referent_972,
        title="Convention de partenariat sécurité des bailleurs sociaux de la Martinique (2018)",
        department="972",
        status=ConventionStatus.EXPIRED,
        signed_on=D(2018, 5, 15),
        effective_from=D(2018, 5, 15),
        effective_until=D(2025, 12, 31),
        periodic_review_months=6,
        signatories=["pref_972", "simar", "ozanam", "smhlm", "police_972", "gendarmerie_972"],
        commitments=MARTINIQUE_2018,
    )
    renewal = _convention(
        orgs,
        actor=referent_972,
        title="Convention de partenariat sécurité de la Martinique — renouvellement 2026",
        department="972",
        status=ConventionStatus.ACTIVE,
        signed_on=D(2026, 1, 20),
        effective_from=D(2026, 1, 20),
        effective_until=D(2028, 12, 31),
        tacit_renewal=True,
        parent=martinique,
        periodic_review_months=6,
        signatories=[
            "pref_972",
            "parquet_972",
            "simar",
            "ozanam",
            "smhlm",
            "landlord_972_d",
            "police_972",
            "gendarmerie_972",
        ],
        commitments=MARTINIQUE_2026,
    )
    oise = _convention(
        orgs,
        actor=referent_60,
        title="Convention de partenariat sécurité des bailleurs sociaux de l'Oise (2018)",
        department="60",
        status=ConventionStatus.ACTIVE,
        signed_on=D(2018, 10, 4),
        effective_from=D(2018, 10, 4),
        # Ends within the quarter of the day the demo is loaded, without tacit renewal: the convention
        # list flags it and its signatories and referent get the expiry reminders (reminders.py).
        effective_until=timezone.localdate() + datetime.timedelta(days=75),
        tacit_renewal=False,
        periodic_review_months=6,
        signatories=["pref_60", "ddsp_60", "groupement_60", "landlord_60_a", "landlord_60_b"],
        commitments=OISE_2018,
    )

    steering = meeting_create(
        actor=referent_972,
        convention=renewal,
        kind=MeetingKind.STEERING,
        date=D(2026, 1, 20),
        attendees=[
            orgs[k]
            for k in (
                "pref_972",
                "parquet_972",
                "simar",
                "ozanam",
                "smhlm",
                "landlord_972_d",
                "police_972",
                "gendarmerie_972",
            )
        ],
        minutes="Signature du renouvellement. Présentation du formulaire standardisé de fiche alerte et de "
        "l'annuaire partagé des correspondants.",
        minutes_file=minutes_pdf(
            "Comité de pilotage du 20 janvier 2026",
            [
                "Convention de partenariat sécurité de la Martinique — renouvellement 2026.",
                "Présents : la préfecture, le parquet de Fort-de-France, les quatre bailleurs, la police et "
                "la gendarmerie.",
                "1. Signature du renouvellement pour trois ans, reconduction tacite.",
                "2. Présentation du formulaire standardisé de fiche alerte, commun aux quatre bailleurs.",
                "3. Annuaire partagé des correspondants sécurité de chaque signataire.",
                "4. Points périodiques entre chaque bailleur et les forces de sécurité, tous les six mois.",
            ],
        ),
    )
    action_item_create(
        actor=referent_972,
        meeting=steering,
        text="Désigner un correspondant sécurité par bailleur",
        owner=orgs["landlord_972_d"],
        due_date=D(2026, 3, 1),
    )
    action_item_create(
        actor=referent_972,
        meeting=steering,
        text="Bilan des fiches du premier semestre",
        owner=orgs["pref_972"],
        due_date=D(2026, 7, 15),
    )
    periodic = meeting_create(
        actor=referent_60,
        convention=oise,
        kind=MeetingKind.PERIODIC,
        date=D(2025, 11, 18),
        attendees=[orgs["landlord_60_a"], orgs["ddsp_60"], orgs["groupement_60"]],
        minutes="Point sur les halls occupés à Creil et les dépôts sauvages à Méru.",
    )
    done = action_item_create(
        actor=referent_60,
        meeting=periodic,
        text="Diagnostic de sûreté des halls des Hauts de Creil",
        owner=orgs["landlord_60_a"],
        due_date=D(2026, 2, 28),
    )
    follow_up_status_set(actor=referent_60, item=done, status=ActionItemStatus.DONE)
    action_item_create(
        actor=referent_60,
        meeting=periodic,
        text="Patrouilles renforcées en soirée aux abords des halls",
        owner=orgs["police_creil"],
        due_date=D(2026, 1, 31),
    )
    meeting_create(
        actor=referent_60,
        convention=oise,
        kind=MeetingKind.STEERING,
        date=D(2025, 12, 9),
        attendees=[
            orgs[k] for k in ("pref_60", "ddsp_60", "groupement_60", "landlord_60_a", "landlord_60_b")
        ],
        minutes="Comité de pilotage annuel : bilan des fiches alertes et des engagements.",
    )
    _follow_up_around_today(orgs, renewal, referent_972)
    return [martinique, renewal, oise]


def _follow_up_around_today(orgs, convention: Convention, actor: User) -> None:
    """Follow-up dated from the day the demo is loaded, so that reminders and partner pages always have
    something due soon and something late: an action item due within the week and one overdue, a
    periodic point due within the month (SIMAR with the Fort-de-France police) and one late (OZANAM
    with the gendarmerie)."""
    today = timezone.localdate()
    recent = meeting_create(
        actor=actor,
        convention=convention,
        kind=MeetingKind.PERIODIC,
        date=add_months(today, -6) + datetime.timedelta(days=20),
        attendees=[orgs["simar"], orgs["police_972"]],
        minutes="Halls de la Cité Bois-Colibri occupés en soirée ; éclairage défaillant à l'entrée B.",
        minutes_file=minutes_pdf(
            "Point périodique SIMAR — Commissariat de Fort-de-France",
            [
                "Halls de la Cité Bois-Colibri occupés en soirée, plusieurs fiches depuis le dernier point.",
                "Éclairage défaillant à l'entrée B : remplacement par le bailleur.",
                "Rondes communes aux abords de la Résidence Les Flamboyants.",
            ],
        ),
    )
    action_item_create(
        actor=actor,
        meeting=recent,
        text="Rondes communes aux abords de la Résidence Les Flamboyants",
        owner=orgs["police_972"],
        due_date=today + datetime.timedelta(days=5),
    )
    action_item_create(
        actor=actor,
        meeting=recent,
        text="Remplacer l'éclairage de l'entrée B de la Cité Bois-Colibri",
        owner=orgs["simar"],
        due_date=today - datetime.timedelta(days=12),
    )
    meeting_create(
        actor=actor,
        convention=convention,
        kind=MeetingKind.PERIODIC,
        date=add_months(today, -7),
        attendees=[orgs["ozanam"], orgs["gendarmerie_972"]],
        minutes="Dépôts sauvages aux Terrasses de Ducos ; le prochain point reste à fixer.",
    )


def minutes_pdf(title: str, paragraphs: list[str]) -> ContentFile:
    """A one-page PDF of minutes, written out by hand: importing WeasyPrint alone would double the
    demo's load time. Helvetica in WinAnsi encoding covers French text."""

    def literal(text: str) -> bytes:
        raw = text.encode("cp1252", errors="replace")
        return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"

    lines = [line for paragraph in paragraphs for line in textwrap.wrap(paragraph, 85)]
    stream = b"BT /F1 15 Tf 56 780 Td " + literal(title) + b" Tj /F1 11 Tf 16 TL 0 -12 Td"
    stream += b"".join(b" " + literal(line) + b" '" for line in lines) + b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    pdf, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return ContentFile(bytes(pdf), name="compte-rendu.pdf")
