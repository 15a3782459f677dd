"""The access matrix: every URL pattern of the resolver and every operation of the
OpenAPI schema has a declared expectation below, and every role of the permission matrix is sent
to it with the objects of ANOTHER organisation (tests/security/conftest.py): it gets a 404 (or the
declared refusal for a page that is not its own at all), never the object, and lists, exports, counts,
downloads and notifications show none of the foreign markers. A role that owns the objects (the
"control") reaches the same URL, so a wrong declaration cannot pass by answering 404 to everyone.

Pages with a form are sent their POST branch too (`and_post`); the roles of the owning organisation
(agent, manager, admin) get what the policies give each (SAME_ORG); every `admin/` URL pattern refuses
anonymous and non-staff accounts (test_no_admin_url_opens_to_an_account_that_is_not_staff).

A route added without a declaration fails `test_every_url_pattern_has_a_declared_expectation`."""

import datetime
import io
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from openpyxl import load_workbook

from alerts.models import Notification
from alerts.views.fiche import ACTIONS
from partnerships.models import ImportRun, ImportStatus, SecurityCorrespondent
from tests.alerts.factories import JPEG, alert_data
from tests.factories import UserFactory

ANONYMOUS = "anonymous"
LANDLORDS = frozenset({"landlord_agent", "landlord_manager", "other_landlord_agent"})
FORCES = frozenset({"officer", "police_manager", "ddsp_manager", "gendarme"})
PREFECTURES = frozenset({"prefect_agent", "prefect_972"})
# conventions.permissions.indicator_reader: prefecture, landlord and force managers, partner mayor.
READERS = PREFECTURES | {"landlord_manager", "police_manager", "ddsp_manager", "mayor"}
IMPORTERS = PREFECTURES | {"landlord_manager", "admin"}  # partnerships.permissions.ImportPolicy
AUDITORS = PREFECTURES | {"admin"}  # partnerships.audit.audit_policy: prefecture managers
AUTHENTICATED = LANDLORDS | FORCES | PREFECTURES | {"mayor", "admin"}
ROLES = (ANONYMOUS, *sorted(AUTHENTICATED - {"admin"}))

# The bundle of conftest.py that belongs to another organisation, for each role: the Oise one (the other
# landlord's estate at Méru, routed to the gendarmerie) unless the role owns or handles it, then the
# Martinique one. The platform administrator sees everything: it has none.
FOREIGN = {
    ANONYMOUS: "oise",
    "landlord_agent": "oise",
    "landlord_manager": "oise",
    "other_landlord_agent": "martinique",
    "officer": "oise",
    "police_manager": "oise",
    "ddsp_manager": "oise",
    "gendarme": "martinique",
    "prefect_agent": "martinique",
    "prefect_972": "oise",
    "mayor": "oise",
}


@dataclass(frozen=True)
class Route:
    """How to call a route with another organisation's objects and what each role must get.

    variants: from a bundle, the calls to make, each a dict of `kwargs` (URL), `query`, `data` and
    optionally its own `method`, `ok` and `reach`.

    foreign: the URL names a foreign object, so every authenticated role gets 404 (or `refused` when
    outside `reach`). Otherwise roles in `reach` get `ok`, others `refused` (per-role `overrides`).
    lists: the body must contain none of the foreign markers (and does contain the control's)."""

    variants: Callable[..., list[dict]] = lambda b: [{}]
    method: str = "get"
    reach: frozenset = AUTHENTICATED
    ok: int = 200
    refused: int = 403
    overrides: Mapping[str, int] = field(default_factory=dict)
    foreign: bool = False
    lists: bool = False
    control: str | None = None  # a role of the Oise bundle's side: must reach the route
    control_sees: bool = True  # for lists: the control finds a marker in the body
    public: bool = False  # reachable without logging in (login, logout)


# Managers (and the prefecture's referents, managers too) declare their own absences.
MANAGERS = frozenset({"landlord_manager", "police_manager", "ddsp_manager", *PREFECTURES})


def correspondent(b):
    return [{"kwargs": {"pk": SecurityCorrespondent.objects.get(full_name=f"Correspondant {b.marker}").pk}}]


def formats(b, **kwargs):
    return [{"kwargs": {**kwargs, "fmt": fmt}} for fmt in ("csv", "xlsx")]


def import_run(b):
    """A checked estates import of the bundle's landlord, uploaded by the bundle's reporter."""
    run = ImportRun.objects.create(
        created_by=b.alert.reporter,
        organisation=b.site.landlord,
        kind="sites",
        params={"fmt": "rpls", "landlord": b.site.landlord_id},
        file="imports/bundle.csv",
        original_name=f"{b.marker}.csv",
        status=ImportStatus.CHECKED,
    )
    return [{"kwargs": {"pk": run.pk}}]


def and_post(variants: Callable[..., list[dict]] = lambda b: [{}], data: Callable = lambda b: {}):
    """A page's GET variants followed by the same calls as POST, its form branch: with data that does
    not validate, so a role that reaches the form gets it back (200) and nothing is written, while the
    others are refused before the form is read."""
    return lambda b: [*variants(b), *({**v, "method": "post", "data": data(b)} for v in variants(b))]


# --- API tokens and webhooks: organisation administrators only --------------
# No role of the matrix administers an organisation, so every one of them meets 404; the foreign
# objects are a token and a webhook (with one delivery) of the bundle's landlord.
# tests/partnerships/test_api_tokens.py and tests/alerts/test_webhooks.py show their administrator
# reaching the same pages.


def in_a_month() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=30)


