"""Fixtures for the whole suite.

By default the suite runs on SQLite with Celery tasks executed in-process. When ``REDIS_URL`` is
set (CI always sets it, with ``DATABASE_URL`` pointing at PostgreSQL) the ``task_runner`` fixture
starts a real ``celery worker`` process on the test database and a queue of this test session's
own, so that the task path is exercised exactly as in production.
"""

import importlib
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models.signals import post_migrate
from django.utils import translation

from exportctl.accounts.roles import Role
from exportctl.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent


_audit_trigger = importlib.import_module("exportctl.audit.migrations.0002_append_only_trigger")
# The triggers as 0004 left them: they let the sealer's one update through (audit/sealer.py).
_audit_sealing = importlib.import_module("exportctl.audit.migrations.0004_deferred_sealing")


def _set_audit_trigger(*, installed: bool) -> None:
    with connection.schema_editor() as editor:
        _audit_trigger.uninstall(None, editor)  # DROP ... IF EXISTS: safe when already gone
        if installed:
            _audit_trigger.install(None, editor)
            _audit_sealing.install(None, editor)


def _after_flush(sender, **kwargs) -> None:
    """A transactional test ends with a flush, which empties the role groups the data migrations
    made; Django then sends ``post_migrate``, and this puts the groups (one per ``Role``, so a
    new role's group comes back too) and the audit trigger back before the next test."""
    if sender.label == "audit":
        _set_audit_trigger(installed=True)
        for role in Role:
            Group.objects.get_or_create(name=role.value)


post_migrate.connect(_after_flush, dispatch_uid="tests-restore-after-flush")


#: The browser and the live server, shared by the e2e suite and the language crawl.
pytest_plugins = ["tests.browser"]


@pytest.fixture(autouse=True)
def _flushable_audit_table(request):
    """Tests that commit for real end with a flush of every table; the audit table's trigger
    refuses that (DELETE, and TRUNCATE on PostgreSQL), so it is lifted just before the flush and
    restored by ``_after_flush``. Tests inside a rolled-back transaction keep it throughout."""
    committing = {"transactional_db", "live_server", "task_runner"} & set(request.fixturenames)
    if not committing:
        yield
        return
    request.getfixturevalue("transactional_db")  # set up first, so it is torn down after this
    yield
    _set_audit_trigger(installed=False)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2 is slow by design; tests create many users and are not about hash strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def otp_verify_session(client, user) -> None:
    """Mark ``client``'s session as confirmed by a second factor, as ``force_login`` marks it as
    confirmed by a password: ministry staff must pass both (``two_factor`` middleware)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture(autouse=True)
def _ministry_sessions_pass_the_second_factor(monkeypatch):
    """``Client.force_login``/``login`` of a ministry user also passes the second factor, so tests
    about other things act as a fully signed-in reviewer; ``tests/accounts/test_two_factor.py``
    proves that a session without it is stopped."""
    from django.test import Client

    original_force_login, original_login = Client.force_login, Client.login

    def force_login(self, user, backend=None):
        original_force_login(self, user, backend)
        if user.is_ministry:
            otp_verify_session(self, user)

    def login(self, **credentials):
        from django.http import HttpRequest

        from exportctl.accounts.models import User

        # django-axes checks every authentication against the client's address, so it needs a
        # request; Django's test client passes none.
        credentials.setdefault("request", HttpRequest())
        ok = original_login(self, **credentials)
        email = (credentials.get("username") or credentials.get("email") or "").lower()
        user = User.objects.filter(email=email).first()
        if ok and user is not None and user.is_ministry:
            otp_verify_session(self, user)
        return ok

    monkeypatch.setattr(Client, "force_login", force_login)
    monkeypatch.setattr(Client, "login", login)


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A test that activates a language (a request, a command, ``activate``) does not leave it
    to the next one: every test starts in the default language, as it does when run alone."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Counters kept in the cache (rate limits, the aggregation of refused attempts on the audit
    trail) start at zero in every test: a rolled-back test may hand its user's primary key to the
    next test's user, and a counter of the first must not silence the second."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def english():
    """For tests that assert messages of code running outside a request (services, tasks) in
    English: there, as in a production worker, the portal's default language (Japanese) is
    active. Use with ``pytest.mark.usefixtures("english")``."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    """Uploaded and issued files of one test never leak into another, or into var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media"), "base_url": "/unserved/"},
        },
    }


