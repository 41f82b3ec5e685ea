"""Loading the WSGI application (what gunicorn's master does with ``--preload``) loads what a
process's first requests would otherwise load, so that each worker forked from it (also one
replacing a worker after its ``--max-requests``) starts with it (issue 23: about 3 s of CPU per
new worker). It must not leave a database connection open for the forks to share, nor start a
thread (a fork copies only the thread that forks)."""

import json
import os
import subprocess
import sys

from django.conf import settings

PROBE = """
import json, sys, threading
import exportctl.wsgi
from django.conf import settings
from django.db import connections
from django.urls import get_resolver
from django.utils.translation import trans_real
resolver = get_resolver()
print(json.dumps({
    "urlconf": settings.ROOT_URLCONF in sys.modules,
    "api_views": "notifications.api.views" in sys.modules,
    "populated": sorted(resolver._reverse_dict),
    "translations": sorted(trans_real._translations),
    "open_connections": [a for a in connections if connections[a].connection is not None],
    "threads": [t.name for t in threading.enumerate()],
}))
"""


def _loaded() -> dict:
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", PROBE],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
        env={
            "DJANGO_SETTINGS_MODULE": "exportctl.settings",
            "DJANGO_DEBUG": "true",
            "PATH": "",
            # On the PostgreSQL + Redis run, the probe loads against them too.
            **{k: v for k, v in os.environ.items() if k in ("DATABASE_URL", "REDIS_URL")},
        },
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_loading_the_wsgi_application_loads_urls_and_translations_opens_nothing():
    loaded = _loaded()
    languages = sorted(code for code, _name in settings.LANGUAGES)
    assert loaded["urlconf"]
    assert loaded["api_views"]
    assert loaded["populated"] == languages
    assert set(languages) <= set(loaded["translations"])
    assert loaded["open_connections"] == []
    assert loaded["threads"] == ["MainThread"]
