"""A national volume of realistic data for the benchmark: every département's communes,
prefectures, force units owning territories, landlords and their estates, users, conventions, and
fiches alertes over five years with their timeline, guardian grants, notifications and reference
counters — consistent with what the services write, so the pages and the API read them as real data.

Speed: rows are streamed with PostgreSQL COPY (psycopg 3 `cursor.copy()`); what derives from the
fiches (timeline events, grants, notifications) is written by INSERT … SELECT inside the server;
secondary indexes of the big tables are dropped during the load and rebuilt once; foreign-key
triggers are skipped during the load (session_replication_role = replica, the data being generated
consistent); VACUUM ANALYZE at the end.

Skew: a few hotspot estates (Zipf), more fiches in summer and in recent years (adoption), evenings
and nights; most fiches closed, recent ones open, some late so that the triage queue and the
escalation scan have work.

Home département: the Oise's fiches come from their own random stream with a fixed count
(`home_fiches`), whatever the national volume. Two databases generated with the same seed and scale
but a different `fiches` therefore hold exactly the same rows for the Oise's users and 10x more
foreign data in one of them: that is how the harness shows that permission filtering does not slow
a user down as other organisations' data grows."""

import bisect
import datetime
import random
import time
import uuid
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from alerts.escalation import target_level
from alerts.models import Alert
from conventions.models import Convention, ResponsePolicy
from partnerships.models import HousingSite

HOME_DEPARTMENT = "60"
YEARS = 5
ZIPF_EXPONENT = 0.7
# January … December: more fiches in the summer evenings, fewer in winter.
MONTH_WEIGHTS = (0.80, 0.75, 0.90, 1.00, 1.10, 1.20, 1.35, 1.30, 1.05, 1.00, 0.90, 0.85)
HOUR_WEIGHTS = (5, 4, 3, 2, 1, 1, 1, 2, 3, 4, 4, 4, 4, 4, 5, 5, 6, 7, 8, 9, 10, 10, 9, 7)
CATEGORIES = (
    ("persons", 14, ("aggr_staff_verbal", "aggr_staff_physical", "aggr_tenant", "aggr_contractor")),
    ("property", 20, ("damage", "theft", "arson")),
    ("common_parts", 18, ()),
    ("drugs", 12, ("deal_point", "drug_storage")),
    ("squat", 6, ()),
    ("rodeo", 5, ()),
    ("wrecks", 5, ()),
    ("dumping", 7, ()),
    ("nuisance", 9, ()),
    ("weapons", 1, ()),
    ("other", 3, ()),
)
URGENCIES = (("immediate", 6), ("high", 24), ("normal", 70))
PLACES = ("hall", "stairs", "cellar", "parking", "roof", "vacant", "surroundings", "lodge", "")
OUTCOMES = (
    ("patrol", 35),
    ("control", 15),
    ("investigation", 12),
    ("gpo", 10),
    ("lease_termination", 3),
    ("no_follow_up", 20),
    ("other", 5),
)
DESCRIPTIONS = (
    "Regroupement de plusieurs individus dans le hall, occupation des marches et nuisances sonores "
    "jusque tard dans la soirée. Les locataires n'osent plus passer.",
    "Dégradation de la porte d'accès et du digicode, câbles arrachés. Intervention du prestataire "
    "demandée, faits signalés au gardien par plusieurs locataires.",
    "Le gardien a été pris à partie verbalement puis menacé alors qu'il rappelait le règlement "
    "intérieur. Il souhaite être recontacté.",
    "Présence d'un point de vente de stupéfiants au pied du bâtiment, guetteurs à l'entrée de la "
    "résidence, allées et venues constantes.",
    "Incendie volontaire de poubelles dans le local ordures ménagères, fumées dans la cage "
    "d'escalier, pompiers intervenus.",
    "Rodéo de deux-roues motorisés sur le parking et les voies internes de la résidence, "
    "plusieurs soirs de suite.",
    "Véhicule épave sans plaques stationné depuis plusieurs semaines sur le parking du bailleur.",
    "Logement vacant squatté, serrure forcée, allées et venues signalées par le voisinage.",
    "Dépôt sauvage d'encombrants et de gravats devant l'entrée, accès pompiers gêné.",
)
FEEDBACKS = (
    "Passage d'une patrouille effectué, présence renforcée prévue les prochains soirs.",
    "Contrôle réalisé sur place, deux personnes identifiées.",
    "Enquête ouverte, le bailleur sera recontacté par l'enquêteur.",
    "Situation évoquée au groupe de partenariat opérationnel de la semaine prochaine.",
)
FIRST_NAMES = ("Camille", "Nicolas", "Sophie", "Karim", "Julie", "Thomas", "Nadia", "Pierre", "Léa", "Yann")
LAST_NAMES = (
    "Martin",
    "Bernard",
    "Dubois",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Michel",
)
BENCH_PASSWORD = "banc-d-essai-passerelle"
BIG_TABLES = ("alerts_alert", "alerts_alertevent", "alerts_alertgroupobjectpermission", "alerts_notification")
# What `--reset` empties (communes and départements are kept: they come from the import).
RESET_TABLES = (
    "alerts_alert",
    "alerts_referencecounter",
    "alerts_outboxemail",
    "conventions_convention",
    "conventions_responsepolicy",
    "partnerships_housingsite",
    "partnerships_territoryassignment",
    "partnerships_organisation",
    "partnerships_user",
    "auth_group",
)


