"""Settings for the test suite (pyproject's ``DJANGO_SETTINGS_MODULE`` for pytest).

The suite runs on the embedded default, as ``make run`` does: it asks for DEBUG explicitly, since
``exportctl.settings`` turns it off unless asked for, and the settings derived from it at import
(a development secret key, local ALLOWED_HOSTS and PUBLIC_BASE_URL, demo mode, static files from
the finders, no HTTPS redirect) are what the tests are written against. pytest-django still runs
each test with ``settings.DEBUG = False``, as Django's own runner does. The variable is set in the
environment, not only here, so that the processes the suite starts (a Celery worker,
``manage.py`` commands) read the same settings; an explicit ``DJANGO_DEBUG`` in the environment
is kept.
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "true")

from exportctl.settings import *  # noqa: E402, F403
