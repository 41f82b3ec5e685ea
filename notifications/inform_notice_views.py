"""Inform notices in the browser: the firm's list and letters (/notifications/inform-notices/)
and the ministry's list, letters and the form to issue one on its own initiative
(/review/inform-notices/).

Thin views: access through ``inform_notice_selectors`` (another firm's notice is a 404), one
service to issue, the download door for the letters (audited)."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from exportctl import access
from notifications import inform_notice_selectors as selectors
from notifications.documents import downloads
from notifications.exporter_views import exporter_required
from notifications.inform_notice_forms import InformNoticeIssueForm
from notifications.services import inform_notices
from notifications.workflow import TransitionError

PAGE_SIZE = 50


def ministry_reader_required(view):
    """Ministry staff who read notices (reviewers, senior reviewers, auditors); anyone else signed
    in is refused (403) before any lookup, like every other page under /review/."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        access.require_ministry_reader(request.user)
        return view(request, *args, **kwargs)

    return wrapper


def _page(request, notices):
    return Paginator(notices, PAGE_SIZE).get_page(request.GET.get("page"))


# --- The firm's pages -------------------------------------------------------------------------


@require_GET
@exporter_required
def exporter_list(request):
    notices = selectors.notices_for(user=request.user)
    return render(
        request,
        "notifications/inform_notices/list.html",
        {"page": _page(request, notices), "audience": "exporter"},
    )


@require_GET
@exporter_required
def exporter_detail(request, notice_id):
    notice = selectors.access_notice_for(user=request.user, public_id=notice_id)
    return render(
        request,
        "notifications/inform_notices/detail.html",
        {"notice": notice, "audience": "exporter"},
    )


@require_GET
@exporter_required
def exporter_pdf(request, notice_id):
    return downloads.inform_notice_download(
        actor=request.user, door=downloads.Door.EXPORTER_WEB, notice_id=notice_id, request=request
    )


# --- The ministry's pages ---------------------------------------------------------------------


@require_GET
@ministry_reader_required
def ministry_list(request):
    notices = selectors.notices_for(user=request.user)
    return render(
        request,
        "notifications/inform_notices/list.html",
        {
            "page": _page(request, notices),
            "audience": "ministry",
            "may_issue": access.is_reviewer(request.user),
        },
    )


@require_GET
@ministry_reader_required
def ministry_detail(request, notice_id):
    notice = selectors.access_notice_for(user=request.user, public_id=notice_id)
    return render(
        request,
        "notifications/inform_notices/detail.html",
        {"notice": notice, "audience": "ministry"},
    )


@require_GET
@ministry_reader_required
def ministry_pdf(request, notice_id):
    door = downloads.Door.REVIEWER if access.is_reviewer(request.user) else downloads.Door.AUDITOR
    return downloads.inform_notice_download(
        actor=request.user, door=door, notice_id=notice_id, request=request
    )


@require_http_methods(["GET", "POST"])
@ministry_reader_required
def ministry_new(request):
    """Issue a notice on the ministry's own initiative: reviewers and senior reviewers only (an
    auditor reads, never acts: 403, and nothing is written)."""
    access.require_reviewer(request.user)
    form = InformNoticeIssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            notice = inform_notices.inform_notice_issue(
                actor=request.user,
                firm=data["firm"],
                subject_kind=data["subject_kind"],
                subject=data["subject"],
                grounds=data["grounds"],
            )
        except TransitionError as error:
            field = {"invalid_subject": "subject", "reason_required": "grounds"}.get(error.code)
            form.add_error(field, str(error))
        else:
            messages.success(
                request,
                _("Inform notice %(number)s has been issued to %(firm)s.")
                % {"number": notice.number, "firm": notice.firm.name},
            )
            return redirect("review:inform_notice", notice_id=notice.public_id)
    return render(request, "notifications/inform_notices/new.html", {"form": form})
