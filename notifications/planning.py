"""Is a filing made in advance? The planned export or transfer date against the ministry's clock.

A notification is "advance" only if the ministry can still act before the goods leave or the
technology is transferred. Two things make a filing late:

- the planned date is before the day of submission (the export has already happened), or
- fewer working days (``notifications.calendar``) remain between submission and the planned date
  than ``settings.PLANNED_DATE_MIN_WORKING_DAYS``.

domain.md gives no statutory lead time for a catch-all notification, and says the prior report's
filing deadline is unconfirmed (§0a, §4). The threshold is therefore the project's own choice,
a setting (``EXPORTCTL_PLANNED_DATE_MIN_WORKING_DAYS``, default 10 working days: two working
weeks, the time the reviewer's first question usually takes to be answered), not a legal rule;
a late filing is flagged for the reviewer and warned about before submission, never refused.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications import calendar

DEFAULT_MIN_WORKING_DAYS = 10


def min_working_days() -> int:
    return int(getattr(settings, "PLANNED_DATE_MIN_WORKING_DAYS", DEFAULT_MIN_WORKING_DAYS))


@dataclass(frozen=True)
class Lateness:
    late: bool
    #: "" | "past" | "too_close"
    reason: str = ""
    working_days: int | None = None

    @property
    def explanation(self) -> str:
        if self.reason == "past":
            return str(_("The planned date is before the filing: the notification is not advance."))
        if self.reason == "too_close":
            return str(
                _(
                    "Only %(days)s working days between the filing and the planned date; the "
                    "ministry's review needs at least %(min)s."
                )
                % {"days": self.working_days, "min": min_working_days()}
            )
        return ""


def lateness(planned_date: datetime.date | None, *, filed_on: datetime.date) -> Lateness:
    """How ``planned_date`` stands against a filing made on ``filed_on``."""
    if planned_date is None:
        return Lateness(late=False)
    if planned_date < filed_on:
        return Lateness(late=True, reason="past", working_days=None)
    days = calendar.working_days_between(filed_on, planned_date)
    if days < min_working_days():
        return Lateness(late=True, reason="too_close", working_days=days)
    return Lateness(late=False, working_days=days)


def lateness_of(notification) -> Lateness:
    """For a submitted filing, as of its submission; for a draft, as if submitted today."""
    filed_on = (
        timezone.localdate(notification.submitted_at)
        if notification.submitted_at
        else timezone.localdate()
    )
    return lateness(notification.planned_date, filed_on=filed_on)