@pytest.fixture(scope="session")
def audit_checkpoint_key(tmp_path_factory) -> Path:
    """The session's own key for audit checkpoints (EC P-256: made in a millisecond, where the
    3072-bit RSA document key takes a second)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    path = tmp_path_factory.mktemp("audit-key") / "checkpoint-key.pem"
    path.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


@pytest.fixture(autouse=True)
def _isolated_audit_checkpoints(settings, tmp_path, audit_checkpoint_key):
    """Checkpoints of one test never reach another's store, or var/ (where they would stand as
    checkpoints the development database lacks); they are signed with the session's key."""
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "audit-checkpoints"
    settings.AUDIT_CHECKPOINT_KEY = str(audit_checkpoint_key)
    settings.AUDIT_CHECKPOINT_KEY_PASSPHRASE = ""
    settings.AUDIT_CHECKPOINT_RETIRED_KEYS = []


@pytest.fixture
def eager_tasks():
    """Run queued tasks in-process even when a broker is configured: for tests of what a task
    does, not of how it travels (``task_runner`` covers the real worker)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _tasks_in_process_unless_a_worker_is_tested(request):
    """With a broker configured (CI), only tests of how tasks travel — those using
    ``task_runner`` or marked ``worker`` — send messages to a real worker; every other test runs
    its tasks in-process exactly as on the embedded default, so it behaves the same in both."""
    if "task_runner" in request.fixturenames or request.node.get_closest_marker("worker"):
        yield
        return
    request.getfixturevalue("eager_tasks")
    yield


@pytest.fixture(scope="session")
def celery_test_queue():
    """A queue name of this session's own, so stale messages of earlier runs are never consumed."""
    queue = f"exportctl-test-{uuid.uuid4().hex[:12]}"
    celery_app.conf.task_default_queue = queue
    # E-mail travels on a queue of its own (settings.MAIL_QUEUE); this session's is its own too,
    # and the test worker consumes both (``task_runner``).
    previous_routes = celery_app.conf.task_routes
    _set_routes(_routes_with_mail_queue(mail_queue_of(queue)))
    yield queue
    _set_routes(previous_routes)
    if settings.REDIS_URL:
        import redis

        redis.Redis.from_url(settings.REDIS_URL).delete(queue, mail_queue_of(queue))


def _set_routes(routes) -> None:
    """Celery prepares its routing table and router once; both are rebuilt from ``routes``."""
    celery_app.conf.task_routes = routes
    celery_app.amqp.flush_routes()
    celery_app.amqp.router = celery_app.amqp.Router()


def mail_queue_of(queue: str) -> str:
    return f"{queue}-mail"


def _routes_with_mail_queue(mail_queue: str) -> dict:
    return {
        name: {**route, "queue": mail_queue} if route["queue"] == settings.MAIL_QUEUE else route
        for name, route in settings.CELERY_TASK_ROUTES.items()
    }


def _database_url_for_worker() -> str:
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise RuntimeError("a real worker needs PostgreSQL (set DATABASE_URL)")
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


