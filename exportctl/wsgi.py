import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exportctl.settings")
application = get_wsgi_application()


def load_what_the_first_request_would():
    """The URL patterns (and with them every view, serializer and WeasyPrint) and each language's
    translations, which Django loads on a process's first requests. Loaded here, in gunicorn's
    master (``--preload``), a worker forked after another's ``--max-requests`` starts with them:
    loading them in the worker cost it 1 s of CPU on a quiet machine, 2-3 s under load (issue 23,
    measured under gunicorn)."""
    from django.conf import settings
    from django.conf.urls.i18n import is_language_prefix_patterns_used
    from django.db import connections
    from django.urls import get_resolver
    from django.utils import translation

    resolver = get_resolver()
    is_language_prefix_patterns_used(settings.ROOT_URLCONF)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            resolver.reverse_dict  # noqa: B018 - populated per language, on first use
    # Nothing above should have connected; a connection made in the master must not be shared
    # by its forks.
    connections.close_all()


load_what_the_first_request_would()

# Everything loaded so far (modules, classes, settings: ~230,000 objects) lives as long as the
# process. Frozen, the cyclic garbage collector stops walking it on every full collection of a
# request's garbage: about a tenth of a filing's CPU (issue 23, measured in-process).
gc.collect()
gc.freeze()