def org_admin_objects(b):
    """(token, webhook, delivery) of the bundle's landlord, made once per bundle."""
    if getattr(b, "org_admin_objects", None) is None:
        from alerts.models import OutboxChannel, OutboxEmail
        from alerts.webhooks.services import webhook_create
        from partnerships.models import Role
        from partnerships.tokens.services import api_token_create
        from tests.factories import UserFactory

        admin = UserFactory(organisation=b.site.landlord, role=Role.ADMIN)
        token, _secret = api_token_create(
            actor=admin,
            name=f"Logiciel {b.marker}",
            role="agent",
            scope="read",
            expires_on=in_a_month(),
        )
        webhook = webhook_create(actor=admin, url="https://93.184.215.14/hook", events=["alert.filed"])
        delivery = OutboxEmail.objects.create(
            key=f"msg_{b.marker}",
            to=[],
            subject="alert.filed",
            body="{}",
            channel=OutboxChannel.WEBHOOK,
            endpoint=webhook,
        )
        b.org_admin_objects = (token, webhook, delivery)
    return b.org_admin_objects


ORGANISATION_ADMINS: frozenset = frozenset()
ORGANISATION_ADMIN_PAGES = {
    "tokens:list": Route(
        variants=lambda b: [
            {},
            {
                "method": "post",
                "data": {"name": "x", "role": "agent", "scope": "read", "expires_on": "2099-01-01"},
            },
        ],
        reach=ORGANISATION_ADMINS,
        refused=404,
    ),
    "tokens:revoke": Route(
        variants=lambda b: [{"kwargs": {"pk": org_admin_objects(b)[0].pk}}],
        method="post",
        foreign=True,
        refused=404,
    ),
    "webhooks:list": Route(
        variants=lambda b: [
            {},
            {"method": "post", "data": {"url": "https://93.184.215.14/", "events": ["alert.filed"]}},
        ],
        reach=ORGANISATION_ADMINS,
        refused=404,
    ),
    "webhooks:detail": Route(
        variants=lambda b: [{"kwargs": {"pk": org_admin_objects(b)[1].pk}}], foreign=True, refused=404
    ),
    "webhooks:pause": Route(
        variants=lambda b: [{"kwargs": {"pk": org_admin_objects(b)[1].pk}}],
        method="post",
        foreign=True,
        refused=404,
    ),
    "webhooks:resend": Route(
        variants=lambda b: [
            {"kwargs": {"pk": org_admin_objects(b)[1].pk, "delivery_pk": org_admin_objects(b)[2].pk}}
        ],
        method="post",
        foreign=True,
        refused=404,
    ),
}


