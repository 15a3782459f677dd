"""The page chrome kept per process (`{% constant %}`: skip links, footer, the header's fixed parts):
the same HTML as rendering it each time, never one user's header on another's page, and the parts
that change (unread count, active menu entry, CSRF token) exact on every page."""

import re

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import translation

from alerts.models import Notification
from partnerships.templatetags import passerelle_tags
from tests.factories import UserFactory


def without_tokens(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'data-etag="[^"]*"', "", html)  # the queue's version, new on each page
    return re.sub(r'nonce="[^"]+"', "", html)


def test_a_constant_fragment_sees_only_the_variables_it_names_and_varies_with_them():
    page = engines["django"].from_string(
        "{% load passerelle_tags %}{% constant flag=shown %}[{{ secret }}{% if flag %}on{% endif %}]{% endconstant %}"
    )

    assert page.render({"secret": "alice", "shown": True}) == "[on]"
    assert page.render({"secret": "bob", "shown": False}) == "[]"
    assert page.render({"secret": "carol", "shown": True}) == "[on]"


def test_a_constant_fragment_is_rendered_again_in_another_language():
    page = engines["django"].from_string(
        "{% load i18n passerelle_tags %}"
        "{% constant %}{% get_current_language as language %}{{ language }}{% endconstant %}"
    )

    with translation.override("fr"):
        assert page.render({}) == "fr"
    with translation.override("en"):
        assert page.render({}) == "en"


def render_in_full(node, context):
    with context.push({name: value.resolve(context) for name, value in node.varying.items()}):
        return node.nodelist.render(context)


@pytest.mark.parametrize("path", ["alerts:dashboard", "home", "alerts:notifications", "login"])
def test_pages_with_the_kept_chrome_are_the_pages_rendered_in_full(world, client, monkeypatch, path):
    if path != "login":
        client.force_login(world.officer)
    kept = [without_tokens(client.get(reverse(path)).content.decode()) for _ in range(2)]
    # Without the tag's copy: each fragment rendered each time, within the whole page's context.
    monkeypatch.setattr(passerelle_tags.ConstantNode, "render", render_in_full)

    assert kept[0] == kept[1] == without_tokens(client.get(reverse(path)).content.decode())


def test_each_user_sees_their_own_name_count_and_menu_after_another_user_s_page(world, client):
    other = UserFactory(organisation=world.police, first_name="Zoé", last_name="Autre")
    Notification.objects.create(recipient=world.officer, kind="x", message="une")
    Notification.objects.create(recipient=world.officer, kind="x", message="deux")

    client.force_login(world.officer)
    officer_page = client.get(reverse("alerts:dashboard")).content.decode()
    client.force_login(other)
    other_page = client.get(reverse("alerts:dashboard")).content.decode()
    client.force_login(world.landlord_agent)
    landlord_page = client.get(reverse("alerts:list")).content.decode()

    assert str(world.officer) in officer_page
    assert 'data-unread="2"' in officer_page
    assert str(world.officer) not in other_page
    assert str(other) in other_page
    assert 'data-unread="0"' in other_page
    assert "2 non lues" not in other_page
    assert str(world.officer) not in landlord_page
    assert str(world.landlord_agent) in landlord_page
    assert reverse("alerts:dashboard") not in landlord_page  # a landlord's menu has no triage dashboard


def test_the_unread_count_the_active_menu_entry_and_the_csrf_token_change_with_each_page(world, client):
    client.force_login(world.officer)
    before = client.get(reverse("alerts:dashboard")).content.decode()
    Notification.objects.create(recipient=world.officer, kind="x", message="une")
    after = client.get(reverse("alerts:dashboard")).content.decode()
    elsewhere = client.get(reverse("sites:list")).content.decode()

    assert 'data-unread="0"' in before
    assert 'data-unread="1"' in after
    assert "1 non lue" in after
    assert f'href="{reverse("alerts:dashboard")}" aria-current="page"' in after
    assert f'href="{reverse("alerts:dashboard")}" aria-current="page"' not in elsewhere
    assert f'href="{reverse("sites:list")}" aria-current="page"' in elsewhere
    client.cookies.clear()
    client.force_login(world.officer)
    tokens = {
        re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        for page in (before, client.get(reverse("alerts:dashboard")).content.decode())
    }
    assert len(tokens) == 2


def test_looking_for_the_pages_forms_computes_no_lazy_value_of_the_context():
    from django import forms
    from django.utils.functional import SimpleLazyObject

    class NameForm(forms.Form):
        name = forms.CharField()

    computed = []
    page = engines["django"].from_string(
        "{% load passerelle_tags %}{% error_title_prefix %}|{% form_notices %}"
    )

    html = page.render(
        {"form": NameForm(data={}), "lazy": SimpleLazyObject(lambda: computed.append(1) or [NameForm()])}
    )

    assert html.startswith("Erreur : |")
    assert 'data-testid="error-summary"' in html
    assert computed == []


def notification_counts(queries) -> list[str]:
    """The queries that count notifications, the session's own read apart."""
    return [
        q["sql"] for q in queries if "alerts_notification" in q["sql"] and "django_session" not in q["sql"]
    ]


def test_a_pages_header_takes_its_unread_count_from_the_sessions_own_query(world, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    other = UserFactory(organisation=world.police)
    Notification.objects.create(recipient=world.officer, kind="x", message="une")
    Notification.objects.create(recipient=world.officer, kind="x", message="deux")
    Notification.objects.create(recipient=other, kind="x", message="à l'autre")
    client.force_login(world.officer)

    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("sites:list")).content.decode()

    assert 'data-unread="2"' in page
    assert notification_counts(captured.captured_queries) == []
    client.force_login(other)
    assert 'data-unread="1"' in client.get(reverse("sites:list")).content.decode()


def test_the_count_read_with_the_session_follows_the_notifications_read_since(world, client):
    Notification.objects.create(recipient=world.officer, kind="x", message="une")
    Notification.objects.create(recipient=world.officer, kind="x", message="deux")
    client.force_login(world.officer)
    assert 'data-unread="2"' in client.get(reverse("sites:list")).content.decode()

    client.post(reverse("alerts:notifications"), {"all": "1"})

    assert 'data-unread="0"' in client.get(reverse("sites:list")).content.decode()


def test_a_form_sent_shows_the_count_as_the_view_left_it(world, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # A POST may change what the header counts: its count is read after the view, not with the session.
    Notification.objects.create(recipient=world.officer, kind="x", message="une")
    client.force_login(world.officer)

    with CaptureQueriesContext(connection) as captured:
        client.post(reverse("sites:list"))

    assert all("page_read_" not in q["sql"] for q in captured.captured_queries)
