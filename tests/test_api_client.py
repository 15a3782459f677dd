"""A partner's developer generates a client from the served schema with openapi-python-client and
uses it, nothing hand-made: if the schema misleads generators (bodies, statuses, downloads, types),
this journey breaks. Generation is local and takes a few seconds."""

import importlib
import io
import pkgutil
import subprocess
import sys
import uuid

import httpx
import pytest

from alerts.models import Outcome
from tests.alerts.factories import JPEG, alert_data
from tests.factories import DEFAULT_PASSWORD

PACKAGE = "passerelle_client"


@pytest.fixture(scope="module")
def generated(django_db_setup, live_server, tmp_path_factory, django_db_blocker):
    """The client package generated from /api/schema/ of the running server, imported (once for the
    module: the server's request handling touches the database connection, hence the unblock)."""
    tmp_path = tmp_path_factory.mktemp("client")
    config = tmp_path / "config.yml"
    # No post-hooks: the generator would otherwise run ruff from PATH (formatting only).
    config.write_text(f"post_hooks: []\npackage_name_override: {PACKAGE}\n", encoding="utf-8")
    with django_db_blocker.unblock():
        generate(live_server, config, tmp_path / PACKAGE)
    sys.path.insert(0, str(tmp_path))
    try:
        package = importlib.import_module(PACKAGE)
        # Every operation's module imports (a body typed `X | X | X | Unset` once made one fail).
        for module in pkgutil.walk_packages(package.__path__, f"{PACKAGE}."):
            importlib.import_module(module.name)
        yield package
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def generate(live_server, config, output):
    result = subprocess.run(  # noqa: S603 (our own interpreter and arguments)
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--url",
            f"{live_server.url}/api/schema/?format=json",
            "--config",
            str(config),
            "--meta",
            "none",
            "--output-path",
            str(output),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr  # the generator's warnings, if any


def operation(name: str):
    return importlib.import_module(f"{PACKAGE}.api.v1.{name}")


def model(name: str):
    return getattr(importlib.import_module(f"{PACKAGE}.models"), name)


def client_for(generated, live_server, user=None):
    auth = httpx.BasicAuth(user.email, DEFAULT_PASSWORD) if user else None
    return generated.Client(
        base_url=live_server.url, httpx_args={"auth": auth}, raise_on_unexpected_status=True
    )


def test_a_generated_client_files_follows_and_closes_a_fiche_end_to_end(generated, live_server, world):
    landlord = client_for(generated, live_server, world.landlord_agent)
    officer = client_for(generated, live_server, world.officer)
    facts = alert_data()
    body = model("AlertCreateRequest").from_dict(
        {**facts, "facts_at": facts["facts_at"].isoformat(), "site": world.site_creil.pk, "building": None}
    )
    key = str(uuid.uuid4())

    filed = operation("v1_alerts_create").sync_detailed(client=landlord, body=body, idempotency_key=key)
    replay = operation("v1_alerts_create").sync_detailed(client=landlord, body=body, idempotency_key=key)
    assert (filed.status_code, replay.status_code) == (201, 200)
    alert = filed.parsed
    assert replay.parsed.id == alert.id
    assert alert.reference.startswith("FA-60-")

    photo = generated.types.File(payload=io.BytesIO(JPEG), file_name="hall.jpg", mime_type="image/jpeg")
    uploaded = operation("v1_alerts_attachments_create").sync_detailed(
        id=alert.id, client=landlord, body=model("UploadRequest")(file=photo)
    )
    assert uploaded.status_code == 201
    assert uploaded.parsed.content_type == "image/jpeg"

    seen = operation("v1_alerts_retrieve").sync(id=alert.id, client=officer)
    acknowledged = operation("v1_alerts_acknowledge_create").sync(
        id=alert.id, client=officer, if_match=str(seen.version)
    )
    assert acknowledged.status.value == "acknowledged"
    operation("v1_alerts_feedback_create").sync(
        id=alert.id,
        client=officer,
        body=model("MessageRequest")(message="Deux interpellations."),
        if_match=str(acknowledged.version),
    )
    closed = operation("v1_alerts_close_create").sync(
        id=alert.id,
        client=officer,
        body=model("CloseRequest")(outcome=model("CloseOutcomeEnum")(Outcome.CONTROL)),
    )
    assert closed.status.value == "closed"

    read = operation("v1_alerts_retrieve").sync(id=alert.id, client=landlord)
    events = operation("v1_alerts_events_list").sync(id=alert.id, client=landlord)
    photo_back = operation("v1_alerts_attachments_download_retrieve").sync(
        id=alert.id, attachment_pk=uploaded.parsed.id, client=landlord
    )
    assert read.status.value == "closed"
    assert "Deux interpellations." in [e.message for e in events]
    assert read.outcome.value == Outcome.CONTROL
    assert [e.to_status.value for e in events if e.to_status.value] == [
        "draft",
        "submitted",
        "acknowledged",
        "closed",
    ]
    assert all(isinstance(e.data.additional_properties, dict) for e in events)
    # Bytes, not a dropped response; the photo itself (stripped of its metadata on upload) a JPEG.
    assert photo_back.payload.read().startswith(b"\xff\xd8\xff")


def test_documented_errors_parse_as_the_error_model(generated, live_server, world):
    landlord = client_for(generated, live_server, world.landlord_agent)
    Error = model("Error")
    facts = alert_data()
    body = {**facts, "facts_at": facts["facts_at"].isoformat(), "site": world.site_creil.pk}
    create = operation("v1_alerts_create")
    key = str(uuid.uuid4())
    alert = create.sync(
        client=landlord, body=model("AlertCreateRequest").from_dict(body), idempotency_key=key
    )

    reused = create.sync_detailed(
        client=landlord,
        body=model("AlertCreateRequest").from_dict({**body, "description": "Autre chose"}),
        idempotency_key=key,
    )
    stale = operation("v1_alerts_acknowledge_create").sync_detailed(
        id=alert.id, client=client_for(generated, live_server, world.officer), if_match=str(alert.version - 1)
    )
    anonymous = operation("v1_alerts_list").sync_detailed(client=client_for(generated, live_server))
    hidden = operation("v1_alerts_retrieve").sync_detailed(
        id=alert.id, client=client_for(generated, live_server, world.other_landlord_agent)
    )

    for response, status, code in [
        (reused, 422, "idempotency_key_reused"),
        (stale, 400, "conflict"),
        (anonymous, 401, "not_authenticated"),
        (hidden, 404, "not_found"),
    ]:
        assert response.status_code == status
        assert isinstance(response.parsed, Error), response.content
        assert response.parsed.code == code
        assert response.parsed.message
