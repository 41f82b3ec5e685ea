"""The exporter's pages: dashboard, the multi-step filing form, the status page, the question
thread, withdrawal, copying and downloads.

Views stay thin: parse with a form, call one service of ``drafts``/``services`` or one selector,
render. Every page about a notification starts with ``access_notification_for_exporter``, so
another firm's notification (or anything under it) is a 404.
"""

from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from exportctl import access
from exportctl.countries import country_name
from notifications import drafts, planning, prior_reports
from notifications import exporter_selectors as selectors
from notifications.documents import downloads
from notifications.forms import (
    AttachmentForm,
    ChecklistForm,
    DashboardFilterForm,
    DeclarationForm,
    DestinationForm,
    EndUseForm,
    ItemForm,
    PartyForm,
    ReplyForm,
    StartForm,
    WithdrawForm,
    apply_errors,
)
from notifications.inform_notice_selectors import notices_covering
from notifications.models import Item, Notification, Party
from notifications.prior_report_forms import NewFilingForm, TechnologyForm
from notifications.readiness import readiness_gaps, steps_for
from notifications.selectors import access_notification_for_exporter
from notifications.services.lifecycle import (
    NotReadyError,
    notification_submit,
    notification_withdraw,
)
from notifications.services.offers import firm_actions
from notifications.workflow import EDITABLE_STATUSES, Status, TransitionError
from partners.models import MeasureCategory
from screening.precheck import parties_precheck
from screening.services import russia_belarus_preview

STEP_LABELS = {
    "items": gettext_lazy("Items"),
    "parties": gettext_lazy("Destination and parties"),
    "end_use": gettext_lazy("End use"),
    "checklist": gettext_lazy("Clear-criteria checklist"),
    "documents": gettext_lazy("Documents"),
    "review": gettext_lazy("Review and submit"),
    "technology": gettext_lazy("Technology and transaction"),
}
#: Seconds between status polls while the screening worker has the case.
POLL_FAST_SECONDS = 2
#: ... and while it waits on people (the ministry or the firm).
POLL_SLOW_SECONDS = 30