PAGES: dict[str, Route] = {
    "home": Route(lists=True, control="other_landlord_agent"),
    "login": Route(public=True, overrides={role: 302 for role in AUTHENTICATED}),
    "logout": Route(public=True, method="post", ok=302),
    "directory": Route(lists=True, control="other_landlord_agent"),
    "sites:list": Route(lists=True, control="other_landlord_agent"),
    "sites:detail": Route(
        variants=lambda b: [{"kwargs": {"pk": b.site.pk}}], foreign=True, control="other_landlord_agent"
    ),
    # The prefecture's managers of the estate's département say which force serves a split commune:
    # anyone else gets 404; the bundle's communes are not split, so the prefecture's call is refused.
    "sites:force": Route(
        variants=lambda b: [{"kwargs": {"pk": b.site.pk}, "data": {"force": "police"}}],
        method="post",
        foreign=True,
        refused=404,
    ),
    "alerts:list": Route(
        lists=True,
        reach=LANDLORDS | PREFECTURES,
        overrides={role: 302 for role in FORCES},  # forces are sent to their triage dashboard
        control="other_landlord_agent",
    ),
    "alerts:create": Route(
        variants=and_post(lambda b: [{"query": {"site": b.site.pk}}], lambda b: {"description": "Fiche"}),
        foreign=True,
        reach=LANDLORDS,
        control="other_landlord_agent",
    ),
    "alerts:dashboard": Route(lists=True, reach=FORCES, control="gendarme"),
    "alerts:bulk_acknowledge": Route(
        variants=lambda b: [{"data": {"alerts": [b.alert.pk, b.queued.pk]}}], method="post", ok=302
    ),
    "alerts:export": Route(lists=True, control="other_landlord_agent"),
    "alerts:routing_queue": Route(lists=True, reach=PREFECTURES, control="prefect_agent"),
    "alerts:notifications": Route(
        variants=lambda b: [
            {},
            # Marking someone else's notification read: refused silently, it stays unread.
            {
                "method": "post",
                "data": {"notification": [n.pk for n in Notification.objects.filter(alert=b.alert)]},
                "ok": 302,
            },
        ],
        lists=True,
        control="gendarme",
    ),
    # « Mes préférences »: every signed-in user, their own choices only (nothing foreign to show).
    "alerts:preferences": Route(
        variants=lambda b: [{}, {"method": "post", "data": {"comment": "never"}, "ok": 302}],
        control="gendarme",
    ),
    "alerts:detail": Route(
        variants=lambda b: [{"kwargs": {"pk": a.pk}} for a in (b.alert, b.queued, b.draft)],
        foreign=True,
        control="other_landlord_agent",
    ),
    "alerts:confirmation": Route(
        variants=lambda b: [{"kwargs": {"pk": b.alert.pk}}], foreign=True, control="other_landlord_agent"
    ),
    "alerts:edit": Route(
        variants=and_post(lambda b: [{"kwargs": {"pk": b.draft.pk}}], lambda b: {"description": ""}),
        foreign=True,
        control="other_landlord_agent",
    ),
    "alerts:attachment": Route(
        variants=lambda b: [{"kwargs": {"pk": b.alert.pk, "attachment_pk": b.attachment.pk}}],
        foreign=True,
        control="other_landlord_agent",
    ),
    # The bundle's fiche has a photo with its preview: the control gets the zip and the thumbnail.
    "alerts:photos_zip": Route(
        variants=lambda b: [{"kwargs": {"pk": b.alert.pk}}], foreign=True, control="other_landlord_agent"
    ),
    "alerts:thumbnail": Route(
        variants=lambda b: [{"kwargs": {"pk": b.alert.pk, "attachment_pk": b.photo.pk}}],
        foreign=True,
        control="other_landlord_agent",
    ),
    "alerts:site_positions": Route(reach=LANDLORDS, control="other_landlord_agent"),
    # How many similar fiches an estate has: another landlord's estate is a 404 (its count unsaid).
    "alerts:similar_count": Route(
        variants=lambda b: [{"query": {"site": b.alert.site_id, "category": "drugs"}}],
        reach=LANDLORDS,
        foreign=True,
        control="other_landlord_agent",
    ),
    "alerts:transition": Route(
        variants=lambda b: [
            {
                "kwargs": {"pk": b.alert.pk, "action": action},
                "data": {
                    f"{action}-message": "Message",
                    f"{action}-reason": "Motif",
                    f"{action}-outcome": "no_follow_up",
                    f"{action}-into": b.queued.reference,
                    f"{action}-other": b.queued.reference,
                },
            }
            for action in ACTIONS
        ],
        method="post",
        ok=302,
        foreign=True,
        control="gendarme",
    ),
    "conventions:list": Route(lists=True, control="prefect_agent"),
    "conventions:create": Route(variants=and_post(), reach=PREFECTURES, refused=404, control="prefect_agent"),
    "conventions:response_policy": Route(
        variants=and_post(), reach=PREFECTURES, refused=404, control="prefect_agent"
    ),
    "conventions:indicators": Route(lists=True, reach=READERS, refused=404, control="prefect_agent"),
    # Figures only: a single fiche per estate names no hotspot, so the control finds no marker here.
    "conventions:indicators_export": Route(
        variants=formats, lists=True, reach=READERS, refused=404, control="prefect_agent", control_sees=False
    ),
    "conventions:fiches_export": Route(
        variants=formats, lists=True, reach=READERS - {"mayor"}, refused=404, control="prefect_agent"
    ),
    # indicator_policy "compare": the prefecture's only (the control sees its estates in the filter).
    "conventions:comparison": Route(lists=True, reach=PREFECTURES, refused=404, control="prefect_agent"),
    "conventions:comparison_export": Route(
        variants=formats,
        lists=True,
        reach=PREFECTURES,
        refused=404,
        control="prefect_agent",
        control_sees=False,
    ),
    "conventions:problems": Route(
        # « Problèmes sur cette résidence »: someone else's estate is a 404.
        variants=lambda b: [{}, {"query": {"site": b.site.pk}, "ok": 404}],
        lists=True,
        control="prefect_agent",
    ),
    "conventions:problem_create": Route(
        variants=lambda b: [
            {},
            # Someone else's estate and fiche cannot be attached to a new problem.
            {
                "method": "post",
                "data": {
                    "title": "Problème",
                    "commune": b.site.commune_id,
                    "site": b.site.pk,
                    "alert_references": b.alert.reference,
                },
            },
        ],
        reach=PREFECTURES | FORCES | {"landlord_manager"},
        refused=404,
        lists=True,
        control="prefect_agent",
    ),
    # Changes of a problem: the action plan, its fiches linked (the form sent empty) and unlinked.
    "conventions:problem_action_plan": Route(
        variants=and_post(lambda b: [{"kwargs": {"pk": b.problem.pk}}]), foreign=True, control="prefect_agent"
    ),
    "conventions:problem_link": Route(
        variants=and_post(lambda b: [{"kwargs": {"pk": b.problem.pk}}]), foreign=True, control="prefect_agent"
    ),
    "conventions:problem_unlink": Route(
        variants=lambda b: [{"kwargs": {"pk": b.problem.pk, "alert_pk": b.alert.pk}}],
        method="post",
        foreign=True,
        control="prefect_agent",
    ),
    "conventions:problem_detail": Route(
        variants=lambda b: [
            {"kwargs": {"pk": b.problem.pk}},
            {"kwargs": {"pk": b.problem.pk}, "method": "post", "data": {"status": "resolved"}},
        ],
        foreign=True,
        control="prefect_agent",
    ),
    "conventions:detail": Route(
        variants=lambda b: [{"kwargs": {"pk": b.convention.pk}}], foreign=True, control="prefect_agent"
    ),
    # « Mes conventions »: a signatory's own page of a convention; another organisation's is a 404.
    "conventions:partner": Route(
        variants=lambda b: [{"kwargs": {"pk": b.convention.pk}}], foreign=True, control="prefect_agent"
    ),
    "conventions:edit": Route(
        variants=and_post(lambda b: [{"kwargs": {"pk": b.convention.pk}}]),
        foreign=True,
        control="prefect_agent",
    ),
    "conventions:convention_response_policy": Route(
        variants=and_post(lambda b: [{"kwargs": {"pk": b.convention.pk}}]),
        foreign=True,
        reach=PREFECTURES,
        refused=404,
        control="prefect_agent",
    ),
    "conventions:document": Route(
        variants=lambda b: [{"kwargs": {"pk": b.convention.pk, "document_pk": b.document.pk}}],
        foreign=True,
        control="prefect_agent",
    ),
    "conventions:meeting_minutes": Route(
        variants=lambda b: [{"kwargs": {"pk": b.convention.pk, "meeting_pk": b.meeting.pk}}],
        foreign=True,
        control="prefect_agent",
    ),
    "conventions:follow_up_create": Route(
        variants=and_post(
            lambda b: [
                {"kwargs": {"pk": b.convention.pk, "kind": kind}}
                for kind in ("engagement", "reunion", "action")
            ]
        ),
        foreign=True,
        control="prefect_agent",
    ),
    "conventions:follow_up_status": Route(
        variants=lambda b: [
            {"kwargs": {"pk": b.convention.pk, "kind": "engagement", "item_pk": b.commitment.pk}},
            {"kwargs": {"pk": b.convention.pk, "kind": "action", "item_pk": b.action_item.pk}},
        ],
        method="post",
        ok=302,
        foreign=True,
        control="prefect_agent",
    ),
    "conventions:bilan": Route(
        variants=lambda b: [{"kwargs": {"pk": b.convention.pk}}], foreign=True, control="prefect_agent"
    ),
    "conventions:convention_indicators": Route(
        variants=lambda b: [{"kwargs": {"pk": b.convention.pk}}], foreign=True, control="prefect_agent"
    ),
    "conventions:convention_indicators_export": Route(
        variants=lambda b: formats(b, pk=b.convention.pk), foreign=True, control="prefect_agent"
    ),
    "conventions:convention_fiches_export": Route(
        variants=lambda b: formats(b, pk=b.convention.pk), foreign=True, control="prefect_agent"
    ),
    "conventions:convention_comparison": Route(
        variants=lambda b: [{"kwargs": {"pk": b.convention.pk}}], foreign=True, control="prefect_agent"
    ),
    "conventions:convention_comparison_export": Route(
        variants=lambda b: formats(b, pk=b.convention.pk), foreign=True, control="prefect_agent"
    ),
    "imports:index": Route(reach=IMPORTERS, refused=404, control="prefect_agent"),
    "imports:upload": Route(
        variants=and_post(
            lambda b: [
                {"kwargs": {"kind": "sites"}},
                {"kwargs": {"kind": "territories"}, "reach": PREFECTURES | {"admin"}},
            ]
        ),
        reach=IMPORTERS,
        refused=404,
        control="prefect_agent",
    ),
    # An import run belongs to its author and its organisation's managers: anyone else gets 404, and
    # its commit changes nothing.
    "imports:run": Route(variants=lambda b: import_run(b), foreign=True, refused=404),
    "imports:run_status": Route(variants=lambda b: import_run(b), foreign=True, refused=404),
    "imports:commit": Route(variants=lambda b: import_run(b), method="post", foreign=True, refused=404),
    # Second factor pages: one's own device only; without one, verification sends to enrolment.
    "otp_enrol": Route(variants=and_post(data=lambda b: {"otp_token": "000000"})),
    "otp_verify": Route(variants=and_post(data=lambda b: {"otp_token": "000000"}), ok=302),
    "oidc_failure": Route(public=True),
    "accessibility": Route(public=True),
    "service_worker": Route(public=True),
    # The audit trail: prefecture referents read their département's entries only.
    "audit:list": Route(lists=True, reach=AUDITORS, control="prefect_agent"),
    "audit:export": Route(lists=True, reach=AUDITORS, control="prefect_agent"),
    **ORGANISATION_ADMIN_PAGES,
    # An organisation runs itself: the console is its admin's (none among the roles here: all
    # get 404), absences are managers' own, an estate is edited by its landlord's managers only.
    "organisation:accounts": Route(reach=frozenset(), refused=404),
    "organisation:invite": Route(reach=frozenset(), refused=404),
    "organisation:account": Route(
        variants=lambda b: [
            {"kwargs": {"pk": b.alert.reporter_id}},
            {"kwargs": {"pk": b.alert.reporter_id}, "method": "post", "data": {"action": "deactivate"}},
        ],
        foreign=True,
    ),
    "organisation:create": Route(reach=frozenset(), refused=404),
    # Where a landlord operates: its prefecture's managers (the control) and platform admins set it; the
    # POST does not validate, so the control gets its form back and nothing is written.
    "organisation:departments": Route(
        variants=and_post(
            lambda b: [{"kwargs": {"pk": b.site.landlord_id}}], lambda b: {"departments": "zz"}
        ),
        foreign=True,
        control="prefect_agent",
    ),
    "organisation:absences": Route(reach=MANAGERS, refused=404, control="other_landlord_manager"),
    "organisation:absence_cancel": Route(
        variants=lambda b: [{"kwargs": {"pk": 0}}], method="post", foreign=True
    ),
    "organisation:correspondents": Route(reach=frozenset(), refused=404),
    "organisation:correspondent_create": Route(reach=frozenset(), refused=404),
    "organisation:correspondent_edit": Route(variants=correspondent, foreign=True),
    "organisation:correspondent_delete": Route(variants=correspondent, method="post", foreign=True),
    "sites:edit": Route(
        variants=lambda b: [
            {"kwargs": {"pk": b.site.pk}},
            {"kwargs": {"pk": b.site.pk}, "method": "post", "data": {"name": "Piraté", "commune": "60395"}},
        ],
        foreign=True,
        control="other_landlord_manager",
    ),
    "password_reset": Route(public=True),
    "password_reset_confirm": Route(
        variants=lambda b: [{"kwargs": {"uidb64": "MQ", "token": "a-b"}}], public=True
    ),
    "password_reset_complete": Route(public=True),
    "password_change": Route(),
}

