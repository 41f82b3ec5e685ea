"""Finding 10: DEBUG is off unless it is asked for. A deployment that forgets DJANGO_DEBUG gets
production settings (and must then give a secret key), never tracebacks and settings for anyone;
`make run` and the test suite ask for DEBUG explicitly."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: Settings are read at start-up, so each case is a fresh interpreter. The repository's own
#: ``.env`` (a developer's) is not read, so that the case sees only the environment it is given.
READ_SETTINGS = """
import json, environ
environ.Env.read_env = classmethod(lambda cls, *args, **kwargs: None)
import django
django.setup()
from django.conf import settings
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "DEMO_MODE": settings.DEMO_MODE,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "SECURE_SSL_REDIRECT": getattr(settings, "SECURE_SSL_REDIRECT", False),
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
}))
"""


def _settings(tmp_path, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("EXPORTCTL_", "DJANGO_"))}
    clean |= {"DJANGO_SETTINGS_MODULE": "exportctl.settings", "EXPORTCTL_VAR_DIR": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "-c", READ_SETTINGS],
        env=clean | env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


def test_without_django_debug_the_settings_are_production_ones(tmp_path):
    result = _settings(tmp_path, DJANGO_SECRET_KEY="k" * 50)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "DEBUG": False,
        "DEMO_MODE": False,
        "ALLOWED_HOSTS": [],
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
    }


def test_without_django_debug_or_a_secret_key_it_refuses_to_start(tmp_path):
    result = _settings(tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize("value", ["true", "1", "yes"])
def test_debug_is_on_only_when_asked_for(tmp_path, value):
    result = _settings(tmp_path, DJANGO_DEBUG=value)
    assert result.returncode == 0, result.stderr
    read = json.loads(result.stdout.strip().splitlines()[-1])
    assert read["DEBUG"] is True
    assert read["DEMO_MODE"] is True
    assert read["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost", "[::1]"]


def _make_dry_run(tmp_path, target: str, *, dotenv: str | None = None, **env) -> str:
    """``make -n TARGET`` on a copy of the Makefile, in a folder where the install looks done, so
    that only the commands of the target are printed (nothing runs)."""
    make = shutil.which("make")
    if make is None:
        pytest.fail("make is not installed; the README's commands need it")
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / "screening" / "matching").mkdir(parents=True)
    for name in ("pyproject.toml", "uv.lock", "screening/matching/native.py"):
        (tmp_path / name).touch()
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "uv").touch()
    (tmp_path / ".venv" / ".installed").touch()
    if dotenv is not None:
        (tmp_path / ".env").write_text(dotenv)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("EXPORTCTL_", "DJANGO_"))}
    clean.pop("MAKEFLAGS", None)
    result = subprocess.run(
        [make, "-n", target],
        cwd=tmp_path,
        env=clean | env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_make_run_asks_for_debug_for_every_command_it_runs(tmp_path):
    out = _make_dry_run(tmp_path, "run")
    for command in ("compilemessages", "migrate", "seed_demo", "collectstatic", "runserver"):
        [line] = [line for line in out.splitlines() if f"manage.py {command}" in line]
        assert "DJANGO_DEBUG=true " in line, line
    [honcho] = [line for line in out.splitlines() if "honcho" in line]
    assert "DJANGO_DEBUG=true " in honcho


@pytest.mark.parametrize(
    ("env", "dotenv"), [({"DJANGO_DEBUG": "false"}, None), ({}, "DJANGO_DEBUG=false\n")]
)
def test_make_keeps_what_the_environment_or_dotenv_says(tmp_path, env, dotenv):
    out = _make_dry_run(tmp_path, "run", dotenv=dotenv, **env)
    assert "manage.py runserver" in out
    assert "DJANGO_DEBUG=true" not in out


def test_the_test_suite_asks_for_debug_explicitly():
    """The suite runs on the embedded default because its settings module asks for it, not
    because it is the default (pytest-django then runs each test with DEBUG off)."""
    from django.conf import settings

    assert os.environ["DJANGO_SETTINGS_MODULE"] == "exportctl.settings_for_tests"
    # In the environment too, so that the processes the suite starts read the same settings.
    assert os.environ["DJANGO_DEBUG"].lower() in {"true", "on", "yes", "1"}
    assert settings.DEMO_MODE is True
