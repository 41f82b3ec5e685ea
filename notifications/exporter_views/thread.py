"""The question thread: the ministry's questions and the firm's reply with documents."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from notifications import drafts
from notifications import exporter_selectors as selectors
from notifications.exporter_views.base import detail_url, exporter_required, own_notification
from notifications.forms import ReplyForm, apply_errors
from notifications.workflow import Status, TransitionError


@exporter_required
def thread(request, public_id):
    notification = own_notification(request, public_id)
    if notification.status == Status.DRAFT:
        raise Http404
    question = selectors.open_question(notification)
    form = ReplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if question is None:
            messages.error(request, _("There is no open question to answer."))
            return redirect("notifications:messages", public_id=notification.public_id)
        if form.is_valid():
            try:
                drafts.reply_with_documents(
                    notification=notification,
                    actor=request.user,
                    body=form.cleaned_data["body"],
                    documents=[
                        (form.cleaned_data["kind"] or "other", upload)
                        for upload in form.cleaned_data["documents"]
                    ],
                )
            except ValidationError as error:
                apply_errors(form, error, aliases={"file": "documents", "kind": "kind"})
            except TransitionError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Reply sent. The ministry will continue its review."))
                return redirect(detail_url(notification))
    return render(
        request,
        "notifications/exporter/messages.html",
        {
            "notification": notification,
            "thread": selectors.thread_for_exporter(notification),
            "question": question,
            "form": form,
        },
    )