SKIPPED = {
    "invitation_accept": "the token is the credential: tests/partnerships/test_console.py covers it",
    "invitation_oidc": "OpenID Connect is off in the tests (404); the invitation's OIDC path is unit-tested",
    "oidc_authentication_init": "OpenID Connect is off in the tests (404); test_auth_oidc.py runs its flow",
    "oidc_authentication_callback": "OpenID Connect is off in the tests (404); test_auth_oidc.py runs its flow",
    "admin": "Django admin: every pattern is checked by test_no_admin_url_opens_to_an_account_that_is_not_staff",
    "schema": "the OpenAPI schema describes the API and holds no data",
    "swagger-ui": "the API documentation viewer holds no data",
    "api": "DRF router patterns: each operation is declared in API_OPERATIONS, from the OpenAPI schema",
}


def url_patterns(patterns=None, prefix="", namespace=None):
    """(key, route, pattern) of every URL of the project; the key is the URL name with its namespace,
    or the route itself for an unnamed pattern."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = ":".join(n for n in (namespace, pattern.namespace) if n) or None
            yield from url_patterns(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield (name or route), route, pattern


def skip_reason(key, route, pattern) -> str | None:
    if route.startswith("admin/"):
        return SKIPPED["admin"]
    if getattr(pattern.callback, "cls", None) is not None and route.startswith("api/v1/"):
        return SKIPPED["api"]
    return SKIPPED.get(key)


def undeclared(found: list[str], declared) -> list[str]:
    return [f"route {key} has no declared expectation" for key in found if key not in declared]


def vanished(found: list[str], declared) -> list[str]:
    return [f"route {key} is declared but no longer exists" for key in declared if key not in found]


def test_every_url_pattern_has_a_declared_expectation():
    found = [key for key, route, pattern in url_patterns() if skip_reason(key, route, pattern) is None]
    problems = undeclared(found, PAGES) + vanished(found, PAGES)
    assert not problems, "\n".join(problems)


def test_a_new_route_without_a_declaration_is_reported_by_name():
    found = ["home", "alerts:list", "alerts:nouvelle_page"]
    assert undeclared(found, PAGES) == ["route alerts:nouvelle_page has no declared expectation"]
    declared = {"home": Route(), "alerts:list": Route(), "ancienne": Route()}
    assert vanished(found, declared) == ["route ancienne is declared but no longer exists"]


def api_operations() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [(method.upper(), path) for path, item in schema["paths"].items() for method in item]


@dataclass(frozen=True)
class Api:
    """One API operation: `params` fills the path, `data` the body (JSON unless `multipart`)."""

    params: Callable = lambda b: {}
    data: Callable | None = None
    multipart: bool = False
    foreign: bool = True
    ok: int = 200  # status of a role that reaches a list with its own objects
    lists: bool = False
    control: str | None = None


def alert_op(control="gendarme", data=None, multipart=False):
    return Api(params=lambda b: {"id": b.alert.pk}, data=data, multipart=multipart, control=control)


def filing_payload(b):
    data = alert_data(site=b.site.pk)
    data["facts_at"] = data["facts_at"].isoformat()
    return data


API_OPERATIONS: dict[tuple[str, str], Api] = {
    ("GET", "/api/v1/alerts/"): Api(foreign=False, lists=True, control="other_landlord_agent"),
    # Someone else's estate is not a choice: 400 on `site`, and no fiche is created.
    ("POST", "/api/v1/alerts/"): Api(
        data=filing_payload, foreign=False, ok=400, control="other_landlord_agent"
    ),
    ("GET", "/api/v1/alerts/{id}/"): alert_op(),
    ("POST", "/api/v1/alerts/{id}/acknowledge/"): alert_op(),
    ("POST", "/api/v1/alerts/{id}/start/"): alert_op(data=lambda b: {"message": "Patrouille"}),
    ("POST", "/api/v1/alerts/{id}/feedback/"): alert_op(data=lambda b: {"message": "Retour"}),
    ("POST", "/api/v1/alerts/{id}/close/"): alert_op(data=lambda b: {"outcome": "no_follow_up"}),
    ("POST", "/api/v1/alerts/{id}/redirect/"): alert_op(
        data=lambda b: {"unit": b.alert.routed_unit_id, "reason": "Hors zone"}
    ),
    ("POST", "/api/v1/alerts/{id}/return/"): alert_op(data=lambda b: {"reason": "out_of_area"}),
    ("POST", "/api/v1/alerts/{id}/reopen/"): alert_op(
        control="other_landlord_agent", data=lambda b: {"reason": "Ça recommence"}
    ),
    # The prefecture sees both fiches of the bundle, so it reaches the merge (and is refused it, 403).
    ("POST", "/api/v1/alerts/{id}/merge/"): alert_op(
        control="prefect_agent", data=lambda b: {"into": b.queued.pk}
    ),
    ("POST", "/api/v1/alerts/{id}/link/"): alert_op(data=lambda b: {"other": b.queued.reference}),
    ("POST", "/api/v1/alerts/{id}/comment/"): alert_op(data=lambda b: {"message": "Commentaire"}),
    ("GET", "/api/v1/alerts/{id}/events/"): alert_op(),
    ("GET", "/api/v1/alerts/{id}/attachments/"): alert_op(),
    ("POST", "/api/v1/alerts/{id}/attachments/"): alert_op(
        control="other_landlord_agent",
        data=lambda b: {"file": SimpleUploadedFile("photo.jpg", JPEG)},
        multipart=True,
    ),
    ("GET", "/api/v1/alerts/{id}/attachments/{attachment_pk}/download/"): Api(
        params=lambda b: {"id": b.alert.pk, "attachment_pk": b.attachment.pk}, control="other_landlord_agent"
    ),
    ("GET", "/api/v1/conventions/"): Api(foreign=False, lists=True, control="prefect_agent"),
    ("GET", "/api/v1/conventions/{id}/"): Api(
        params=lambda b: {"id": b.convention.pk}, control="prefect_agent"
    ),
    ("GET", "/api/v1/conventions/{id}/indicators/"): Api(
        params=lambda b: {"id": b.convention.pk}, control="prefect_agent"
    ),
    ("GET", "/api/v1/sites/"): Api(foreign=False, lists=True, control="other_landlord_agent"),
    ("GET", "/api/v1/sites/{id}/"): Api(params=lambda b: {"id": b.site.pk}, control="other_landlord_agent"),
    ("PATCH", "/api/v1/sites/{id}/"): Api(
        params=lambda b: {"id": b.site.pk},
        data=lambda b: {"name": "Renommé"},
        control="other_landlord_manager",
    ),
}


def test_every_api_operation_has_a_declared_expectation():
    found = [f"{method} {path}" for method, path in api_operations()]
    declared = [f"{method} {path}" for method, path in API_OPERATIONS]
    problems = undeclared(found, declared) + vanished(found, declared)
    assert not problems, "\n".join(problems)


# --- running the matrix ---------------------------------------------------------------------------


def user_of(world, role):
    return None if role == ANONYMOUS else getattr(world, role)


def body(response) -> str:
    """The text a user would read: HTML, JSON, CSV, or the cells of an XLSX."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        book = load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            str(cell)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
        )
    return content.decode("utf-8", errors="replace")


