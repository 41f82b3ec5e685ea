"""The Celery application, its task base class and its one beat schedule.

Tasks are discovered in every installed app's ``tasks`` module. Services queue work with
``task.delay_on_commit(...)``, so no message is ever sent for a transaction that rolled back.

The task base class, ``SafeDispatchTask``, also makes sure that queueing after a commit can never
undo the user's success: the transaction has committed by then, so a broker that cannot be
reached (or, in eager mode, a task that fails in-process) is logged and swallowed instead of
turning a saved submission into a server error. What is lost that way is recovered elsewhere:
screening by the ``screening.sweep_stuck`` sweeper below, which re-queues every notification left
in submitted/screening.
"""

from __future__ import annotations

import functools
import gc
import logging
import os

from celery import Celery
from celery.contrib.django.task import DjangoTask
from celery.fixups.django import DjangoFixup, DjangoWorkerFixup
from celery.schedules import crontab
from celery.signals import celeryd_init, worker_process_init
from django.db import close_old_connections, transaction
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exportctl.settings")

logger = logging.getLogger(__name__)

#: What publishing raises when the broker cannot be reached. kombu wraps the transport's
#: connection errors in its ``OperationalError`` once its publish retries are spent; the others
#: are what a socket or redis-py raise when an error escapes that wrapping.
BROKER_UNAVAILABLE = (
    KombuOperationalError,
    RedisConnectionError,
    RedisTimeoutError,
    ConnectionError,
    TimeoutError,
)


class SafeDispatchTask(DjangoTask):
    """Celery's Django task whose after-commit dispatch never fails the committed request."""

    def delay_on_commit(self, *args, **kwargs) -> None:
        send = functools.partial(self.delay, *args, **kwargs)
        transaction.on_commit(functools.partial(self._send_committed, send, args, kwargs))

    def apply_async_on_commit(self, args=None, kwargs=None, **options) -> None:
        send = functools.partial(self.apply_async, args, kwargs, **options)
        transaction.on_commit(
            functools.partial(self._send_committed, send, tuple(args or ()), kwargs or {})
        )

    def _send_committed(self, send, args: tuple, kwargs: dict) -> None:
        eager = self.app.conf.task_always_eager
        try:
            send()
        except BROKER_UNAVAILABLE:
            if eager:  # raised by the task itself, not by a broker (there is none in eager mode)
                self._log_eager_failure(args, kwargs)
                return
            logger.error(
                "broker unavailable: task %s args=%r kwargs=%r was not queued after its "
                "transaction committed",
                self.name,
                args,
                kwargs,
                exc_info=True,
            )
        except Exception:
            if not eager:
                raise  # not a broker outage: a bug (e.g. arguments that do not serialise)
            self._log_eager_failure(args, kwargs)

    def _log_eager_failure(self, args: tuple, kwargs: dict) -> None:
        logger.exception(
            "task %s args=%r kwargs=%r failed in-process after its transaction committed",
            self.name,
            args,
            kwargs,
        )


app = Celery("exportctl", task_cls=SafeDispatchTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class KeepingConnectionsFixup(DjangoWorkerFixup):
    """Celery's Django worker fixup, except that a task does not close the database connection
    the next task would open again: around each task only a connection that is broken, left in
    a transaction or older than ``CONN_MAX_AGE`` is closed (``close_old_connections``, as Django
    does around each request), and the next task's first query checks the one kept
    (``CONN_HEALTH_CHECKS``). A connection lost during a task still costs that task one retry,
    on a new connection; one lost between tasks is replaced before the next task's first query.

    Closing after every task cost each screening task ~3 ms of the worker's CPU and ~12 ms of
    PostgreSQL's (a new backend, its catalog caches cold), each e-mail ~1.5 ms and ~8 ms."""

    def on_task_prerun(self, sender, **kwargs) -> None:
        if not getattr(sender.request, "is_eager", False):
            close_old_connections()

    def on_task_postrun(self, sender, **kwargs) -> None:
        if not getattr(sender.request, "is_eager", False):
            close_old_connections()
            self.close_cache()


@celeryd_init.connect
def _keep_database_connections(**_kwargs) -> None:
    """Sent before the worker installs its Django fixup's task hooks (``worker_init``)."""
    for fixup in app._fixups:
        if isinstance(fixup, DjangoFixup):
            fixup.worker_fixup = KeepingConnectionsFixup(app)


@worker_process_init.connect
def _freeze_the_loaded_heap(**_kwargs) -> None:
    """Each pool process keeps what the parent loaded for its whole life: frozen, the garbage
    collector stops walking it on every full collection (as ``exportctl.wsgi`` does for the web
    workers)."""
    gc.collect()
    gc.freeze()


app.conf.beat_schedule = {
    # A lost message or a dead worker must never leave a submission unscreened.
    "screening-sweep-stuck": {
        "task": "screening.sweep_stuck",
        "schedule": 120.0,
    },
    # Likewise a receipt, permit or denial letter whose message was lost is issued later.
    "notifications-sweep-missing-documents": {
        "task": "notifications.sweep_missing_documents",
        "schedule": 600.0,
    },
    # A list import whose message was lost is queued again; one whose worker died is failed.
    "partners-sweep-import-jobs": {
        "task": "partners.sweep_import_jobs",
        "schedule": 120.0,
    },
    # Audit events written while another transaction was sealing wait for the sealer
    # (exportctl/audit/sealer.py): they are chained within seconds, behind their writers.
    "audit-seal": {
        "task": "audit.seal",
        "schedule": 5.0,
    },
    # A signed checkpoint of the audit trail's head, when events were added since the last one.
    "audit-checkpoint": {
        "task": "audit.make_checkpoint",
        "schedule": 600.0,
    },
    "notifications-expire-permits": {
        "task": "notifications.expire_permits",
        "schedule": crontab(minute=5, hour=0),
    },
    # An export ban that starts today suspends its firm's valid permits (the block itself is by
    # date and needs no job; notifications.enforcement).
    "notifications-ban-suspend-permits": {
        "task": "notifications.ban_suspend_permits",
        "schedule": crontab(minute=10, hour=0),
    },
}
