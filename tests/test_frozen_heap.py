"""The web and worker processes freeze what they loaded at start, so the garbage collector stops
walking it on every full collection (issue 23: about a tenth of a filing's CPU)."""

import subprocess
import sys

from django.conf import settings


def _frozen_after(code: str) -> int:
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
        env={"DJANGO_SETTINGS_MODULE": "exportctl.settings", "DJANGO_DEBUG": "true", "PATH": ""},
    )
    return int(done.stdout.strip().splitlines()[-1])


def test_loading_the_wsgi_application_freezes_the_heap():
    frozen = _frozen_after("import gc, exportctl.wsgi; print(gc.get_freeze_count())")
    assert frozen > 50_000


def test_a_worker_pool_process_freezes_the_heap_at_start():
    frozen = _frozen_after(
        "import gc, django; django.setup(); from exportctl.celery import app; "
        "from celery.signals import worker_process_init; "
        "worker_process_init.send(sender=None); print(gc.get_freeze_count())"
    )
    assert frozen > 50_000