def leaked(text: str, bundle, posted=None) -> list[str]:
    """Foreign markers in a body, except those the user posted (a form may echo its own input)."""
    echoed = str(posted or "")
    return [marker for marker in bundle.markers if marker in text and marker not in echoed]


def call(client, method, url, data=None, query=None, multipart=False, api=False):
    if method == "get":
        return client.get(url, query or {})
    if api and not multipart:
        return client.generic(
            method.upper(), url, data=json.dumps(data or {}), content_type="application/json"
        )
    return client.post(url + (f"?{urlencode(query, doseq=True)}" if query else ""), data or {})


def page_expectation(route: Route, variant: dict, role: str) -> set[int]:
    if role == ANONYMOUS:
        return {200, 302} if route.public else {302}
    if role in route.overrides:
        return {route.overrides[role]}
    if role not in variant.get("reach", route.reach):
        return {route.refused}
    if route.public:
        return {variant.get("ok", route.ok)}
    return {404} if route.foreign else {variant.get("ok", route.ok)}


def pages_in_order():
    """Logout last: it ends the session the other pages are requested with."""
    return sorted(PAGES.items(), key=lambda item: item[0] == "logout")


def page_requests(name: str, route: Route, bundle):
    """(variant, (method, url, data, query)) of every call the route is declared with."""
    for variant in route.variants(bundle):
        url = reverse(name, kwargs=variant.get("kwargs"))
        yield variant, (variant.get("method", route.method), url, variant.get("data"), variant.get("query"))