def exporter_required(view):
    """Signed in as an exporter or firm admin of a firm; anyone else is told nothing (404)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        access.require_firm_user(request.user)
        return view(request, *args, **kwargs)

    return wrapper


def _notification(request, public_id) -> Notification:
    return access_notification_for_exporter(user=request.user, public_id=public_id)


def _edit_url(notification: Notification, step: str) -> str:
    return reverse("notifications:edit", args=[notification.public_id, step])


def _detail_url(notification: Notification) -> str:
    return reverse("notifications:detail", args=[notification.public_id])


def _refused(request, notification: Notification, error: Exception):
    messages.error(request, str(error))
    if notification.status in EDITABLE_STATUSES:
        return redirect(_edit_url(notification, "review"))
    return redirect(_detail_url(notification))


# --- Dashboard --------------------------------------------------------------------------------


@exporter_required
def dashboard(request):
    form = DashboardFilterForm(request.GET or None)
    filters = selectors.DashboardFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.DashboardFilters(
            status=data["status"],
            destination=data["destination"],
            date_from=data["date_from"],
            date_to=data["date_to"],
            q=data["q"],
        )
    page = selectors.dashboard_page(
        user=request.user, filters=filters, page_number=request.GET.get("page")
    )
    return render(
        request,
        "notifications/exporter_dashboard.html",
        {
            "page": page,
            "filter_form": form,
            "filtered": filters != selectors.DashboardFilters(),
            "destinations": selectors.destinations_for_firm(user=request.user),
        },
    )


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
            return redirect(_edit_url(notification, first))
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
            "url": _edit_url(notification, step),
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


def _step_context(notification: Notification, step: str, **extra) -> dict:
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
        "previous_url": _edit_url(notification, steps[index - 1]) if index else None,
        "next_url": _edit_url(notification, steps[index + 1]) if index + 1 < len(steps) else None,
        "validate_url": reverse("notifications:validate", args=[notification.public_id, step]),
        "error_forms": _error_forms(extra),
        **extra,
    }


def _next_step_url(notification: Notification, step: str) -> str:
    steps = steps_for(notification)
    return _edit_url(notification, steps[min(steps.index(step) + 1, len(steps) - 1)])


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
    return redirect(_edit_url(notification, steps[min(index + 1, len(steps) - 1)]))


@exporter_required
def edit(request, public_id, step):
    notification = _notification(request, public_id)
    if step not in steps_for(notification):
        raise Http404
    if notification.status not in EDITABLE_STATUSES:
        messages.info(
            request, _("This notification has been submitted and can no longer be changed.")
        )
        return redirect(_detail_url(notification))
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
            return _refused(request, notification, error)
        else:
            return _after_save(request, notification, "technology", _("Transfer details saved."))
    return render(
        request,
        "notifications/exporter/step_technology.html",
        _step_context(
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
                    return redirect(_edit_url(notification, "items"))
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
                    return redirect(_edit_url(notification, "items"))
        except ValidationError as error:
            apply_errors(title_form if action == "title" else item_form, error)
        except TransitionError as error:
            return _refused(request, notification, error)
    return render(
        request,
        "notifications/exporter/step_items.html",
        _step_context(
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
                    return redirect(_edit_url(notification, "parties"))
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
                _tell_of_listed_match(request, party)
                return redirect(_edit_url(notification, "parties"))
            elif _continuing(request) and not _has_input(request.POST, PartyForm.typed_fields):
                return redirect(_next_step_url(notification, "parties"))
            else:
                party_form = PartyForm(request.POST)
                if party_form.is_valid():
                    party = drafts.party_add(
                        notification=notification, actor=request.user, **party_form.cleaned_data
                    )
                    messages.success(request, _("Party added."))
                    _tell_of_listed_match(request, party)
                    if _continuing(request):
                        return redirect(_next_step_url(notification, "parties"))
                    return redirect(_edit_url(notification, "parties"))
        except ValidationError as error:
            if action == "reuse":
                for text in error.messages:
                    messages.error(request, text)
                return redirect(_edit_url(notification, "parties"))
            apply_errors(destination_form if action == "destination" else party_form, error)
        except TransitionError as error:
            return _refused(request, notification, error)
    return render(
        request,
        "notifications/exporter/step_parties.html",
        _step_context(
            notification,
            "parties",
            destination_form=destination_form,
            form=party_form,
            continue_form="party-form",
            parties=_parties_with_precheck(notification),
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
            return _refused(request, notification, error)
        else:
            return _after_save(request, notification, "end_use", _("End use saved."))
    return render(
        request,
        "notifications/exporter/step_end_use.html",
        _step_context(notification, "end_use", form=form),
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
            return _refused(request, notification, error)
        else:
            return _after_save(request, notification, "checklist", _("Checklist saved."))
    return render(
        request,
        "notifications/exporter/step_checklist.html",
        _step_context(notification, "checklist", form=form),
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
                return _refused(request, notification, error)
            else:
                messages.success(request, _("Document uploaded."))
                return redirect(_edit_url(notification, "documents"))
    return render(
        request,
        "notifications/exporter/step_documents.html",
        _step_context(
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
            return redirect(_detail_url(notification))
    context = _step_context(
        notification,
        "review",
        form=form,
        items=notification.items.select_related("key_technology").order_by("position", "pk"),
        parties=_parties_with_precheck(notification),
        attachments=selectors.draft_attachments(notification),
        checklist_rows=ChecklistForm(
            initial=ChecklistForm.initial_for(notification.checklist)
        ).rows(),
    )
    if gaps is not None:
        context["gaps"] = gaps
    context["russia_belarus"] = _russia_belarus_warning(notification)
    context["lateness"] = planning.lateness_of(notification)
    context["prior_report"] = prior_reports.details_for(notification)
    context["prior_report_deadlines"] = prior_reports.deadlines_for(notification)
    context["min_working_days"] = planning.min_working_days()
    context["covering_notices"] = notices_covering(notification)
    return render(request, "notifications/exporter/step_review.html", context)


def _russia_belarus_warning(notification: Notification) -> dict | None:
    """What the exporter is told before submitting a filing that the Russia/Belarus export bans
    reach (the same facts the worker's rules read)."""
    exposure = russia_belarus_preview(notification, on=timezone.localdate())
    if exposure is None:
        return None

    def rows(pairs):
        return [
            {
                "position": item.position,
                "measure": measure.measure,
                "category": MeasureCategory(measure.category).label,
                "hs_prefix": measure.hs_prefix,
                "legal_basis": measure.legal_basis,
            }
            for item, measure in pairs
        ]

    return {
        "countries": ", ".join(f"{country_name(code)} ({code})" for code in exposure.countries),
        "parties": [f"{p.name} ({country_name(p.country)})" for p in exposure.parties],
        "banned": rows(exposure.banned),
        "possible": rows(exposure.possible),
    }


def _parties_with_precheck(notification: Notification) -> list[Party]:
    """The draft's parties, each with ``listed_matches``: the published list entries it looks
    like (screening's own matching; see ``screening.precheck`` for why it is not stored)."""
    parties = list(notification.parties.order_by("position", "pk"))
    matches = parties_precheck(parties)
    for party in parties:
        party.listed_matches = matches.get(party.pk, ())
    return parties


def _tell_of_listed_match(request, party: Party) -> None:
    """Said at once, on whatever page comes next, when a party just saved looks listed; the entry
    and the explanation are shown next to the party on the parties and review pages."""
    hits = parties_precheck([party]).get(party.pk, ())
    if hits:
        messages.warning(
            request,
            _(
                "%(party)s may be %(entry)s on the %(list)s. You can still submit: the ministry "
                "will review the match. The entry and how the name matched are shown next to the "
                "party."
            )
            % {"party": party.name, "entry": hits[0].entry.name, "list": hits[0].list.display_name},
        )


# --- Inline validation (htmx) -----------------------------------------------------------------

VALIDATED_FORMS = {
    ("items", "item"): ItemForm,
    ("items", "title"): StartForm,
    ("parties", "party"): PartyForm,
    ("parties", "destination"): DestinationForm,
    ("end_use", "end_use"): EndUseForm,
}


@exporter_required
@require_POST
def validate(request, public_id, step):
    """Check one field as the exporter leaves it and return that field, with its error if any.

    Nothing is saved; the same rules run again when the form is submitted."""
    notification = _notification(request, public_id)
    form_class = VALIDATED_FORMS.get((step, request.POST.get("_form", "")))
    field_name = request.POST.get("_field", "")
    if form_class is None:
        raise Http404
    extra = {"firm_id": notification.firm_id} if form_class is EndUseForm else {}
    form = form_class(request.POST, **extra)
    if field_name not in form.fields:
        raise Http404
    if form.is_valid():
        try:
            if form_class is ItemForm:
                drafts.item_check(notification=notification, **form.cleaned_data)
            elif form_class is PartyForm:
                party = None
                if request.POST.get("_party"):
                    party = _party(notification, request.POST["_party"])
                drafts.party_check(notification=notification, party=party, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
    return render(
        request,
        "notifications/exporter/_validated_field_inner.html",
        {"field": form[field_name]},
    )


# --- Items and parties: edit and delete -------------------------------------------------------


def _item(notification: Notification, item_id: int) -> Item:
    try:
        return notification.items.get(pk=item_id)
    except Item.DoesNotExist as exc:
        raise Http404 from exc


def _party(notification: Notification, party_id) -> Party:
    try:
        return notification.parties.get(public_id=party_id)
    except (Party.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


@exporter_required
def item_edit(request, public_id, item_id):
    notification = _notification(request, public_id)
    item = _item(notification, item_id)
    if notification.status not in EDITABLE_STATUSES:
        return redirect(_detail_url(notification))
    form = ItemForm(request.POST or None, initial=ItemForm.initial_for(item))
    if request.method == "POST" and form.is_valid():
        try:
            drafts.item_update(item=item, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        except TransitionError as error:
            return _refused(request, notification, error)
        else:
            messages.success(request, _("Item saved."))
            return redirect(_edit_url(notification, "items"))
    return render(
        request,
        "notifications/exporter/item_edit.html",
        _step_context(notification, "items", form=form, item=item),
    )


@exporter_required
@require_POST
def item_delete(request, public_id, item_id):
    notification = _notification(request, public_id)
    item = _item(notification, item_id)
    try:
        drafts.item_delete(item=item, actor=request.user)
    except TransitionError as error:
        return _refused(request, notification, error)
    messages.success(request, _("Item removed."))
    return redirect(_edit_url(notification, "items"))


@exporter_required
def party_edit(request, public_id, party_id):
    notification = _notification(request, public_id)
    party = _party(notification, party_id)
    if notification.status not in EDITABLE_STATUSES:
        return redirect(_detail_url(notification))
    form = PartyForm(request.POST or None, initial=PartyForm.initial_for(party))
    if request.method == "POST" and form.is_valid():
        try:
            party = drafts.party_update(party=party, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        except TransitionError as error:
            return _refused(request, notification, error)
        else:
            messages.success(request, _("Party saved."))
            _tell_of_listed_match(request, party)
            return redirect(_edit_url(notification, "parties"))
    return render(
        request,
        "notifications/exporter/party_edit.html",
        _step_context(notification, "parties", form=form, party=party),
    )


@exporter_required
@require_POST
def party_delete(request, public_id, party_id):
    notification = _notification(request, public_id)
    party = _party(notification, party_id)
    try:
        drafts.party_delete(party=party, actor=request.user)
    except TransitionError as error:
        return _refused(request, notification, error)
    messages.success(request, _("Party removed."))
    return redirect(_edit_url(notification, "parties"))


# --- Attachments and issued documents ---------------------------------------------------------


def _attachment(notification: Notification, attachment_id):
    attachment = selectors.attachment_for_exporter(
        notification=notification, public_id=attachment_id
    )
    if attachment is None:
        raise Http404
    return attachment


@exporter_required
def attachment_download(request, public_id, attachment_id):
    return downloads.attachment_download(
        actor=request.user,
        door=downloads.Door.EXPORTER_WEB,
        notification_id=public_id,
        attachment_id=attachment_id,
        request=request,
    )


@exporter_required
@require_POST
def attachment_delete(request, public_id, attachment_id):
    notification = _notification(request, public_id)
    attachment = _attachment(notification, attachment_id)
    try:
        drafts.attachment_delete(attachment=attachment, actor=request.user)
    except TransitionError as error:
        return _refused(request, notification, error)
    messages.success(request, _("Document removed."))
    return redirect(_edit_url(notification, "documents"))


@exporter_required
def document_download(request, public_id, document_id):
    return downloads.document_download(
        actor=request.user,
        door=downloads.Door.EXPORTER_WEB,
        notification_id=public_id,
        document_id=document_id,
        request=request,
    )


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
    notification = _notification(request, public_id)
    if notification.status == Status.DRAFT:
        return redirect(_edit_url(notification, "review"))
    context = _status_context(notification, request.user)
    context.update(
        items=notification.items.select_related("key_technology").order_by("position", "pk"),
        parties=notification.parties.order_by("position", "pk"),
        attachments=selectors.draft_attachments(notification),
    )
    return render(request, "notifications/exporter/detail.html", context)


@exporter_required
def status_fragment(request, public_id):
    notification = _notification(request, public_id)
    return render(
        request,
        "notifications/exporter/_status_panel.html",
        _status_context(notification, request.user),
    )


@exporter_required
def thread(request, public_id):
    notification = _notification(request, public_id)
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
                return redirect(_detail_url(notification))
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


@exporter_required
def withdraw(request, public_id):
    notification = _notification(request, public_id)
    if not selectors.is_open(notification):
        messages.error(request, _("Only an open notification can be withdrawn."))
        return redirect(_detail_url(notification))
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
            return redirect(_detail_url(notification))
    return render(
        request,
        "notifications/exporter/withdraw.html",
        {"notification": notification, "form": form},
    )


@exporter_required
def copy(request, public_id):
    notification = _notification(request, public_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        new_draft = drafts.notification_copy(notification=notification, actor=request.user)
    except TransitionError as error:
        return _refused(request, notification, error)
    messages.success(
        request,
        _("A new draft was made from this notification. Change what differs and submit it."),
    )
    return redirect(_edit_url(new_draft, steps_for(new_draft)[0]))


@exporter_required
@require_POST
def licence_application(request, public_id):
    """After an inform notice closed a prior report: the linked licence application (a new draft
    that cites the notice), made once and opened on its first step."""
    notification = _notification(request, public_id)
    try:
        application = prior_reports.licence_application_start(
            prior_report=notification, actor=request.user
        )
    except TransitionError as error:
        return _refused(request, notification, error)
    messages.success(
        request,
        _("A licence application citing the inform notice was drafted. Complete it and submit it."),
    )
    return redirect(_edit_url(application, steps_for(application)[0]))
