"""Starting and editing a draft: the multi-step filing form, one handler per step."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications import drafts, planning, prior_reports
from notifications import exporter_selectors as selectors
from notifications.exporter_views.base import (
    detail_url,
    edit_url,
    exporter_required,
    own_notification,
    refused,
)
from notifications.exporter_views.precheck import (
    parties_with_precheck,
    russia_belarus_warning,
    tell_of_listed_match,
)
from notifications.forms import (
    AttachmentForm,
    ChecklistForm,
    DeclarationForm,
    DestinationForm,
    EndUseForm,
    ItemForm,
    PartyForm,
    StartForm,
    apply_errors,
)
from notifications.inform_notice_selectors import notices_covering
from notifications.models import Notification
from notifications.prior_report_forms import NewFilingForm, TechnologyForm
from notifications.readiness import readiness_gaps, steps_for
from notifications.services.lifecycle import NotReadyError, notification_submit
from notifications.workflow import EDITABLE_STATUSES, TransitionError

STEP_LABELS = {
    "items": gettext_lazy("Items"),
    "parties": gettext_lazy("Destination and parties"),
    "end_use": gettext_lazy("End use"),
    "checklist": gettext_lazy("Clear-criteria checklist"),
    "documents": gettext_lazy("Documents"),
    "review": gettext_lazy("Review and submit"),
    "technology": gettext_lazy("Technology and transaction"),
}


# --- Starting and editing a draft -------------------------------------------------------------


@exporter_required
def new(request):
    form = NewFilingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            notification = drafts.draft_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            first = steps_for(notification)[0]
            if first == "technology":
                messages.success(
                    request, _("Draft saved. Describe the technology and the transfer.")
                )
            else:
                messages.success(request, _("Draft saved. Add the items next."))
            return redirect(edit_url(notification, first))
    return render(request, "notifications/exporter/start.html", {"form": form})


def _progress(notification: Notification, current: str, gaps) -> list[dict]:
    incomplete = {gap.step for gap in gaps}
    steps = steps_for(notification)
    position = steps.index(current)
    return [
        {
            "key": step,
            "number": index,
            "label": STEP_LABELS[step],
            "url": edit_url(notification, step),
            "current": step == current,
            "complete": step not in incomplete and step != "review" and index - 1 < position,
            "incomplete": step in incomplete,
        }
        for index, step in enumerate(steps, start=1)
    ]


def _error_forms(extra: dict) -> list[forms.BaseForm]:
    """The page's forms that were refused, for its one error summary (in page order)."""
    return [
        value
        for value in extra.values()
        if isinstance(value, forms.BaseForm) and value.is_bound and value.errors
    ]


def step_context(notification: Notification, step: str, **extra) -> dict:
    # Computed from what is saved, on every render: after a save the next page shows the gaps
    # that are left (and _step_base hides them while a refused form is on the page).
    gaps = readiness_gaps(notification)
    steps = steps_for(notification)
    index = steps.index(step)
    return {
        "notification": notification,
        "step": step,
        "step_label": STEP_LABELS[step],
        "step_number": index + 1,
        "step_count": len(steps),
        "progress": _progress(notification, step, gaps),
        "gaps": gaps,
        "step_gaps": [gap for gap in gaps if gap.step == step],
        "previous_url": edit_url(notification, steps[index - 1]) if index else None,
        "next_url": edit_url(notification, steps[index + 1]) if index + 1 < len(steps) else None,
        "validate_url": reverse("notifications:validate", args=[notification.public_id, step]),
        "error_forms": _error_forms(extra),
        **extra,
    }


def _next_step_url(notification: Notification, step: str) -> str:
    steps = steps_for(notification)
    return edit_url(notification, steps[min(steps.index(step) + 1, len(steps) - 1)])


def _continuing(request) -> bool:
    """The step's "Continue" button: it submits the add-item (add-party) form, so that what was
    typed there is saved, or refused with its errors, rather than silently dropped."""
    return request.method == "POST" and "continue" in request.POST


def _has_input(data, names) -> bool:
    return any(str(value).strip() for name in names for value in data.getlist(name))


def _after_save(request, notification: Notification, step: str, message: str):
    """'Save and continue' goes to the next step; 'Save draft' leaves the form for the dashboard."""
    messages.success(request, message)
    if request.POST.get("action") == "save":
        return redirect("notifications:dashboard")
    steps = steps_for(notification)
    index = steps.index(step)
    return redirect(edit_url(notification, steps[min(index + 1, len(steps) - 1)]))


