"""The OpenAPI schema and the docs page: valid, warning-free, and served without any CDN."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command

pytestmark = pytest.mark.django_db

DOCS = "/api/v1/docs/"


def test_schema_generation_has_no_warnings_or_errors(tmp_path):
    out = tmp_path / "schema.yaml"

    # --fail-on-warn turns any warning (an unresolvable serializer, an enum collision…) into a
    # failure of the command, which raises here.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))

    schema = out.read_text()
    for path in (
        "/api/v1/auth/token/:",
        "/api/v1/notifications/:",
        "/api/v1/notifications/{public_id}/submit/:",
        "/api/v1/notifications/{public_id}/messages/:",
        "/api/v1/notifications/{public_id}/documents/{document_id}/download/:",
    ):
        assert path in schema


def test_the_schema_is_served_and_documents_the_error_shape_and_idempotency(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = response.json()
    create = schema["paths"]["/api/v1/notifications/"]["post"]
    assert [p["name"] for p in create["parameters"] if p["in"] == "header"] == ["Idempotency-Key"]
    assert set(create["responses"]) >= {"200", "201", "400", "401", "403", "422", "429"}
    assert schema["components"]["schemas"]["ErrorResponse"]["required"] == ["detail", "errors"]
    assert schema["components"]["securitySchemes"]["knoxApiToken"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": 'Token-based authentication with required prefix "Token"',
    }


def _asset_urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


def test_the_docs_page_loads_only_our_own_assets(client):
    response = client.get(DOCS)

    assert response.status_code == 200
    html = response.content.decode()
    urls = _asset_urls(html)
    assert urls  # the stylesheet, the favicon, the bundles and the start-up script
    for url in urls:
        assert url.startswith("/"), url
        assert not url.startswith("//"), url
    assert "cdn" not in html.lower()
    assert "<script>" not in html  # no inline script: the start-up script is its own URL
    for url in urls:
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), url


def test_the_docs_start_up_script_is_served_from_the_same_view(client):
    response = client.get(f"{DOCS}?script=")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    script = response.content.decode()
    assert '"/api/v1/schema/"' in script
    assert "validatorUrl" in script  # switched off: no badge fetched from validator.swagger.io
    assert "https://" not in script and "http://" not in script


def test_only_the_docs_page_relaxes_inline_styles(client, exporter):
    docs = client.get(DOCS)["Content-Security-Policy"]
    client.force_login(exporter)
    elsewhere = client.get("/accounts/tokens/")["Content-Security-Policy"]

    directives = dict(d.strip().split(" ", 1) for d in docs.split(";") if d.strip())
    assert directives["style-src"] == "'self' 'unsafe-inline'"
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in elsewhere
