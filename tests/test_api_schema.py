from django.core.management import call_command


def test_the_openapi_schema_generates_and_validates_for_every_endpoint(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--file", str(target))
    text = target.read_text(encoding="utf-8")
    for path in ("/api/v1/sites/", "/api/v1/alerts/", "/api/v1/conventions/"):
        assert f"{path}:" in text, path