class GenerationError(Exception):
    pass


@dataclass
class Volumes:
    fiches: int = 1_000_000
    home_fiches: int = 20_000
    landlords: int = 300
    sites: int = 30_000
    users: int = 20_000

    @classmethod
    def scaled(cls, *, fiches: int, home_fiches: int, scale: float) -> "Volumes":
        return cls(
            fiches=fiches,
            home_fiches=min(home_fiches, fiches),
            landlords=max(10, round(300 * scale)),
            sites=max(100, round(30_000 * scale)),
            users=max(500, round(20_000 * scale)),
        )


def esc(value) -> str:
    """One field of COPY's text format (our generated text holds no tab, newline or backslash)."""
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return str(value)


def zipf_cumulative(n: int, rng: random.Random) -> list[float]:
    """Cumulative weights of n items in random order, the k-th most frequent weighing 1/k^s."""
    weights = [1 / (rank**ZIPF_EXPONENT) for rank in range(1, n + 1)]
    rng.shuffle(weights)
    total, cumulative = 0.0, []
    for weight in weights:
        total += weight
        cumulative.append(total)
    return cumulative


class Generator:
    def __init__(self, *, volumes: Volumes, seed: int = 7, now: datetime.datetime | None = None):
        self.v = volumes
        self.seed = seed
        self.now = now or timezone.now()
        self.tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        self.timings: dict[str, float] = {}

    # ---------------------------------------------------------------- plumbing
    def run(self, progress) -> dict:
        if connection.vendor != "postgresql":
            raise GenerationError(
                "Le générateur de données de performance ne fonctionne qu'avec PostgreSQL "
                "(DATABASE_URL=postgres://…). / The benchmark generator needs PostgreSQL."
            )
        started = time.monotonic()
        self.progress = progress
        self.step("communes", self.ensure_communes)
        connection.ensure_connection()
        self.pg = connection.connection
        with self.pg.cursor() as cur:
            cur.execute("SELECT count(*) FROM partnerships_organisation")
            if cur.fetchone()[0]:
                raise GenerationError(
                    "La base contient déjà des organisations : relancez avec --reset pour la vider "
                    "(communes conservées). / The database is not empty: use --reset."
                )
            try:
                cur.execute("SET session_replication_role = replica")
            except Exception:  # not a superuser: foreign keys are checked, only slower
                self.pg.rollback()
        self.step("organisations", self.organisations)
        self.step("users", self.users)
        self.step("sites", self.sites)
        self.step("conventions", self.conventions)
        dropped = self.drop_secondary_indexes()
        self.step("fiches", self.fiches)
        self.step("events", self.events)
        self.step("grants", self.grants)
        self.step("notifications", self.notifications)
        self.step("indexes", lambda: self.recreate_indexes(dropped))
        with self.pg.cursor() as cur:
            cur.execute("SET session_replication_role = DEFAULT")
        self.step("sequences", self.reset_sequences)
        self.step("vacuum analyze", self.vacuum_analyze)
        self.timings["total"] = time.monotonic() - started
        return self.timings

    def step(self, name: str, function) -> None:
        started = time.monotonic()
        self.progress.set_description(name)
        function()
        self.timings[name] = round(time.monotonic() - started, 1)
        self.pg_commit()

    def pg_commit(self):
        if connection.connection is not None and not connection.get_autocommit():
            connection.connection.commit()

    def copy_rows(self, model, rows) -> int:
        """Stream rows given as {attname: value} into the model's table: every column, read from the
        model's _meta, so a field added to the model is never left out; a row's missing values are
        the fields' defaults."""
        fields = model._meta.concrete_fields
        defaults = {f.attname: f.get_default() for f in fields}

        def as_columns(values: dict) -> tuple:
            row = {**defaults, **values}
            assert len(row) == len(defaults), f"not a column of {model.__name__}: {set(row) - set(defaults)}"
            return tuple(row.values())

        return self.copy(model._meta.db_table, tuple(f.column for f in fields), map(as_columns, rows))

    def copy(self, table: str, columns: tuple[str, ...], rows) -> int:
        """Stream rows (tuples) into `table` with COPY, in chunks of text lines."""
        n, buffer = 0, []
        with self.pg.cursor() as cur:
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    buffer.append("\t".join(map(esc, row)))
                    n += 1
                    if len(buffer) >= 5000:
                        copy.write("\n".join(buffer) + "\n")
                        buffer.clear()
                        if table == "alerts_alert":
                            self.progress.update(5000)
                if buffer:
                    copy.write("\n".join(buffer) + "\n")
                    if table == "alerts_alert":
                        self.progress.update(len(buffer))
        self.pg.commit()
        return n

    def sql(self, statement: str, params=None) -> int:
        with self.pg.cursor() as cur:
            cur.execute(statement, params)
            count = cur.rowcount
        self.pg.commit()
        return count

    def fetch(self, statement: str, params=None) -> list[tuple]:
        with self.pg.cursor() as cur:
            cur.execute(statement, params)
            return cur.fetchall()

    def drop_secondary_indexes(self) -> list[str]:
        """Indexes of the big tables that back no constraint: rebuilt once after the load."""
        rows = self.fetch(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.tablename = ANY(%s) AND NOT EXISTS (
                SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.indexname))::regclass)
            """,
            [list(BIG_TABLES)],
        )
        for name, _definition in rows:
            self.sql(f'DROP INDEX "{name}"')
        return [definition for _name, definition in rows]

    def recreate_indexes(self, definitions: list[str]) -> None:
        for definition in definitions:
            self.sql(definition)

    def reset_sequences(self) -> None:
        tables = self.fetch(
            """
            SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
            WHERE a.attname = 'id' AND a.attidentity <> '' AND c.relkind = 'r'
            """
        )
        for (table,) in tables:
            self.sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"GREATEST((SELECT max(id) FROM {table}), 1))"
            )

    def vacuum_analyze(self) -> None:
        autocommit = self.pg.autocommit
        self.pg.autocommit = True
        try:
            with self.pg.cursor() as cur:
                cur.execute("VACUUM (ANALYZE)")
        finally:
            self.pg.autocommit = autocommit

    # ---------------------------------------------------------------- reference data
    def ensure_communes(self) -> None:
        from partnerships.models import Commune

        if not Commune.objects.exists():
            call_command("import_communes", verbosity=0)

    def organisations(self) -> None:
        rng = random.Random(f"{self.seed}-structure")
        created = self.now - datetime.timedelta(days=365 * (YEARS + 1))
        self.departments = [
            row[0] for row in self.fetch("SELECT code FROM partnerships_department ORDER BY code")
        ]
        dept_names = dict(self.fetch("SELECT code, name FROM partnerships_department"))
        communes = self.fetch(
            "SELECT id, name, department_id, coalesce(population, 0), insee_code FROM partnerships_commune "
            "ORDER BY department_id, population DESC NULLS LAST, insee_code"
        )
        self.communes_by_dept: dict[str, list[tuple]] = defaultdict(list)
        for commune in communes:
            self.communes_by_dept[commune[2]].append(commune)
        self.commune_name = {c[0]: c[1] for c in communes}
        self.commune_dept = {c[0]: c[2] for c in communes}
        self.commune_insee = {c[0]: c[4] for c in communes}
        orgs: list[tuple] = []  # id, name, kind, department, parent
        self.prefecture, self.unit_of_commune, self.unit_parent = {}, {}, {}
        self.landlords_by_dept: dict[str, list[int]] = defaultdict(list)
        self.force_heads: dict[str, list[int]] = {}
        territories = []
        org_ids = iter(range(1, 10**7))

        def org(name, kind, dept, parent=None):
            pk = next(org_ids)
            orgs.append((pk, name, kind, dept, parent))
            return pk

        for dept in self.departments:
            name, dept_communes = dept_names[dept], self.communes_by_dept[dept]
            if not dept_communes:
                continue
            self.prefecture[dept] = org(f"Préfecture — {name}", "prefecture", dept)
            ddsp = org(f"DDSP — {name}", "police", dept)
            groupement = org(f"Groupement de gendarmerie départementale — {name}", "gendarmerie", dept)
            self.force_heads[dept] = [ddsp, groupement]
            self.unit_parent[ddsp] = self.unit_parent[groupement] = None
            towns = dept_communes[: max(3, len(dept_communes) // 25)]
            rural = dept_communes[len(towns) :] or towns
            commissariats = []
            for commune in towns[:3]:
                commissariats.append(org(f"Commissariat de {commune[1]}", "police", dept, ddsp))
                self.unit_parent[commissariats[-1]] = ddsp
            compagnies, brigades = [], []
            for commune in rural[: min(3, len(rural))]:
                compagnies.append(org(f"Compagnie de {commune[1]}", "gendarmerie", dept, groupement))
                self.unit_parent[compagnies[-1]] = groupement
            for i, commune in enumerate(rural[: min(7, len(rural))]):
                parent = compagnies[i % len(compagnies)]
                brigades.append(org(f"Brigade de {commune[1]}", "gendarmerie", dept, parent))
                self.unit_parent[brigades[-1]] = parent
            # Police zone: the largest towns; gendarmerie: the rest, in INSEE order (neighbours);
            # a few communes have no competent unit (prefecture queue).
            for i, commune in enumerate(towns):
                territories.append((commissariats[i % len(commissariats)], commune[0]))
            rural_sorted = sorted(rural if rural is not towns else [], key=lambda c: c[4])
            per_brigade = max(1, -(-len(rural_sorted) // len(brigades))) if brigades else 1
            for i, commune in enumerate(rural_sorted):
                if rng.random() < 0.003:
                    continue
                territories.append((brigades[min(i // per_brigade, len(brigades) - 1)], commune[0]))
        for unit, commune in territories:
            self.unit_of_commune[commune] = unit
        # Landlords: spread over départements by population (3 per average département).
        population = {d: sum(c[3] for c in self.communes_by_dept[d]) for d in self.prefecture}
        cumulative, total = [], 0
        depts = list(self.prefecture)
        for d in depts:
            total += population[d] or 1
            cumulative.append(total)
        home_count = max(3, round(self.v.landlords * population.get(HOME_DEPARTMENT, 0) / total))
        for i in range(self.v.landlords):
            dept = (
                HOME_DEPARTMENT if i < home_count else depts[bisect.bisect(cumulative, rng.random() * total)]
            )
            if dept == HOME_DEPARTMENT and i >= home_count:
                dept = depts[(i * 7) % len(depts)]
            self.landlords_by_dept[dept].append(org(f"Bailleur social n° {i + 1:03d}", "landlord", dept))
        self.orgs = orgs
        self.org_kind = {o[0]: o[2] for o in orgs}
        self.org_dept = {o[0]: o[3] for o in orgs}
        self.copy("auth_group", ("id", "name"), ((o[0], f"org-{o[0]}") for o in orgs))
        self.copy(
            "partnerships_organisation",
            (
                "id",
                "name",
                "kind",
                "siret",
                "email",
                "phone",
                "created_at",
                "department_id",
                "group_id",
                "parent_id",
            ),
            (
                (o[0], o[1], o[2], "", f"contact-{o[0]}@bench.passerelle.test", "", created, o[3], o[0], o[4])
                for o in orgs
            ),
        )
        valid_from = (self.now - datetime.timedelta(days=365 * (YEARS + 1))).date()
        self.copy(
            "partnerships_territoryassignment",
            ("unit_id", "force", "commune_id", "valid_from", "valid_until"),
            ((unit, self.org_kind[unit], commune, valid_from, None) for unit, commune in territories),
        )

    def users(self) -> None:
        rng = random.Random(f"{self.seed}-users")
        password = make_password(BENCH_PASSWORD)
        joined = self.now - datetime.timedelta(days=365 * YEARS)
        kinds = defaultdict(list)
        for pk, _name, kind, _dept, _parent in self.orgs:
            kinds[kind].append(pk)
        forces = kinds["police"] + kinds["gendarmerie"]
        fixed = len(kinds["prefecture"]) * 10 + len(forces) * 4
        per_landlord = max(5, (self.v.users - fixed) // max(1, len(kinds["landlord"])))
        rows, self.members, self.agents = [], defaultdict(list), defaultdict(list)
        user_id = iter(range(1, 10**8))

        def add(org_id, role, n):
            pk = next(user_id)
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            email = f"{self.org_kind[org_id]}-{org_id}-{n}@bench.passerelle.test"
            rows.append(
                (
                    pk,
                    password,
                    None,
                    False,
                    first,
                    last,
                    False,
                    True,
                    joined,
                    email,
                    role,
                    "",
                    "",
                    org_id,
                    False,
                )
            )
            self.members[org_id].append(pk)
            if role == "agent":
                self.agents[org_id].append(pk)

        for org_id in kinds["prefecture"]:
            for n in range(10):
                add(org_id, "manager" if n < 2 else "agent", n)
        for org_id in forces:
            for n in range(4):
                add(org_id, "manager" if n == 0 else "agent", n)
        for org_id in kinds["landlord"]:
            for n in range(per_landlord):
                add(org_id, "admin" if n == 0 else "manager" if n < 3 else "agent", n)
        self.copy(
            "partnerships_user",
            (
                "id",
                "password",
                "last_login",
                "is_superuser",
                "first_name",
                "last_name",
                "is_staff",
                "is_active",
                "date_joined",
                "email",
                "role",
                "function",
                "phone",
                "organisation_id",
                "is_service_account",
            ),
            rows,
        )
        self.copy("partnerships_user_groups", ("user_id", "group_id"), ((r[0], r[13]) for r in rows))

    def sites(self) -> None:
        rng = random.Random(f"{self.seed}-sites")
        created = self.now - datetime.timedelta(days=365 * (YEARS + 1))
        landlords = [(pk, dept) for dept, pks in self.landlords_by_dept.items() for pk in pks]
        # Landlords' sizes are skewed too: a few own many estates.
        sizes = zipf_cumulative(len(landlords), rng)
        counts = [0] * len(landlords)
        for _ in range(self.v.sites - len(landlords)):
            counts[bisect.bisect(sizes, rng.random() * sizes[-1])] += 1
        rows, buildings = [], []
        self.sites_by_dept: dict[str, list[tuple[int, int, int]]] = defaultdict(
            list
        )  # (site, landlord, commune)
        self.site_buildings: dict[int, list[int]] = {}
        site_id, building_id = iter(range(1, 10**8)), iter(range(1, 10**8))
        for (landlord, dept), extra in zip(landlords, counts, strict=True):
            communes = self.communes_by_dept[dept]
            # Social housing sits in towns: communes weighted by population.
            weights, total = [], 0
            for c in communes:
                total += max(c[3], 50)
                weights.append(total)
            for n in range(extra + 1):
                pk = next(site_id)
                commune = communes[bisect.bisect(weights, rng.random() * total)]
                zsp = rng.random() < 0.08
                authorised = rng.random() < 0.6
                rows.append(
                    {
                        "id": pk,
                        "name": f"Résidence {rng.choice(LAST_NAMES)} {n + 1}",
                        "reference": f"GRP-{n + 1:05d}",
                        "address": f"{rng.randint(1, 120)} rue des Tilleuls",
                        "postal_code": commune[4][:5] if commune[4][:2].isdigit() else "",
                        "dwellings": rng.randint(20, 600),
                        "qpv_code": f"QN0{rng.randint(10000, 99999)}" if rng.random() < 0.4 else "",
                        "zsp": zsp,
                        "qrr": rng.random() < 0.06,
                        "entry_authorisation": authorised,
                        "entry_authorisation_date": created.date() if authorised else None,
                        "video_transmission": rng.random() < 0.1,
                        "created_at": created,
                        "updated_at": created,
                        "commune_id": commune[0],
                        "landlord_id": landlord,
                    }
                )
                self.sites_by_dept[dept].append((pk, landlord, commune[0]))
                ids = [next(building_id) for _ in range(rng.randint(1, 4))]
                self.site_buildings[pk] = ids
                buildings.extend(
                    (b, f"BAT-{i + 1}", f"Bâtiment {chr(65 + i)}", "", "A, B", 40) for i, b in enumerate(ids)
                )
        self.copy_rows(HousingSite, rows)
        site_of_building = {b: s for s, bs in self.site_buildings.items() for b in bs}
        self.copy(
            "partnerships_building",
            ("id", "reference", "name", "address", "entrances", "dwellings", "site_id"),
            ((b[0], b[1], b[2], b[3], b[4], b[5], site_of_building[b[0]]) for b in buildings),
        )
        view, change = self.permission_ids("partnerships", "housingsite")
        self.sql(
            """
            INSERT INTO partnerships_housingsitegroupobjectpermission (content_object_id, group_id, permission_id)
            SELECT s.id, o.group_id, p.id FROM partnerships_housingsite s
            JOIN partnerships_organisation o ON o.id = s.landlord_id
            CROSS JOIN (VALUES (%s), (%s)) AS p(id)
            """,
            [view, change],
        )
        self.zsp_sites = {r["id"] for r in rows if r["zsp"]}

    def permission_ids(self, app: str, model: str) -> tuple[int, int]:
        rows = dict(
            self.fetch(
                """SELECT p.codename, p.id FROM auth_permission p JOIN django_content_type t ON t.id = p.content_type_id
                WHERE t.app_label = %s AND t.model = %s""",
                [app, model],
            )
        )
        if not rows:
            raise GenerationError("Permissions absentes : lancez d'abord `manage.py migrate`.")
        return rows[f"view_{model}"], rows[f"change_{model}"]

    def conventions(self) -> None:
        """Per département: the departmental convention (prefecture, forces, every landlord, all their
        estates) signed before the period, and since two years a ZSP convention listing its estates."""
        signed = (self.now - datetime.timedelta(days=365 * YEARS + 60)).date()
        zsp_from = (self.now - datetime.timedelta(days=365 * 2)).date()
        conventions, signatories, sites = [], [], []
        self.convention_of: dict[str, tuple[int, int | None]] = {}
        pk = iter(range(1, 10**6))
        for dept, prefecture in self.prefecture.items():
            main = next(pk)
            conventions.append(
                {
                    "id": main,
                    "title": f"Convention départementale de partenariat pour la sécurité ({dept})",
                    "status": "active",
                    "signed_on": signed,
                    "effective_from": signed,
                    "tacit_renewal": True,
                    "all_sites_of_signatories": True,
                    "department_id": dept,
                }
            )
            parties = [prefecture, *self.force_heads[dept], *self.landlords_by_dept.get(dept, [])]
            signatories.extend((main, org, signed) for org in parties)
            zsp_sites = [s for s, _l, _c in self.sites_by_dept.get(dept, []) if s in self.zsp_sites]
            zsp = None
            if zsp_sites:
                zsp = next(pk)
                conventions.append(
                    {
                        "id": zsp,
                        "title": f"Convention ZSP et QRR ({dept})",
                        "status": "active",
                        "signed_on": zsp_from,
                        "effective_from": zsp_from,
                        "all_sites_of_signatories": False,
                        "department_id": dept,
                    }
                )
                signatories.extend((zsp, org, zsp_from) for org in parties)
                sites.extend((zsp, s) for s in zsp_sites)
            self.convention_of[dept] = (main, zsp, zsp_from)
        self.copy_rows(
            Convention, ({**c, "created_at": self.now, "updated_at": self.now} for c in conventions)
        )
        self.copy(
            "conventions_signatory",
            ("convention_id", "organisation_id", "signed_on", "representative", "title"),
            (s + ("", "") for s in signatories),
        )
        self.copy("conventions_convention_sites", ("convention_id", "housingsite_id"), sites)

    # ---------------------------------------------------------------- fiches
    def draw_moments(
        self, rng: random.Random, count: int, sites: list, cumulative: list[float]
    ) -> list[tuple]:
        """(submitted moment, site) pairs: seasonal months, adoption growing year on year, evening peak."""
        start = self.now - datetime.timedelta(days=365 * YEARS)
        days = [start + datetime.timedelta(days=d) for d in range(365 * YEARS)]
        day_weights, total = [], 0.0
        for i, day in enumerate(days):
            total += MONTH_WEIGHTS[day.month - 1] * (0.5 + i / len(days))
            day_weights.append(total)
        hour_weights = list(HOUR_WEIGHTS)
        draws = []
        for _ in range(count):
            day = days[bisect.bisect(day_weights, rng.random() * total)]
            hour = rng.choices(range(24), hour_weights)[0]
            moment = day.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60), microsecond=0)
            if moment > self.now:
                moment = self.now - datetime.timedelta(minutes=rng.randrange(1, 600))
            draws.append((moment, sites[bisect.bisect(cumulative, rng.random() * cumulative[-1])]))
        return draws

    def fiches(self) -> None:
        home_sites = self.sites_by_dept.get(HOME_DEPARTMENT, [])
        foreign_sites = [s for d, sites in self.sites_by_dept.items() if d != HOME_DEPARTMENT for s in sites]
        streams = {
            "home": random.Random(f"{self.seed}-home"),
            "foreign": random.Random(f"{self.seed}-foreign"),
        }
        draw_home = random.Random(f"{self.seed}-home-draws")
        draw_foreign = random.Random(f"{self.seed}-foreign-draws")
        moments = [
            (m, s, "home")
            for m, s in self.draw_moments(
                draw_home, self.v.home_fiches, home_sites, zipf_cumulative(len(home_sites), draw_home)
            )
        ]
        moments += [
            (m, s, "foreign")
            for m, s in self.draw_moments(
                draw_foreign,
                self.v.fiches - self.v.home_fiches,
                foreign_sites,
                zipf_cumulative(len(foreign_sites), draw_foreign),
            )
        ]
        moments.sort(key=lambda row: (row[0], row[1][0]))
        self.progress.reset(total=len(moments))
        self.counters: dict[tuple[str, int], int] = defaultdict(int)
        policy = ResponsePolicy()
        self.windows = {u: policy.windows(u) for u, _w in URGENCIES}
        rows = (
            self.fiche_row(pk, moment, site, streams[stream])
            for pk, (moment, site, stream) in enumerate(moments, 1)
        )
        self.copy_rows(Alert, rows)
        self.copy(
            "alerts_referencecounter",
            ("department_id", "year", "last_value"),
            ((dept, year, value) for (dept, year), value in self.counters.items()),
        )

    def fiche_row(self, pk: int, submitted: datetime.datetime, site: tuple, rng: random.Random) -> dict:
        site_id, landlord, commune = site
        dept = self.commune_dept[commune]
        r = rng.random
        category, _w, subs = rng.choices(CATEGORIES, [c[1] for c in CATEGORIES])[0]
        urgency = rng.choices([u for u, _w in URGENCIES], [w for _u, w in URGENCIES])[0]
        facts = submitted - datetime.timedelta(minutes=rng.randrange(5, 240))
        created = facts + datetime.timedelta(minutes=rng.randrange(1, 4))
        created = min(created, submitted)
        age = self.now - submitted
        unit = self.unit_of_commune.get(commune)
        ack_hours, feedback_days = self.windows[urgency]
        ack_step = datetime.timedelta(hours=ack_hours)
        feedback_step = datetime.timedelta(days=feedback_days)
        ack_due, feedback_due = submitted + ack_step, submitted + feedback_step
        late = r() < 0.12
        ack_delay = ack_step * (rng.uniform(1.05, 3) if late else rng.uniform(0.02, 0.9))
        feedback_delay = feedback_step * (rng.uniform(1.05, 2.5) if late else rng.uniform(0.05, 0.9))
        close_delay = datetime.timedelta(days=rng.uniform(0.5, 30))
        status = "closed"
        if r() < 0.003:
            status = "draft"
        elif unit is None:
            status = "returned" if age < datetime.timedelta(days=30) else "closed"
        elif age < datetime.timedelta(days=60):
            roll = r()
            if submitted + ack_delay > self.now or (age < datetime.timedelta(days=7) and roll < 0.15):
                status = "submitted"
            elif submitted + feedback_delay > self.now or roll < 0.30:
                status = "acknowledged"
            elif submitted + feedback_delay + close_delay > self.now or roll < 0.45:
                status = "in_progress"
        elif r() < 0.004:
            status = "in_progress"
        acknowledged = feedback = closed = None
        if status in ("acknowledged", "in_progress", "closed") and unit is not None:
            acknowledged = min(submitted + ack_delay, self.now)
        if status in ("in_progress", "closed"):
            feedback = min(max(submitted + feedback_delay, acknowledged or submitted), self.now)
        if status == "closed":
            closed = min(max((feedback or submitted) + close_delay, feedback or submitted), self.now)
        if status == "draft":
            return self.draft_row(pk, created, site, dept, category, subs, urgency, facts, rng)
        # Escalation levels as the scans so far left them (a closed clock stops at its last level).
        ack_level = target_level(ack_due, ack_step, acknowledged or closed or self.now)
        feedback_level = target_level(feedback_due, feedback_step, feedback or closed or self.now)
        local_year = submitted.astimezone(self.tz).year
        self.counters[(dept, local_year)] += 1
        reference = f"FA-{dept}-{local_year}-{self.counters[(dept, local_year)]:06d}"
        main, zsp, zsp_from = self.convention_of.get(dept, (None, None, None))
        convention = zsp if zsp and site_id in self.zsp_sites and submitted.date() >= zsp_from else main
        staff_victim = category == "persons" and r() < 0.5
        complaint = rng.choices(("filed", "planned", "no"), (25, 10, 65))[0]
        sub = rng.choice(subs) if subs and r() < 0.8 else ""
        buildings = self.site_buildings[site_id]
        updated = closed or feedback or acknowledged or submitted
        # In the order the random draws were always made, so that a seed still gives the same data.
        return {
            "id": pk,
            "reference": reference,
            "reporter_visible": r() < 0.3,
            "idempotency_key": uuid.UUID(int=rng.getrandbits(128), version=4),
            "category": category,
            "subcategory": sub,
            "place_type": rng.choice(PLACES),
            "people_count": rng.randint(1, 12) if r() < 0.6 else None,
            "weapon_seen": category == "weapons" or r() < 0.02,
            "facts_at": facts,
            "urgency": urgency,
            "description": rng.choice(DESCRIPTIONS),
            "staff_victim": staff_victim,
            "staff_victim_function": rng.choice(("caretaker", "proximity")) if staff_victim else "",
            "work_stoppage": staff_victim and r() < 0.2,
            "complaint": complaint,
            "complaint_by": "landlord" if complaint != "no" else "",
            "complaint_date": facts.date() if complaint == "filed" else None,
            "main_courante": r() < 0.1,
            "images_available": r() < 0.2,
            "witnesses_available": r() < 0.3,
            "recurring": r() < 0.25,
            "status": status,
            "submitted_at": submitted,
            "acknowledged_at": acknowledged,
            "first_feedback_at": feedback,
            "closed_at": closed,
            "ack_due_at": ack_due,
            "feedback_due_at": feedback_due,
            "ack_escalation_level": ack_level,
            "feedback_escalation_level": feedback_level,
            "outcome": rng.choices([o for o, _w in OUTCOMES], [w for _o, w in OUTCOMES])[0]
            if status == "closed"
            else "",
            "version": 1 + (acknowledged is not None) + 2 * (feedback is not None) + (closed is not None),
            "created_at": created,
            "updated_at": updated,
            "building_id": rng.choice(buildings) if r() < 0.7 else None,
            "convention_id": convention,
            "department_id": dept,
            "landlord_id": landlord,
            "reporter_id": rng.choice(self.agents[landlord]),
            "routed_unit_id": unit if status != "returned" else None,
            "site_id": site_id,
        }

    def draft_row(self, pk, created, site, dept, category, subs, urgency, facts, rng) -> dict:
        site_id, landlord, _commune = site
        return {
            "id": pk,
            "idempotency_key": uuid.UUID(int=rng.getrandbits(128), version=4),
            "category": category,
            "facts_at": facts,
            "urgency": urgency,
            "description": rng.choice(DESCRIPTIONS),
            "created_at": created,
            "updated_at": created,
            "department_id": dept,
            "landlord_id": landlord,
            "reporter_id": rng.choice(self.agents[landlord]),
            "site_id": site_id,
        }

    def events(self) -> None:
        """The timeline the services write: creation, submission (with the routing), acknowledgement,
        action engaged + shared feedback, closing, one line per escalation level raised."""
        self.sql(
            """
            CREATE TEMP TABLE bench_unit_author AS
            SELECT organisation_id AS unit_id, min(id) AS author_id FROM partnerships_user
            WHERE organisation_id IS NOT NULL GROUP BY organisation_id
            """
        )
        statements = [
            # creation (draft)
            """SELECT id, 'transition', '', 'draft', '', '{}'::jsonb, created_at, reporter_id, NULL::bigint, landlord_id
               FROM alerts_alert""",
            # submission
            """SELECT id, 'transition', 'draft', 'submitted', '', jsonb_build_object('routed_unit', routed_unit_id),
                      submitted_at, reporter_id, NULL, landlord_id
               FROM alerts_alert WHERE submitted_at IS NOT NULL""",
            # acknowledgement
            """SELECT a.id, 'transition', 'submitted', 'acknowledged', '', '{}'::jsonb, a.acknowledged_at,
                      u.author_id, NULL, a.routed_unit_id
               FROM alerts_alert a LEFT JOIN bench_unit_author u ON u.unit_id = a.routed_unit_id
               WHERE a.acknowledged_at IS NOT NULL""",
            # action engaged, then the shared feedback
            """SELECT a.id, 'transition', 'acknowledged', 'in_progress', '', '{}'::jsonb,
                      a.first_feedback_at - interval '1 minute', u.author_id, NULL, a.routed_unit_id
               FROM alerts_alert a LEFT JOIN bench_unit_author u ON u.unit_id = a.routed_unit_id
               WHERE a.first_feedback_at IS NOT NULL""",
            f"""SELECT a.id, 'feedback', '', '', (%(feedbacks)s::text[])[1 + mod(a.id, {len(FEEDBACKS)})],
                      '{{}}'::jsonb,
                      a.first_feedback_at, u.author_id, NULL, a.routed_unit_id
               FROM alerts_alert a LEFT JOIN bench_unit_author u ON u.unit_id = a.routed_unit_id
               WHERE a.first_feedback_at IS NOT NULL""",
            # closing
            """SELECT a.id, 'transition', 'in_progress', 'closed', 'Suite donnée : ' || a.outcome, '{}'::jsonb,
                      a.closed_at, u.author_id, NULL, coalesce(a.routed_unit_id, p.id)
               FROM alerts_alert a LEFT JOIN bench_unit_author u ON u.unit_id = a.routed_unit_id
               LEFT JOIN partnerships_organisation p ON p.kind = 'prefecture' AND p.department_id = a.department_id
               WHERE a.closed_at IS NOT NULL""",
            # escalation levels already raised, on each clock
            """SELECT a.id, 'escalation', '', '', 'Délai de prise en compte dépassé (niveau ' || l || ')',
                      jsonb_build_object('clock', 'ack', 'level', l), a.ack_due_at + (l - 1) * interval '1 hour',
                      NULL, NULL, NULL
               FROM alerts_alert a CROSS JOIN LATERAL generate_series(1, a.ack_escalation_level) AS l
               WHERE a.ack_escalation_level > 0""",
            """SELECT a.id, 'escalation', '', '', 'Délai de premier retour dépassé (niveau ' || l || ')',
                      jsonb_build_object('clock', 'feedback', 'level', l),
                      a.feedback_due_at + (l - 1) * interval '1 day',
                      NULL, NULL, NULL
               FROM alerts_alert a CROSS JOIN LATERAL generate_series(1, a.feedback_escalation_level) AS l
               WHERE a.feedback_escalation_level > 0""",
        ]
        for statement in statements:
            self.sql(
                "INSERT INTO alerts_alertevent (alert_id, kind, from_status, to_status, message, data, created_at, "
                "author_id, internal_to_id, organisation_id) " + statement,
                {"feedbacks": list(FEEDBACKS)} if "%(feedbacks)s" in statement else None,
            )

    def grants(self) -> None:
        """What alert_submit grants (services.permissions.grant): view and change on every submitted
        fiche to the landlord's group and to the routed unit's group."""
        view, change = self.permission_ids("alerts", "alert")
        self.sql(
            """
            INSERT INTO alerts_alertgroupobjectpermission (content_object_id, group_id, permission_id)
            SELECT a.id, o.group_id, p.id FROM alerts_alert a
            JOIN partnerships_organisation o ON o.id IN (a.landlord_id, a.routed_unit_id)
            CROSS JOIN (VALUES (%s), (%s)) AS p(id)
            WHERE a.status <> 'draft'
            """,
            [view, change],
        )

    def notifications(self) -> None:
        """In-app notices of the open fiches to their unit's members (older ones read)."""
        self.sql(
            """
            INSERT INTO alerts_notification (recipient_id, alert_id, kind, message, url, read_at, created_at)
            SELECT u.id, a.id, 'alert_new', 'Nouvelle fiche alerte ' || a.reference, '/fiches/' || a.id || '/',
                   CASE WHEN a.status = 'submitted' THEN NULL ELSE a.acknowledged_at END, a.submitted_at
            FROM alerts_alert a JOIN partnerships_user u ON u.organisation_id = a.routed_unit_id
            WHERE a.status IN ('submitted', 'acknowledged', 'in_progress')
            """
        )

    def summary(self) -> dict:
        counts = {}
        for table in (
            "partnerships_commune",
            "partnerships_organisation",
            "partnerships_territoryassignment",
            "partnerships_housingsite",
            "partnerships_building",
            "partnerships_user",
            "conventions_convention",
            "alerts_alert",
            "alerts_alertevent",
            "alerts_alertgroupobjectpermission",
            "alerts_notification",
            "partnerships_housingsitegroupobjectpermission",
        ):
            counts[table] = self.fetch(f"SELECT count(*) FROM {table}")[0][0]
        return counts


def reset() -> None:
    """Empty everything the generator writes (communes and départements stay)."""
    with connection.cursor() as cur:
        cur.execute(f"TRUNCATE {', '.join(RESET_TABLES)} RESTART IDENTITY CASCADE")
