"""Documents whose message was lost (broker outage, dead worker) are issued by the sweeper."""

import datetime

import pytest
from django.utils import timezone

from notifications.documents.selectors import missing_documents
from notifications.documents.tasks import sweep_missing_documents
from notifications.models import Document, DocumentKind, Notification, Permit

pytestmark = pytest.mark.django_db


def _age(notification, minutes=30):
    past = timezone.now() - datetime.timedelta(minutes=minutes)
    Notification.objects.filter(pk=notification.pk).update(updated_at=past)
    Permit.objects.filter(notification=notification).update(created_at=past)


def test_due_documents_older_than_the_grace_period_are_listed(
    cleared_case, approved_case, denied_case
):
    for case in (cleared_case, approved_case, denied_case):
        _age(case)
    due = missing_documents(changed_before=timezone.now(), limit=10)
    assert sorted(due) == sorted(
        [
            (cleared_case.pk, DocumentKind.RECEIPT),
            (approved_case.pk, DocumentKind.PERMIT),
            (denied_case.pk, DocumentKind.DENIAL_LETTER),
        ]
    )


def test_recent_cases_are_left_to_the_normal_path(cleared_case):
    assert (
        missing_documents(changed_before=timezone.now() - datetime.timedelta(minutes=10), limit=10)
        == []
    )


def test_the_sweeper_issues_each_missing_document_once(cleared_case, approved_case, eager_tasks):
    _age(cleared_case)
    _age(approved_case)

    assert sweep_missing_documents() == 2
    assert sweep_missing_documents() == 0  # issued: nothing left to do

    assert (
        Document.objects.filter(notification=cleared_case, kind=DocumentKind.RECEIPT).count() == 1
    )
    permit = Permit.objects.get(notification=approved_case)
    assert permit.document is not None and permit.document.kind == DocumentKind.PERMIT