def login_as(client, world, role):
    client.logout()
    if role != ANONYMOUS:
        client.force_login(getattr(world, role))


def test_no_page_shows_another_organisations_objects(world, bundles, client):
    """Every page x every role x every foreign bundle (one world for all: the requests change nothing,
    which is asserted)."""
    failures = []
    for role in ROLES:
        login_as(client, world, role)
        bundle = bundles[FOREIGN[role]]
        before = bundle.state()
        for name, route in pages_in_order():
            for variant, request in page_requests(name, route, bundle):
                response = call(client, *request)
                expected = page_expectation(route, variant, role)
                where = f"{name} {variant} as {role} with the {FOREIGN[role]} bundle"
                if response.status_code not in expected:
                    failures.append(f"{where}: {response.status_code}, expected {sorted(expected)}")
                    continue
                if role == ANONYMOUS and not route.public and "/connexion/" not in response["Location"]:
                    failures.append(f"{where}: redirected to {response['Location']}, not to the login page")
                if response.status_code == 200 and (found := leaked(body(response), bundle, request[2])):
                    failures.append(f"{where}: shows {found}")
                # Reads cannot write: the state is compared after each write, and at the end.
                if request[0] != "get" and bundle.state() != before:
                    failures.append(f"{where}: changed another organisation's objects")
        if bundle.state() != before:
            failures.append(f"{role}: the pages changed another organisation's objects")
    assert not failures, "\n".join(failures)


def test_the_owner_side_reaches_each_page_so_the_matrix_can_fail(world, bundles, client):
    bundle = bundles["oise"]
    failures = []
    for name, route in PAGES.items():
        if route.control is None:
            continue
        login_as(client, world, route.control)
        for variant, request in page_requests(name, route, bundle):
            response = call(client, *request)
            where = f"{name} {variant} as {route.control}"
            if response.status_code not in (200, 302):
                failures.append(f"{where}: {response.status_code}")
            elif route.lists and route.control_sees and response.status_code == 200:
                if not leaked(body(response), bundle):
                    failures.append(f"{where}: the owner's own objects are not listed")
    assert not failures, "\n".join(failures)


