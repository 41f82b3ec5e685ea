"""Every page carries the security headers; the CSP allows no inline script or style."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = ["accounts:login", "healthz"]


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_security_headers_on_public_pages(client, name):
    response = client.get(reverse(name))
    csp = response["Content-Security-Policy"]
    directives = dict(
        (part.strip().split(" ", 1) + [""])[:2] for part in csp.split(";") if part.strip()
    )
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_hsts_is_sent_over_https_in_production(client, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = client.get(reverse("accounts:login"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_session_and_csrf_cookies_are_http_only_or_same_site(client):
    response = client.get(reverse("accounts:login"))
    csrf = response.cookies["csrftoken"]
    assert csrf["samesite"] == "Lax"


def test_a_form_post_without_the_csrf_token_is_refused():
    from django.test import Client

    from exportctl.audit.models import AuditEvent

    client = Client(enforce_csrf_checks=True)
    events = AuditEvent.objects.count()
    response = client.post(
        reverse("accounts:login"), {"username": "x@example.com", "password": "wrong-password"}
    )
    assert response.status_code == 403
    assert AuditEvent.objects.count() == events  # not even a failed login was processed
