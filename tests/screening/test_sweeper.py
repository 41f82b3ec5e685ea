"""The sweeper restarts a publication's re-screen whose queued fan-out was lost."""

import datetime

import pytest
from django.utils import timezone

from partners.models import ListSource, ListVersion, ListVersionStatus
from screening.tasks import sweep_stuck

pytestmark = pytest.mark.django_db


def _published(minutes_ago: int, **fields) -> ListVersion:
    source, _ = ListSource.objects.get_or_create(
        code="meti-eul", defaults={"name": "End User List", "authority": "METI"}
    )
    return ListVersion.objects.create(
        source=source,
        label=f"v{minutes_ago}",
        status=fields.pop("status", ListVersionStatus.PUBLISHED),
        published_at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
        **fields,
    )


def test_a_publication_whose_rescreen_never_started_is_restarted(eager_tasks):
    version = _published(30)

    sweep_stuck()

    version.refresh_from_db()
    assert version.rescreen_started_at is not None
    assert (version.rescreen_total, version.rescreen_done) == (0, 0)


def test_a_fresh_or_started_or_superseded_version_is_left_alone(eager_tasks):
    fresh = _published(1)
    started_at = timezone.now() - datetime.timedelta(minutes=20)
    started = _published(
        40, status=ListVersionStatus.SUPERSEDED, rescreen_started_at=started_at, rescreen_total=0
    )

    sweep_stuck()

    fresh.refresh_from_db()
    started.refresh_from_db()
    assert fresh.rescreen_started_at is None
    assert started.rescreen_started_at == started_at
