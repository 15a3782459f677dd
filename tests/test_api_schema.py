import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator


def test_the_openapi_schema_generates_and_validates_for_every_endpoint(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--file", str(target))
    text = target.read_text(encoding="utf-8")
    for path in ("/api/v1/sites/", "/api/v1/alerts/", "/api/v1/conventions/"):
        assert f"{path}:" in text, path


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield method, path, operation


def test_request_bodies_are_json_and_only_the_upload_is_multipart(schema):
    bodies = {
        (method, path): list(operation["requestBody"]["content"])
        for method, path, operation in operations(schema)
        if "requestBody" in operation
    }

    assert bodies.pop(("post", "/api/v1/alerts/{id}/attachments/")) == ["multipart/form-data"]
    assert bodies  # filing, transitions, comments, the estate's PATCH
    assert set(map(tuple, bodies.values())) == {("application/json",)}


def test_every_operation_documents_the_401_that_anonymous_requests_get(schema):
    for method, path, operation in operations(schema):
        assert "401" in operation["responses"], (method, path)
    assert {"basicAuth": []} in schema["paths"]["/api/v1/alerts/"]["get"]["security"]


def test_the_attachment_download_is_binary_for_generators_and_its_id_an_integer(schema):
    download = schema["paths"]["/api/v1/alerts/{id}/attachments/{attachment_pk}/download/"]["get"]
    content = download["responses"]["200"]["content"]
    parameters = {p["name"]: p["schema"] for p in download["parameters"]}

    assert next(iter(content)) == "application/octet-stream"
    assert {"image/jpeg", "image/png", "application/pdf"} <= set(content)
    assert all(media["schema"] == {"type": "string", "format": "binary"} for media in content.values())
    assert parameters["attachment_pk"]["type"] == parameters["id"]["type"] == "integer"


def test_filing_documents_the_replay_the_reused_key_and_the_key_scope(schema):
    filing = schema["paths"]["/api/v1/alerts/"]["post"]
    header = next(p for p in filing["parameters"] if p["name"] == "Idempotency-Key")

    assert {"200", "201", "422"} <= set(filing["responses"])
    assert filing["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert "utilisateur" in header["description"]
    assert "422" in header["description"]


def test_the_upload_documents_its_idempotency_key_the_replay_and_the_reused_key(schema):
    upload = schema["paths"]["/api/v1/alerts/{id}/attachments/"]["post"]
    header = next(p for p in upload["parameters"] if p["name"] == "Idempotency-Key")

    assert {"200", "201", "422"} <= set(upload["responses"])
    assert header["in"] == "header"
    assert header["schema"]["pattern"].startswith("^[0-9a-fA-F]{8}")
    assert "422" in header["description"]


def test_counters_flags_and_event_details_are_typed(schema):
    components = schema["components"]["schemas"]
    indicators = components["Indicators"]["properties"]
    filters = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/alerts/"]["get"]["parameters"]}

    for name in ("total", "staff_aggressions", "complaints_filed", "redirections", "problems_resolved"):
        assert [option["type"] for option in indicators[name]["oneOf"]] == ["integer", "string"], name
    assert components["MonthCount"]["properties"]["count"] == indicators["total"]
    assert components["Hours"]["properties"]["median"]["type"] == "number"
    assert components["Hotspot"]["properties"]["count"]["type"] == "integer"
    assert components["Event"]["properties"]["data"]["type"] == "object"
    assert filters["overdue"]["type"] == filters["due_soon"]["type"] == "boolean"


def test_the_schema_names_the_server_from_the_site_url(schema, settings):
    assert schema["servers"] == [{"url": settings.SITE_URL, "description": "Passerelle"}]