class TaskRunner:
    """Where queued tasks run: a real worker process, or in-process (embedded default)."""

    def __init__(self, process: subprocess.Popen | None, mail_dir: Path):
        self.process = process
        self.mail_dir = mail_dir

    @property
    def is_real_worker(self) -> bool:
        return self.process is not None

    def wait_for(self, condition, *, timeout: float = 60.0, interval: float = 0.2):
        """Poll ``condition`` until it returns something truthy; fail with the worker's log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = condition()
            if result:
                return result
            if self.process is not None and self.process.poll() is not None:
                break
            time.sleep(interval)
        raise AssertionError(f"condition not met within {timeout}s; worker log:\n{self.log()}")

    def log(self) -> str:
        path = self.mail_dir.parent / "worker.log"
        return path.read_text(errors="replace")[-6000:] if path.exists() else "(in-process)"

    def sent_mail(self) -> list[str]:
        if self.process is None:
            from django.core import mail

            return [f"To: {', '.join(m.to)}\nSubject: {m.subject}\n\n{m.body}" for m in mail.outbox]
        return [p.read_text() for p in sorted(self.mail_dir.glob("*.log"))]


@pytest.fixture
def task_runner(transactional_db, celery_test_queue, tmp_path, settings):
    """Run queued tasks for real: a ``celery worker`` process when Redis is configured."""
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    if not settings.REDIS_URL:
        yield TaskRunner(None, mail_dir)
        return
    env = {
        **os.environ,
        "DATABASE_URL": _database_url_for_worker(),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "EXPORTCTL_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "EXPORTCTL_AUDIT_CHECKPOINT_DIR": str(settings.AUDIT_CHECKPOINT_DIR),
        "EXPORTCTL_AUDIT_CHECKPOINT_KEY": str(settings.AUDIT_CHECKPOINT_KEY),
        "EXPORTCTL_MAIL_QUEUE": mail_queue_of(celery_test_queue),
    }
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed after the worker stops
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "exportctl",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            "2",
            "--queues",
            f"{celery_test_queue},{mail_queue_of(celery_test_queue)}",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    runner = TaskRunner(process, mail_dir)
    try:
        runner.wait_for(lambda: "ready." in runner.log(), timeout=60)
        yield runner
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


# --- Two processes at once (pytest-xdist: `make test` runs ``-n 2``) -------------------------
#
# Each xdist worker has a test database of its own (pytest-django suffixes ``_gw0``, ``_gw1``).
# Redis needs the same: ``_empty_cache`` empties the cache (FLUSHDB) before and after every test,
# and in CI the cache is the Redis database of the Celery broker, so a worker sharing it would
# wipe the other's queues and counters mid-test. Each worker process therefore starts with a
# REDIS_URL of its own, the next databases after the configured one (…/0 gives …/1 and …/2):
# set in the process's environment before it starts pytest, so Django's settings, the Celery
# app and the ``celery worker`` subprocesses of ``task_runner`` (which inherit the environment)
# all read it. tests/test_parallel.py checks that it took effect.


#: The REDIS_URL the session was started with, as each xdist worker's environment records it.
SESSION_REDIS_URL_ENV = "EXPORTCTL_TESTS_SESSION_REDIS_URL"


def redis_url_of_worker(url: str, index: int) -> str:
    """``url`` with the Redis database of the ``index``-th xdist worker: 1 + index past its own."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    database = base + 1 + index
    if database > 15:  # redis-server's default ``databases 16``
        raise pytest.UsageError(
            f"REDIS_URL {url}: worker {index} would need Redis database {database} (max 15); "
            "point REDIS_URL at a lower database or run fewer workers"
        )
    return urlunsplit(parts._replace(path=f"/{database}"))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_setupnodes(config, specs):
    """In the controller, before the workers start: give each its own Redis database (above)."""
    url = os.environ.get("REDIS_URL")
    if not url:
        return
    for index, spec in enumerate(specs):  # started in this order: gw0, gw1, ...
        spec.env["REDIS_URL"] = redis_url_of_worker(url, index)
        spec.env[SESSION_REDIS_URL_ENV] = url  # for tests/test_parallel.py to check against


def _is_xdist_worker(config) -> bool:
    return hasattr(config, "workerinput")


# --- Tests that need PostgreSQL (row locks, concurrent transactions) ------------------------
#
# On the default SQLite a ``select_for_update`` is a no-op and concurrent transactions cannot
# be tried, so the tests marked ``postgres`` are skipped there. When PostgreSQL is reachable
# (DATABASE_URL, or 127.0.0.1:5432), they are run at the end of the session in a pytest process
# of their own on a PostgreSQL test database, and a failure there fails the session. The
# terminal summary says how many ran there and how many were skipped, and why.
#
# Tests that also need a real worker (``worker``: Redis and ``celery worker`` subprocesses)
# are not run in that process; they run where the whole stack is configured (CI).

#: The environment variable that marks the process running the PostgreSQL tests.
_POSTGRES_RUN_ENV = "EXPORTCTL_POSTGRES_TESTS_RUN"


