"""Builders for the auditor's tests: an auditor, and a case the screening worker really flagged
(its end user, filed under a misspelling, is on the End User List)."""

import pytest

from notifications.models import Notification, Party
from notifications.services import notification_submit
from notifications.workflow import Status
from tests.factories import ExporterFactory, UserFactory, ready_notification
from tests.screening.test_services import EUL_SAMPLE, make_tiers, publish_eul

SHARIF = (9001, "IR", "Sharif University of Technology", "", ["SUT"], "BCMN", False)


@pytest.fixture
def auditor(db):
    return UserFactory(roles=["auditor"], firm=None, email="auditor@meti.example.jp")


@pytest.fixture
def auditor_client(client, auditor):
    client.force_login(auditor)
    return client


@pytest.fixture
def eul(db):
    make_tiers()
    return publish_eul([*EUL_SAMPLE, SHARIF])


@pytest.fixture
def file_case(eul, django_capture_on_commit_callbacks, eager_tasks):
    """``file_case(party=..., local_name=...)``: filed and submitted through the services; the
    screening task runs in-process when the submission commits."""

    def make(*, party: str, local_name: str = "", country: str = "IR") -> Notification:
        exporter = ExporterFactory()
        notification = ready_notification(
            firm=exporter.firm, created_by=exporter, destination_country=country
        )
        Party.objects.filter(notification=notification).update(
            name=party, local_name=local_name, country=country
        )
        with django_capture_on_commit_callbacks(execute=True):
            notification_submit(
                notification=notification, actor=exporter, declaration_accepted=True
            )
        notification.refresh_from_db()
        assert notification.status in (Status.UNDER_REVIEW, Status.CLEARED), notification.status
        return notification

    return make
