"""After submission: the status page (and its live fragment), withdrawal, copying, and the licence
application that follows an inform notice.
"""

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from notifications import drafts, prior_reports
from notifications import exporter_selectors as selectors
from notifications.exporter_views.base import (
    detail_url,
    edit_url,
    exporter_required,
    own_notification,
    refused,
)
from notifications.forms import WithdrawForm
from notifications.models import Notification
from notifications.readiness import steps_for
from notifications.services.lifecycle import notification_withdraw
from notifications.services.offers import firm_actions
from notifications.workflow import Status, TransitionError

#: Seconds between status polls while the screening worker has the case.
POLL_FAST_SECONDS = 2
#: ... and while it waits on people (the ministry or the firm).
POLL_SLOW_SECONDS = 30


# --- After submission -------------------------------------------------------------------------


def _status_context(notification: Notification, user) -> dict:
    waiting_on_system = selectors.is_waiting_on_system(notification)
    is_open = selectors.is_open(notification)
    if waiting_on_system:
        poll_seconds = POLL_FAST_SECONDS
    elif is_open:
        poll_seconds = POLL_SLOW_SECONDS
    else:
        poll_seconds = None
    return {
        "notification": notification,
        "poll_seconds": poll_seconds,
        "waiting_on_system": waiting_on_system,
        "is_open": is_open,
        # What the firm may do now: the table's moves (``services.firm_actions``).
        "actions": firm_actions(notification, user),
        "screening": selectors.screening_outcome(notification),
        "review": selectors.open_review(notification),
        "question": selectors.open_question(notification),
        "documents": selectors.documents_for_exporter(notification),
        "permits": selectors.permits_for_exporter(notification),
        "timeline": selectors.timeline_for_exporter(notification),
        "Status": Status,
        "prior_report": prior_reports.details_for(notification),
        "prior_report_deadlines": prior_reports.deadlines_for(notification),
    }


@exporter_required
def detail(request, public_id):
    notification = own_notification(request, public_id)
    if notification.status == Status.DRAFT:
        return redirect(edit_url(notification, "review"))
    context = _status_context(notification, request.user)
    context.update(
        items=notification.items.select_related("key_technology").order_by("position", "pk"),
        parties=notification.parties.order_by("position", "pk"),
        attachments=selectors.draft_attachments(notification),
    )
    return render(request, "notifications/exporter/detail.html", context)


@exporter_required
def status_fragment(request, public_id):
    notification = own_notification(request, public_id)
    return render(
        request,
        "notifications/exporter/_status_panel.html",
        _status_context(notification, request.user),
    )


@exporter_required
def withdraw(request, public_id):
    notification = own_notification(request, public_id)
    if not selectors.is_open(notification):
        messages.error(request, _("Only an open notification can be withdrawn."))
        return redirect(detail_url(notification))
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            notification_withdraw(
                notification=notification, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except TransitionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The notification has been withdrawn."))
            return redirect(detail_url(notification))
    return render(
        request,
        "notifications/exporter/withdraw.html",
        {"notification": notification, "form": form},
    )


@exporter_required
def copy(request, public_id):
    notification = own_notification(request, public_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        new_draft = drafts.notification_copy(notification=notification, actor=request.user)
    except TransitionError as error:
        return refused(request, notification, error)
    messages.success(
        request,
        _("A new draft was made from this notification. Change what differs and submit it."),
    )
    return redirect(edit_url(new_draft, steps_for(new_draft)[0]))


@exporter_required
@require_POST
def licence_application(request, public_id):
    """After an inform notice closed a prior report: the linked licence application (a new draft
    that cites the notice), made once and opened on its first step."""
    notification = own_notification(request, public_id)
    try:
        application = prior_reports.licence_application_start(
            prior_report=notification, actor=request.user
        )
    except TransitionError as error:
        return refused(request, notification, error)
    messages.success(
        request,
        _("A licence application citing the inform notice was drafted. Complete it and submit it."),
    )
    return redirect(edit_url(application, steps_for(application)[0]))