@exporter_required
def edit(request, public_id, step):
    notification = own_notification(request, public_id)
    if step not in steps_for(notification):
        raise Http404
    if notification.status not in EDITABLE_STATUSES:
        messages.info(
            request, _("This notification has been submitted and can no longer be changed.")
        )
        return redirect(detail_url(notification))
    handler = {
        "items": _items_step,
        "parties": _parties_step,
        "end_use": _end_use_step,
        "checklist": _checklist_step,
        "documents": _documents_step,
        "review": _review_step,
        "technology": _technology_step,
    }[step]
    return handler(request, notification)


def _technology_step(request, notification: Notification):
    """A prior report's transaction, technology, recipient relation, planned date and protection
    measures: one form, written in one transaction (header date and details together)."""
    details = prior_reports.details_for(notification)
    form = TechnologyForm(
        request.POST or None, initial=TechnologyForm.initial_for(notification, details)
    )
    if request.method == "POST" and form.is_valid():
        try:
            prior_reports.technology_step_save(
                notification=notification,
                actor=request.user,
                planned_date=form.cleaned_data["planned_date"],
                details=form.details(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        except TransitionError as error:
            return refused(request, notification, error)
        else:
            return _after_save(request, notification, "technology", _("Transfer details saved."))
    return render(
        request,
        "notifications/exporter/step_technology.html",
        step_context(
            notification,
            "technology",
            form=form,
            deadlines=prior_reports.deadlines_for(notification),
            lead_days=prior_reports.LEAD_DAYS,
        ),
    )


def _items_step(request, notification: Notification):
    title_form = StartForm(initial={"title": notification.title})
    item_form = ItemForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "title":
                title_form = StartForm(request.POST)
                if title_form.is_valid():
                    drafts.draft_update(
                        notification=notification, actor=request.user, **title_form.cleaned_data
                    )
                    messages.success(request, _("Title saved."))
                    return redirect(edit_url(notification, "items"))
            elif _continuing(request) and not _has_input(request.POST, ItemForm.base_fields):
                return redirect(_next_step_url(notification, "items"))
            else:
                item_form = ItemForm(request.POST)
                if item_form.is_valid():
                    drafts.item_add(
                        notification=notification, actor=request.user, **item_form.cleaned_data
                    )
                    messages.success(request, _("Item added."))
                    if _continuing(request):
                        return redirect(_next_step_url(notification, "items"))
                    return redirect(edit_url(notification, "items"))
        except ValidationError as error:
            apply_errors(title_form if action == "title" else item_form, error)
        except TransitionError as error:
            return refused(request, notification, error)
    return render(
        request,
        "notifications/exporter/step_items.html",
        step_context(
            notification,
            "items",
            title_form=title_form,
            form=item_form,
            continue_form="item-form",
            items=notification.items.select_related("key_technology").order_by("position", "pk"),
        ),
    )


def _parties_step(request, notification: Notification):
    destination_form = DestinationForm(
        initial={
            "destination_country": notification.destination_country,
            "planned_date": notification.planned_date,
        }
    )
    party_form = PartyForm(initial={"country": notification.destination_country})
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "destination":
                destination_form = DestinationForm(request.POST)
                if destination_form.is_valid():
                    drafts.draft_update(
                        notification=notification,
                        actor=request.user,
                        **destination_form.cleaned_data,
                    )
                    messages.success(request, _("Destination saved."))
                    return redirect(edit_url(notification, "parties"))
            elif action == "reuse":
                source = selectors.address_book_party(
                    user=request.user, public_id=request.POST.get("party")
                )
                if source is None:
                    raise Http404
                party = drafts.party_add(
                    notification=notification,
                    actor=request.user,
                    role=request.POST.get("role", ""),
                    **{name: getattr(source, name) for name in PartyForm.reusable_fields},
                )
                messages.success(request, _("Party added from your address book."))
                tell_of_listed_match(request, party)
                return redirect(edit_url(notification, "parties"))
            elif _continuing(request) and not _has_input(request.POST, PartyForm.typed_fields):
                return redirect(_next_step_url(notification, "parties"))
            else:
                party_form = PartyForm(request.POST)
                if party_form.is_valid():
                    party = drafts.party_add(
                        notification=notification, actor=request.user, **party_form.cleaned_data
                    )
                    messages.success(request, _("Party added."))
                    tell_of_listed_match(request, party)
                    if _continuing(request):
                        return redirect(_next_step_url(notification, "parties"))
                    return redirect(edit_url(notification, "parties"))
        except ValidationError as error:
            if action == "reuse":
                for text in error.messages:
                    messages.error(request, text)
                return redirect(edit_url(notification, "parties"))
            apply_errors(destination_form if action == "destination" else party_form, error)
        except TransitionError as error:
            return refused(request, notification, error)
    return render(
        request,
        "notifications/exporter/step_parties.html",
        step_context(
            notification,
            "parties",
            destination_form=destination_form,
            form=party_form,
            continue_form="party-form",
            parties=parties_with_precheck(notification),
            address_book=selectors.address_book(
                user=request.user, exclude=notification, q=request.GET.get("q", "")
            ),
            address_book_query=request.GET.get("q", ""),
            role_choices=PartyForm.base_fields["role"].choices,
        ),
    )


def _end_use_step(request, notification: Notification):
    form = EndUseForm(
        request.POST or None,
        firm_id=notification.firm_id,
        initial={
            "end_use_description": notification.end_use_description,
            "end_use_category": notification.end_use_category,
            "inform_notice_received": notification.inform_notice_received,
            "inform_notice": (
                notification.inform_notice.public_id if notification.inform_notice_id else None
            ),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            drafts.draft_update(notification=notification, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        except TransitionError as error:
            return refused(request, notification, error)
        else:
            return _after_save(request, notification, "end_use", _("End use saved."))
    return render(
        request,
        "notifications/exporter/step_end_use.html",
        step_context(notification, "end_use", form=form),
    )


def _checklist_step(request, notification: Notification):
    form = ChecklistForm(
        request.POST or None, initial=ChecklistForm.initial_for(notification.checklist)
    )
    if request.method == "POST" and form.is_valid():
        try:
            drafts.checklist_save(
                notification=notification, actor=request.user, answers=form.answers()
            )
        except ValidationError as error:
            apply_errors(form, error)
        except TransitionError as error:
            return refused(request, notification, error)
        else:
            return _after_save(request, notification, "checklist", _("Checklist saved."))
    return render(
        request,
        "notifications/exporter/step_checklist.html",
        step_context(notification, "checklist", form=form),
    )


def _documents_step(request, notification: Notification):
    form = AttachmentForm()
    if request.method == "POST":
        form = AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                drafts.attachment_add(
                    notification=notification,
                    actor=request.user,
                    kind=form.cleaned_data["kind"],
                    uploaded_file=form.cleaned_data["file"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            except TransitionError as error:
                return refused(request, notification, error)
            else:
                messages.success(request, _("Document uploaded."))
                return redirect(edit_url(notification, "documents"))
    return render(
        request,
        "notifications/exporter/step_documents.html",
        step_context(
            notification,
            "documents",
            form=form,
            attachments=selectors.draft_attachments(notification),
        ),
    )


def _review_step(request, notification: Notification):
    form = DeclarationForm(request.POST or None)
    gaps = None
    if request.method == "POST" and form.is_valid():
        try:
            notification_submit(
                notification=notification, actor=request.user, declaration_accepted=True
            )
        except NotReadyError as error:
            gaps = error.gaps
            form.add_error(None, str(error))
        except TransitionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Notification submitted. Screening has started."))
            return redirect(detail_url(notification))
    context = step_context(
        notification,
        "review",
        form=form,
        items=notification.items.select_related("key_technology").order_by("position", "pk"),
        parties=parties_with_precheck(notification),
        attachments=selectors.draft_attachments(notification),
        checklist_rows=ChecklistForm(
            initial=ChecklistForm.initial_for(notification.checklist)
        ).rows(),
    )
    if gaps is not None:
        context["gaps"] = gaps
    context["russia_belarus"] = russia_belarus_warning(notification)
    context["lateness"] = planning.lateness_of(notification)
    context["prior_report"] = prior_reports.details_for(notification)
    context["prior_report_deadlines"] = prior_reports.deadlines_for(notification)
    context["min_working_days"] = planning.min_working_days()
    context["covering_notices"] = notices_covering(notification)
    return render(request, "notifications/exporter/step_review.html", context)
