"""Reads with their access rules. Another firm's notification is a 404, never a 403."""

from django.core.paginator import Page, Paginator
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import Http404

from exportctl.accounts.roles import MINISTRY_ROLES, Role
from notifications.models import Notification
from notifications.workflow import AWAITING_MINISTRY_STATUSES, Status

PAGE_SIZE = 25


def notification_list_for(*, user) -> QuerySet[Notification]:
    """Every notification ``user`` may read: their firm's, or (ministry) every submitted one."""
    if not user.is_authenticated or not user.is_active:
        return Notification.objects.none()
    if user.firm_id is not None and user.has_role(Role.EXPORTER, Role.FIRM_ADMIN):
        return Notification.objects.filter(firm_id=user.firm_id)
    if user.firm_id is None and user.has_role(*MINISTRY_ROLES):
        return Notification.objects.exclude(status=Status.DRAFT)
    return Notification.objects.none()


def access_notification_for_exporter(*, user, public_id) -> Notification:
    """The firm's own notification, or 404."""
    if not user.is_authenticated:
        raise Http404
    if user.firm_id is None:
        raise Http404
    if not user.has_role(Role.EXPORTER, Role.FIRM_ADMIN):
        raise Http404
    try:
        return Notification.objects.get(public_id=public_id, firm_id=user.firm_id)
    except (Notification.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def notification_page_for_firm(*, user, page_number) -> Page:
    """The exporter dashboard: drafts first, then newest first."""
    queryset = (
        notification_list_for(user=user)
        .annotate(
            draft_first=Case(
                When(status=Status.DRAFT, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("draft_first", "-created_at", "-pk")
    )
    return Paginator(queryset, PAGE_SIZE).get_page(page_number)


def review_queue_page(*, user, page_number) -> Page:
    """Cases waiting on the ministry, oldest submission first."""
    queryset = (
        notification_list_for(user=user)
        .filter(status__in=AWAITING_MINISTRY_STATUSES)
        .select_related("firm")
        .order_by("submitted_at", "pk")
    )
    return Paginator(queryset, PAGE_SIZE).get_page(page_number)