def test_the_platform_administrator_meets_no_server_error(world, bundles, client):
    client.force_login(world.admin)
    failures = []
    for name, route in PAGES.items():
        for variant, request in page_requests(name, route, bundles["oise"]):
            response = call(client, *request)
            if response.status_code >= 500:
                failures.append(f"{name} {variant}: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_no_api_operation_gives_another_organisations_objects(world, bundles, client):
    failures = []
    for role in ROLES:
        login_as(client, world, role)
        bundle = bundles[FOREIGN[role]]
        before = bundle.state()
        for (method, path), op in API_OPERATIONS.items():
            url = path.format(**op.params(bundle))
            data = op.data(bundle) if op.data else None
            response = call(client, method.lower(), url, data, multipart=op.multipart, api=True)
            if role == ANONYMOUS:
                expected = {401, 403}
            else:
                expected = {404} if op.foreign else {op.ok}
            where = f"{method} {url} as {role} with the {FOREIGN[role]} bundle"
            if response.status_code not in expected:
                failures.append(f"{where}: {response.status_code}, expected {sorted(expected)}")
                continue
            if found := leaked(body(response), bundle):
                failures.append(f"{where}: shows {found}")
            if response.status_code == 400 and not response.json().get("message"):
                failures.append(f"{where}: 400 without a French message")
            if method != "GET" and bundle.state() != before:
                failures.append(f"{where}: changed another organisation's objects")
    assert not failures, "\n".join(failures)


def test_the_owner_side_reaches_each_api_operation_so_the_matrix_can_fail(world, bundles, client):
    bundle = bundles["oise"]
    failures = []
    for (method, path), op in API_OPERATIONS.items():
        login_as(client, world, op.control)
        url = path.format(**op.params(bundle))
        data = op.data(bundle) if op.data else None
        response = call(client, method.lower(), url, data, multipart=op.multipart, api=True)
        where = f"{method} {url} as {op.control}"
        # 403 is "visible but not yours to do": the URL did reach the object.
        if response.status_code in (401, 404) or response.status_code >= 500:
            failures.append(f"{where}: {response.status_code}")
        elif op.lists and not leaked(body(response), bundle):
            failures.append(f"{where}: the owner's own objects are not listed")
    assert not failures, "\n".join(failures)


def figure(response, label):
    return dict(response.context["figures"])[label]


def compared(response, by: str) -> int:
    """The fiches a comparison table counts, all its rows together."""
    table = next(t for t in response.context["tables"] if t["by"] == by)
    return sum(row.total for row, _cells in table["rows"])


# (role, URL name, what the page counts, expected): only the bundle the role owns or handles is counted.
COUNTS = [
    ("landlord_agent", "alerts:list", lambda r: r.context["page_obj"].paginator.count, 0),
    ("other_landlord_agent", "alerts:list", lambda r: r.context["page_obj"].paginator.count, 3),
    (
        "prefect_agent",
        "alerts:list",
        lambda r: {c["status"]: c["count"] for c in r.context["counts"]}["submitted"],
        2,
    ),
    ("prefect_972", "alerts:routing_queue", lambda r: r.context["page_obj"].paginator.count, 1),
    ("officer", "alerts:dashboard", lambda r: r.context["page_obj"].paginator.count, 0),
    ("gendarme", "alerts:dashboard", lambda r: r.context["page_obj"].paginator.count, 1),
    ("officer", "alerts:notifications", lambda r: r.context["unread_count"], 0),
    ("landlord_agent", "home", lambda r: r.context["site_count"], 3),
    ("landlord_manager", "conventions:indicators", lambda r: figure(r, "Fiches transmises"), 0),
    ("ddsp_manager", "conventions:indicators", lambda r: figure(r, "Fiches transmises"), 0),
    ("prefect_agent", "conventions:indicators", lambda r: figure(r, "Fiches transmises"), 2),
    ("prefect_agent", "conventions:comparison", lambda r: compared(r, "landlord"), 2),
    ("prefect_agent", "conventions:comparison", lambda r: compared(r, "unit"), 2),
]


def test_counts_exclude_the_objects_of_other_organisations(world, bundles, client):
    failures = []
    for role, name, count, expected in COUNTS:
        login_as(client, world, role)
        response = client.get(reverse(name), {"start": "2020-01-01", "end": "2030-12-31"})
        if (found := count(response)) != expected:
            failures.append(f"{name} as {role}: counts {found}, expected {expected}")
    api = {"landlord_agent": 0, "officer": 0, "gendarme": 1, "prefect_agent": 2, "prefect_972": 2, "mayor": 0}
    for role, expected in api.items():
        login_as(client, world, role)
        if (found := client.get("/api/v1/alerts/").json()["count"]) != expected:
            failures.append(f"/api/v1/alerts/ as {role}: counts {found}, expected {expected}")
    assert not failures, "\n".join(failures)


# --- The Django admin, for accounts that are not staff ---------------------------------------------

# Admin pages that answer anyone: the login form (it says the account may not enter) and the
# translation catalogue of its scripts. Neither holds data.
ADMIN_OPEN = {"admin:login", "admin:jsi18n"}


def admin_url(route: str) -> str:
    """A callable URL for an admin pattern: path converters get "1", the app-list regex its first app."""
    url = re.sub(r"<(?:\w+:)?\w+>", "1", route)
    url = re.sub(r"\(\?P<app_label>([\w]+)[^)]*\)", r"\1", url)
    url = re.sub(r"\(\?P<url>\.\*\)", "x", url)
    return "/" + url.replace("^", "").replace("$", "")


def test_no_admin_url_opens_to_an_account_that_is_not_staff(world, bundles, client):
    """Every admin URL pattern, for anonymous and every non-staff role: the admin login (302), or a
    refusal (403, 404, 405), never a page with data."""
    routes = [(key, route) for key, route, _pattern in url_patterns() if route.startswith("admin/")]
    assert len(routes) > 50  # every registered model's pages, not just the index
    failures = []
    for role in ROLES:
        login_as(client, world, role)
        for key, route in routes:
            response = client.get(admin_url(route))
            status = response.status_code
            if key in ADMIN_OPEN and status == 200:
                continue
            # To the admin login, or to the admin index, which sends there (the logout's GET).
            if status == 302 and (
                response["Location"].startswith(reverse("admin:login"))
                or response["Location"] == reverse("admin:index")
            ):
                continue
            if status not in (403, 404, 405):
                failures.append(f"{key} ({admin_url(route)}) as {role}: {status} {response.get('Location')}")
    assert not failures, "\n".join(failures)


# --- The same organisation, other roles -------------------------------------------------------------

SAME_ORG_ROLES = {
    # The Oise bundle's landlord, its gendarmerie brigade and its prefecture, each with three roles.
    "landlord": ("other_landlord", {"agent": "other_landlord_agent"}),
    "brigade": ("gendarmerie", {"agent": "gendarme"}),
    "prefecture": ("prefecture", {"manager": "prefect_agent"}),
}


@dataclass(frozen=True)
class SameOrg:
    """One call on the Oise bundle's own objects, and what each role of the owning organisation gets."""

    organisation: str
    method: str
    url: Callable
    expected: Mapping[str, int]  # role (agent, manager, admin) → status
    data: Callable | None = None
    api: bool = False


SAME_ORG: dict[str, SameOrg] = {
    # Editing an estate is for the landlord's managers (and its admins, who have their rights).
    "PATCH an estate": SameOrg(
        "landlord",
        "patch",
        lambda b: f"/api/v1/sites/{b.site.pk}/",
        {"agent": 403, "manager": 200, "admin": 200},
        data=lambda b: {"name": f"Résidence {b.marker}"},
        api=True,
    ),
    "read a fiche of one's organisation": SameOrg(
        "landlord",
        "get",
        lambda b: reverse("alerts:detail", args=[b.alert.pk]),
        {"agent": 200, "manager": 200, "admin": 200},
    ),
    "import estates": SameOrg(
        "landlord", "get", lambda b: reverse("imports:index"), {"agent": 404, "manager": 200, "admin": 200}
    ),
    "read the landlord's indicators": SameOrg(
        "landlord",
        "get",
        lambda b: reverse("conventions:indicators"),
        {"agent": 404, "manager": 200, "admin": 200},
    ),
    "comment on a fiche of the unit": SameOrg(
        "brigade",
        "post",
        lambda b: f"/api/v1/alerts/{b.alert.pk}/comment/",
        {"agent": 201, "manager": 201, "admin": 201},
        data=lambda b: {"message": "Vu"},
        api=True,
    ),
    "read the unit's indicators": SameOrg(
        "brigade",
        "get",
        lambda b: reverse("conventions:indicators"),
        {"agent": 404, "manager": 200, "admin": 200},
    ),
    "read the audit trail": SameOrg(
        "prefecture", "get", lambda b: reverse("audit:list"), {"agent": 403, "manager": 200, "admin": 200}
    ),
    # A problem on the landlord's estate: its managers change it, its agents only read it.
    "edit the action plan of a problem on one's estate": SameOrg(
        "landlord",
        "get",
        lambda b: reverse("conventions:problem_action_plan", args=[b.problem.pk]),
        {"agent": 404, "manager": 200, "admin": 200},
    ),
    "link fiches to a problem of the unit's territory": SameOrg(
        "brigade",
        "get",
        lambda b: reverse("conventions:problem_link", args=[b.problem.pk]),
        {"agent": 200, "manager": 200, "admin": 200},
    ),
    "create a convention": SameOrg(
        "prefecture",
        "get",
        lambda b: reverse("conventions:create"),
        {"agent": 200, "manager": 200, "admin": 200},
    ),
}


def same_org_users(world, organisation: str) -> dict:
    """The agent, manager and admin of one of the Oise bundle's organisations (the world's own user
    where it has one for the role)."""
    attribute, existing = SAME_ORG_ROLES[organisation]
    org = getattr(world, attribute)
    return {
        role: getattr(world, existing[role])
        if role in existing
        else UserFactory(organisation=org, role=role, email=f"{role}@{attribute}.same-org.fr")
        for role in ("agent", "manager", "admin")
    }


def test_each_role_of_the_owning_organisation_gets_what_the_policies_say(world, bundles, client):
    bundle = bundles["oise"]
    users = {organisation: same_org_users(world, organisation) for organisation in SAME_ORG_ROLES}
    failures = []
    for name, case in SAME_ORG.items():
        for role, expected in case.expected.items():
            client.force_login(users[case.organisation][role])
            data = case.data(bundle) if case.data else None
            response = call(client, case.method, case.url(bundle), data, api=case.api)
            if response.status_code != expected:
                failures.append(
                    f"{name} as the {case.organisation} {role}: {response.status_code}, expected {expected}"
                )
    assert not failures, "\n".join(failures)


# --- API tokens and webhooks (issue #20, points 6-7) -----------------------------------------------


def test_no_role_revokes_pauses_or_resends_another_organisations_token_or_webhook(world, bundles, client):
    failures = []
    for role in ROLES:
        login_as(client, world, role)
        token, webhook, delivery = org_admin_objects(bundles[FOREIGN[role]])
        for name, kwargs in (
            ("tokens:revoke", {"pk": token.pk}),
            ("webhooks:pause", {"pk": webhook.pk}),
            ("webhooks:resend", {"pk": webhook.pk, "delivery_pk": delivery.pk}),
        ):
            response = client.post(reverse(name, kwargs=kwargs))
            if response.status_code != (302 if role == ANONYMOUS else 404):
                failures.append(f"{name} as {role}: {response.status_code}")
        token.refresh_from_db()
        webhook.refresh_from_db()
        delivery.refresh_from_db()
        if token.revoked_at or webhook.paused_at or delivery.status != "pending":
            failures.append(f"{role} changed another organisation's token or webhook")
    assert not failures, "\n".join(failures)


# A token acts as a member of its organisation with its role: the same roles, as tokens of the widest
# scope, meet the same 404s and see none of the foreign markers; a write their scope allows is
# judged by the policy as for the person, one it does not is refused (403) before any lookup.
TOKEN_ROLES = ("landlord_agent", "landlord_manager", "officer", "police_manager", "gendarme", "prefect_agent")


def test_an_api_token_sees_no_more_than_its_organisation(world, bundles):
    from django.test import Client

    from partnerships.models import Role
    from partnerships.tokens.services import api_token_create
    from tests.factories import UserFactory

    failures = []
    for role in TOKEN_ROLES:
        person = getattr(world, role)
        admin = UserFactory(organisation=person.organisation, role=Role.ADMIN)
        _token, secret = api_token_create(
            actor=admin, name=role, role=person.role, scope="triage", expires_on=in_a_month()
        )
        client = Client(headers={"Authorization": f"Bearer {secret}"})
        bundle = bundles[FOREIGN[role]]
        before = bundle.state()
        for (method, path), op in API_OPERATIONS.items():
            url = path.format(**op.params(bundle))
            data = op.data(bundle) if op.data else None
            response = call(client, method.lower(), url, data, multipart=op.multipart, api=True)
            expected = {404} if op.foreign else {op.ok}
            if method == "PATCH":
                expected = {403}  # estates are edited by people only
            where = f"{method} {url} as a token of {role}"
            if response.status_code not in expected:
                failures.append(f"{where}: {response.status_code}, expected {sorted(expected)}")
            if found := leaked(body(response), bundle):
                failures.append(f"{where}: shows {found}")
        if bundle.state() != before:
            failures.append(f"a token of {role} changed another organisation's objects")
    assert not failures, "\n".join(failures)
