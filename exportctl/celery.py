"""The Celery application and its one beat schedule.

Tasks are discovered in every installed app's ``tasks`` module and use Celery's Django task class,
so services can queue work with ``task.delay_on_commit(...)`` and never send a message for a
transaction that rolled back.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exportctl.settings")

app = Celery("exportctl", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # A lost message or a dead worker must never leave a submission unscreened.
    "screening-sweep-stuck": {
        "task": "screening.sweep_stuck",
        "schedule": 120.0,
    },
    "notifications-expire-permits": {
        "task": "notifications.expire_permits",
        "schedule": crontab(minute=5, hour=0),
    },
}
