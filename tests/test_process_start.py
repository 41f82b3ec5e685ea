"""What a web or worker process does once, at start, so that its requests and tasks need not
(issue 23), each checked in a fresh interpreter:

* loading the WSGI application (what gunicorn's master does with ``--preload``) loads the URL
  patterns and translations a process's first requests would otherwise load, so each worker forked
  from it (also one replacing a worker after its ``--max-requests``) starts with them (about 3 s of
  CPU per new worker). It must not leave a database connection open for the forks to share, nor
  start a thread (a fork copies only the thread that forks);
* the web and worker processes freeze what they loaded, so the garbage collector stops walking it
  on every full collection (about a tenth of a filing's CPU)."""

import json
import os
import subprocess
import sys

from django.conf import settings

LOADED = """
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


def _last_line(code: str) -> str:
    """The last line ``code`` prints, run in a new interpreter with the project's settings."""
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
        env={
            "DJANGO_SETTINGS_MODULE": "exportctl.settings",
            "DJANGO_DEBUG": "true",
            "PATH": "",
            # On the PostgreSQL + Redis run, the process loads against them too.
            **{k: v for k, v in os.environ.items() if k in ("DATABASE_URL", "REDIS_URL")},
        },
    )
    return done.stdout.strip().splitlines()[-1]


def test_loading_the_wsgi_application_loads_urls_and_translations_opens_nothing():
    loaded = json.loads(_last_line(LOADED))
    languages = sorted(code for code, _name in settings.LANGUAGES)
    assert loaded["urlconf"]
    assert loaded["api_views"]
    assert loaded["populated"] == languages
    assert set(languages) <= set(loaded["translations"])
    assert loaded["open_connections"] == []
    assert loaded["threads"] == ["MainThread"]


def test_loading_the_wsgi_application_freezes_the_heap():
    frozen = _last_line("import gc, exportctl.wsgi; print(gc.get_freeze_count())")
    assert int(frozen) > 50_000


def test_a_worker_pool_process_freezes_the_heap_at_start():
    frozen = _last_line(
        "import gc, django; django.setup(); from exportctl.celery import app; "
        "from celery.signals import worker_process_init; "
        "worker_process_init.send(sender=None); print(gc.get_freeze_count())"
    )
    assert int(frozen) > 50_000
