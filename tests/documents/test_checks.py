"""`manage.py check --deploy` refuses a production whose documents would point nowhere: the QR
code and printed /verify/ address come from PUBLIC_BASE_URL, which must be a public https URL."""

import pytest
from django.core.checks import ERROR, Error, run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from notifications.documents.checks import E001


def _deploy_errors() -> list[Error]:
    return [m for m in run_checks(include_deployment_checks=True) if m.id == E001]


@pytest.mark.parametrize(
    "url",
    ["", "http://portal.example.go.jp", "https://127.0.0.1:8000", "https://localhost", "portal"],
)
def test_production_without_a_public_https_base_url_fails_the_deploy_check(settings, url):
    settings.DEBUG = False
    settings.PUBLIC_BASE_URL = url
    errors = _deploy_errors()
    assert len(errors) == 1
    assert errors[0].level == ERROR
    assert "EXPORTCTL_PUBLIC_BASE_URL" in errors[0].hint
    with pytest.raises(SystemCheckError, match=E001):
        call_command("check", "--deploy", "--tag", "security")


def test_production_with_a_public_https_base_url_passes(settings):
    settings.DEBUG = False
    settings.PUBLIC_BASE_URL = "https://portal.example.go.jp"
    assert _deploy_errors() == []


def test_the_embedded_default_is_not_held_to_it(settings):
    settings.DEBUG = True
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    assert _deploy_errors() == []


def test_the_check_runs_only_with_deploy(settings):
    settings.DEBUG = False
    settings.PUBLIC_BASE_URL = ""
    assert [m for m in run_checks() if m.id == E001] == []


def test_the_setting_is_read_from_the_environment_and_defaults_by_mode(tmp_path):
    """Settings are read at start-up: a fresh interpreter shows what each environment gives."""
    import json
    import os
    import subprocess
    import sys

    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps([settings.PUBLIC_BASE_URL, hasattr(settings, 'SITE_URL')]))"
    )

    def read(**env):
        base = {k: v for k, v in os.environ.items() if not k.startswith(("EXPORTCTL_", "DJANGO_"))}
        base |= {"DJANGO_SETTINGS_MODULE": "exportctl.settings", "EXPORTCTL_VAR_DIR": str(tmp_path)}
        result = subprocess.run(
            [sys.executable, "-c", code], env=base | env, capture_output=True, text=True, check=True
        )
        return json.loads(result.stdout.strip().splitlines()[-1])

    # One setting for every absolute link (e-mails and documents): no second name to drift.
    assert read(DJANGO_DEBUG="true") == ["http://127.0.0.1:8000", False]
    production = {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "x" * 50}
    assert read(**production) == ["", False]
    assert read(**production, EXPORTCTL_PUBLIC_BASE_URL="https://portal.example.go.jp/") == [
        "https://portal.example.go.jp",
        False,
    ]
    assert read(**production, EXPORTCTL_SITE_URL="https://old.example.go.jp") == [
        "https://old.example.go.jp",
        False,
    ]