def _postgres_reachable(host: str = "127.0.0.1", port: int = 5432) -> bool:
    import socket

    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _postgres_url_for_locks() -> str | None:
    """Where the PostgreSQL tests can run: DATABASE_URL when it is PostgreSQL, else the local
    server (trust authentication, user postgres, as on the development machine), else None."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url
    if _postgres_reachable():
        # A database name of this run's own: Django creates ``test_<name>`` and drops it after,
        # so concurrent sessions on one server do not meet.
        return f"postgres://postgres@127.0.0.1:5432/exportctl_locks_{os.getpid()}"
    return None


def _on_sqlite() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"


_postgres_tests: dict = {"selected": [], "skipped": {}, "ran": None, "url": None}
#: Where an xdist worker hands ``_postgres_tests`` to the controller (``workeroutput``).
_POSTGRES_TESTS_KEY = "exportctl_postgres_tests"


def pytest_collection_modifyitems(config, items):
    if not _on_sqlite():
        return
    url = _postgres_url_for_locks()
    _postgres_tests["url"] = url
    for item in items:
        if item.get_closest_marker("postgres") is None:
            continue
        if item.get_closest_marker("worker") is not None:
            reason = "needs PostgreSQL and a real Celery worker on redis-server (CI runs it)"
        elif url is None:
            reason = "needs PostgreSQL: none reachable (set DATABASE_URL or start 127.0.0.1:5432)"
        else:
            reason = "needs PostgreSQL: run in a separate pytest process on PostgreSQL (below)"
        item.add_marker(pytest.mark.skip(reason=reason))


def pytest_collection_finish(session):
    if not _on_sqlite() or os.environ.get(_POSTGRES_RUN_ENV):
        return
    for item in session.items:
        if item.get_closest_marker("postgres") is None:
            continue
        skip = item.get_closest_marker("skip")
        reason = skip.kwargs.get("reason", "") if skip else ""
        if _postgres_tests["url"] and item.get_closest_marker("worker") is None:
            _postgres_tests["selected"].append(item.nodeid)
        else:
            _postgres_tests["skipped"].setdefault(reason, []).append(item.nodeid)
    if _is_xdist_worker(session.config):
        # Under xdist the workers collect and the controller runs the PostgreSQL process once:
        # every worker collects the whole suite, so any one worker's lists are the session's.
        session.config.workeroutput[_POSTGRES_TESTS_KEY] = _postgres_tests


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """In the xdist controller: take the PostgreSQL tests' lists from the first worker."""
    found = getattr(node, "workeroutput", {}).get(_POSTGRES_TESTS_KEY)
    if found and not (_postgres_tests["selected"] or _postgres_tests["skipped"]):
        _postgres_tests.update(found)


def pytest_sessionfinish(session, exitstatus):
    """Run the selected PostgreSQL tests in their own process; a failure fails the session."""
    selected = _postgres_tests["selected"]
    if _is_xdist_worker(session.config):
        return  # the controller runs them, once (``pytest_testnodedown``)
    if not selected or session.config.option.collectonly or session.shouldstop:
        return
    env = {
        **os.environ,
        "DATABASE_URL": _postgres_tests["url"],
        _POSTGRES_RUN_ENV: "1",
    }
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rfEs", *selected],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        capture_output=True,
        text=True,
    )
    _postgres_tests["ran"] = (done.returncode, done.stdout, time.monotonic() - started)
    if done.returncode != 0 and session.exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not _on_sqlite() or os.environ.get(_POSTGRES_RUN_ENV) or _is_xdist_worker(config):
        return
    selected, skipped = _postgres_tests["selected"], _postgres_tests["skipped"]
    if not selected and not skipped:
        return
    write = terminalreporter.write_line
    terminalreporter.section("tests that need PostgreSQL (row locks, concurrency)")
    ran = _postgres_tests["ran"]
    if selected and ran is not None:
        returncode, stdout, seconds = ran
        last = stdout.strip().splitlines()[-1] if stdout.strip() else "(no output)"
        verdict = "PASSED" if returncode == 0 else "FAILED"
        write(
            f"{len(selected)} test(s) skipped on SQLite were run on PostgreSQL in a separate "
            f"process ({seconds:.0f} s): {verdict} — {last}",
            green=returncode == 0,
            red=returncode != 0,
            bold=True,
        )
        if returncode != 0:
            write(stdout[-6000:])
    elif selected:
        write(
            f"{len(selected)} test(s) needing PostgreSQL were NOT run (the session stopped early).",
            yellow=True,
            bold=True,
        )
    for reason, nodeids in skipped.items():
        write(
            f"{len(nodeids)} test(s) needing PostgreSQL SKIPPED: {reason}", yellow=True, bold=True
        )
