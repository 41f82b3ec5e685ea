"""The reviewer's pages: the queue, the case page and one POST-only endpoint per action.

Views stay thin: parse a form, call one service, redirect with a message. A refusal by a service
(another reviewer acted first, four eyes, wrong role) becomes a clear message and changes nothing.
"""

import json
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from exportctl import access
from notifications import inform_notice_selectors, planning, prior_reports, selectors
from notifications import review_forms as forms
from notifications import timeline as case_timeline
from notifications.documents import downloads
from notifications.models import DecisionKind, Document, Notification, Permit, RiskLevel
from notifications.services import (
    base,
    decision_rules,
    decisions,
    inform_notices,
    offers,
    permits,
    review_desk,
)
from notifications.workflow import (
    AWAITING_EXPORTER_STATUSES,
    EXAMINATION_STATUSES,
    Move,
    PermitMove,
    Status,
    TransitionError,
    available_permit_moves,
)
from screening import rules
from screening import services as screening_services
from screening.models import PartyHit

#: Refusals that are about what the reviewer typed: shown on the form, not as a banner.
_FORM_ERRORS = frozenset(
    {
        "empty_question",
        "due_in_past",
        "validity",
        "reason_required",
        "empty_note",
        "invalid_disposition",
        "invalid_assignee",
        "invalid_item",
        "outstanding",
    }
)


def reviewer_required(view):
    """Signed-in ministry reviewers only; anyone else is refused before any lookup."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        access.require_reviewer(request.user)
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@reviewer_required
def queue(request):
    form = forms.QueueFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    filters = form.filters()
    page = selectors.review_queue_page(
        user=request.user, page_number=request.GET.get("page"), filters=filters
    )
    if request.htmx:
        # The filter form swaps only the results; the dashboard counts the whole queue anyway.
        context = {"page": page, "form": form, "filters": filters}
        return render(request, "notifications/review/_queue_results.html", context)
    context = {
        "page": page,
        "form": form,
        "filters": filters,
        "dashboard": selectors.review_dashboard(user=request.user),
    }
    return render(request, "notifications/review/queue.html", context)


def _blank_forms() -> dict:
    return {
        "assign": forms.AssignForm(),
        "note": forms.NoteForm(),
        "request_info": forms.RequestInfoForm(),
        "approve": forms.ApproveForm(),
        "deny": forms.DenyForm(),
        "inform": forms.InformForm(),
        "conclude_no_licence": forms.ConcludeNoLicenceForm(),
        "return": forms.ReturnForm(),
    }


def _add_refusal(form, error: TransitionError) -> None:
    """Put a service's refusal on the form; an approval refused over outstanding evidence lists
    each item on a line of its own, so the reviewer can work through them."""
    if isinstance(error, decision_rules.OutstandingItemsError):
        form.add_error(None, _("The case cannot be approved yet. Settle these first:"))
        for item in error.items:
            form.add_error(None, item.text[:1].upper() + item.text[1:] + ".")
        return
    form.add_error(None, str(error))


def _timeline(events, notification: Notification) -> list[dict]:
    """The case's history as sentences (``notifications.timeline``), each with its event."""
    events = list(events)
    sentences = case_timeline.timeline(events, names=case_timeline.names_for_case(notification))
    return [
        {"event": event, "text": entry.text, "details": entry.details}
        for event, entry in zip(events, sentences, strict=True)
    ]


def _render_case(
    request, notification: Notification, *, failed: dict | None = None, status: int = 200
):
    case = selectors.review_case(notification=notification)
    failed = failed or {}
    page_forms = {
        **_blank_forms(),
        **{k: v for k, v in failed.items() if k not in ("hit", "permit", "checklist")},
    }
    hit_forms = {}
    failed_hit = failed.get("hit")
    for hit in case["hits"]:
        if failed_hit and failed_hit[0] == hit.pk:
            hit_forms[hit.pk] = failed_hit[1]
        else:
            hit_forms[hit.pk] = forms.AdjudicateForm(prefix=f"hit-{hit.public_id}")
    hits = [{"hit": hit, "form": hit_forms[hit.pk]} for hit in case["hits"]]
    permit_forms = {
        permit.pk: forms.ReasonForm(prefix=f"permit-{permit.public_id}")
        for permit in case["permits"]
    }
    if "permit" in failed:
        permit_forms[failed["permit"][0]] = failed["permit"][1]
    checklist_forms = {
        row["number"]: forms.ChecklistNoteForm(
            prefix=f"checklist-{row['number']}",
            initial={"body": row["reviewer_note"].body if row["reviewer_note"] else ""},
        )
        for row in case["checklist"]
        if row["may_note"]
    }
    if "checklist" in failed:
        checklist_forms[failed["checklist"][0]] = failed["checklist"][1]
    checklist = [{**row, "form": checklist_forms.get(row["number"])} for row in case["checklist"]]
    failed_form = next(
        (
            form
            for form in [
                *page_forms.values(),
                *hit_forms.values(),
                *permit_forms.values(),
                *checklist_forms.values(),
            ]
            if form.errors
        ),
        None,
    )
    risk_labels = dict(RiskLevel.choices)
    factors = [
        {
            **factor,
            **rules.factor_text(factor),
            "evidence_json": json.dumps(factor.get("evidence"), indent=2, ensure_ascii=False),
            "level_label": risk_labels.get(factor.get("level"), factor.get("level")),
        }
        for factor in (case["latest_run"].factors if case["latest_run"] else [])
    ]
    user = request.user
    actions = offers.available_actions(notification, user)
    roles = access.effective_roles(user, notification)
    context = {
        "notification": notification,
        **case,
        "checklist": checklist,
        "checklist_open": bool(
            case["evidence"]["checklist_no"] or case["evidence"]["checklist_unknown"]
        ),
        "actions": actions,
        "outstanding": selectors.approval_outstanding(notification=notification)
        if "approve" in actions
        else [],
        "hits": hits,
        "factors": factors,
        "forms": page_forms,
        "permits": [
            {"permit": p, "form": permit_forms[p.pk], "moves": _permit_moves(p, roles)}
            for p in case["permits"]
        ],
        "documents": list(Document.objects.filter(notification=notification)),
        "failed_form": failed_form,
        "timeline": _timeline(case["timeline"], notification),
        "is_assignee": case["review"] is not None and case["review"].assignee_id == user.pk,
        "can_adjudicate": notification.status in EXAMINATION_STATUSES,
        "decision_actions": [action for action in _DECISION_FORMS if action in actions],
        "withheld_by_claim": bool(offers.decisions_withheld_by_claim(notification, user)),
        "waiting_on_exporter": notification.status in AWAITING_EXPORTER_STATUSES,
        "can_note_checklist": notification.status in base.INFORM_STATUSES,
        "Status": Status,
        "lateness": planning.lateness_of(notification),
        "covering_notices": inform_notice_selectors.notices_covering(
            notification, parties=case["parties"], items=case["items"]
        ),
        "prior_report": prior_reports.details_for(notification),
        "prior_report_deadlines": prior_reports.deadlines_for(notification),
    }
    return render(request, "notifications/review/case.html", context, status=status)


#: The decision forms of the case page, each shown when its action is offered.
_DECISION_FORMS = ("approve", "request_info", "deny", "countersign", "return")


def _permit_moves(permit: Permit, roles: frozenset[str]) -> list[dict]:
    """The buttons under a permit: the moves of ``workflow.PERMIT_TRANSITIONS`` that the
    reviewer may make from its status, among those this page makes (``_PERMIT_ACTIONS``)."""
    allowed = available_permit_moves(permit.status, roles)
    return [
        {"move": move.value, "label": move.label, "danger": move == PermitMove.REVOKE}
        for move in _PERMIT_ACTIONS
        if move in allowed
    ]


@require_GET
@reviewer_required
def case(request, public_id):
    notification = selectors.access_notification_for_reviewer(
        user=request.user, public_id=public_id
    )
    return _render_case(request, notification)


def _refusal_message(error: TransitionError, notification: Notification) -> str:
    if error.code == "wrong_state":
        current = Notification.objects.get(pk=notification.pk)
        return _(
            "Nothing was changed: this case is now “%(status)s”. A colleague may have acted on it "
            "while you were reading it; the page below shows its current state. (%(detail)s)"
        ) % {"status": current.get_status_display(), "detail": error}
    return _("Nothing was changed: %(detail)s") % {"detail": error}


def _act(request, notification, *, call, success, form=None, form_key=None):
    """Validate ``form``, run ``call(cleaned_data)``, and answer with a redirect and a message —
    or, when the input is wrong, with the case page showing the form's errors (status 400)."""
    if form is not None and not form.is_valid():
        return _render_case(request, notification, failed={form_key: form}, status=400)
    try:
        result = call(form.cleaned_data if form is not None else {})
    except TransitionError as error:
        return _refused(request, notification, error, form=form, form_key=form_key)
    messages.success(request, success(result) if callable(success) else success)
    return redirect("review:case", public_id=notification.public_id)


def _refused(request, notification, error: TransitionError, *, form=None, form_key=None):
    """A refusal about what was typed (or what the case still lacks) goes on the form, with
    everything typed kept; any other refusal is a banner over the case as it now stands."""
    if form is not None and error.code in _FORM_ERRORS:
        _add_refusal(form, error)
        return _render_case(request, notification, failed={form_key: form}, status=400)
    messages.error(request, _refusal_message(error, notification))
    return redirect("review:case", public_id=notification.public_id)


def _decide(request, notification, *, form, form_key, check, call, success, kind):
    """Approve and deny in two steps: the first POST checks everything the service will check
    and shows what is about to be decided; only the second (``step=confirm``) decides. The
    reviewer may go back (``step=edit``) to the case page with what they typed."""
    step = request.POST.get("step", "")
    if not form.is_valid():
        return _render_case(request, notification, failed={form_key: form}, status=400)
    if step == "edit":
        return _render_case(request, notification, failed={form_key: form})
    if step == "confirm":
        return _act(request, notification, form=form, form_key=form_key, call=call, success=success)
    try:
        move = check()
    except TransitionError as error:
        return _refused(request, notification, error, form=form, form_key=form_key)
    case = selectors.review_case(notification=notification)
    context = {
        "notification": notification,
        "kind": kind,
        "form": form,
        "move": move,
        "countersign": move in (Move.APPROVE_FOR_COUNTERSIGN, Move.DENY_FOR_COUNTERSIGN),
        "hits": case["hits"],
        "evidence": case["evidence"],
        "checklist": [row for row in case["checklist"] if row["may_note"]],
        "risk_label": dict(RiskLevel.choices).get(notification.risk_level, ""),
        "action_url": request.path,
    }
    return render(request, "notifications/review/confirm.html", context)


def _notification(request, public_id) -> Notification:
    return selectors.access_notification_for_reviewer(user=request.user, public_id=public_id)


@require_POST
@reviewer_required
def claim(request, public_id):
    notification = _notification(request, public_id)
    return _act(
        request,
        notification,
        call=lambda data: review_desk.review_claim(notification=notification, actor=request.user),
        success=_("You have claimed this case."),
    )


@require_POST
@reviewer_required
def release(request, public_id):
    notification = _notification(request, public_id)
    return _act(
        request,
        notification,
        call=lambda data: review_desk.review_release(notification=notification, actor=request.user),
        success=_("The case is back in the unassigned queue."),
    )


@require_POST
@reviewer_required
def assign(request, public_id):
    notification = _notification(request, public_id)
    return _act(
        request,
        notification,
        form=forms.AssignForm(request.POST),
        form_key="assign",
        call=lambda data: review_desk.review_assign(
            notification=notification, actor=request.user, assignee=data["assignee"]
        ),
        success=_("The case has been assigned."),
    )


@require_POST
@reviewer_required
def adjudicate(request, public_id, hit_id):
    notification = _notification(request, public_id)
    hit = get_object_or_404(
        PartyHit.objects.select_related("run"), public_id=hit_id, run__notification=notification
    )
    form = forms.AdjudicateForm(request.POST, prefix=f"hit-{hit.public_id}")
    if not form.is_valid():
        return _render_case(request, notification, failed={"hit": (hit.pk, form)}, status=400)
    try:
        screening_services.hit_adjudicate(
            hit=hit,
            actor=request.user,
            disposition=form.cleaned_data["disposition"],
            reason=form.cleaned_data["reason"],
        )
    except TransitionError as error:
        if error.code in _FORM_ERRORS:
            form.add_error(None, str(error))
            return _render_case(request, notification, failed={"hit": (hit.pk, form)}, status=400)
        messages.error(request, _refusal_message(error, notification))
        return redirect("review:case", public_id=notification.public_id)
    messages.success(request, _("Your finding on the hit has been recorded."))
    return redirect(f"{notification_url(notification)}#hit-{hit.public_id}")


def notification_url(notification: Notification) -> str:
    from django.urls import reverse

    return reverse("review:case", kwargs={"public_id": notification.public_id})


@require_POST
@reviewer_required
def rerun(request, public_id):
    notification = _notification(request, public_id)
    return _act(
        request,
        notification,
        call=lambda data: screening_services.screening_rerun_request(
            notification=notification, actor=request.user
        ),
        success=_("Screening has been queued again; the new run appears here when it is done."),
    )


@require_POST
@reviewer_required
def note(request, public_id):
    notification = _notification(request, public_id)
    return _act(
        request,
        notification,
        form=forms.NoteForm(request.POST),
        form_key="note",
        call=lambda data: review_desk.notification_add_internal_note(
            notification=notification, actor=request.user, body=data["body"]
        ),
        success=_("Your internal note has been added."),
    )


@require_POST
@reviewer_required
def request_info(request, public_id):
    notification = _notification(request, public_id)
    return _act(
        request,
        notification,
        form=forms.RequestInfoForm(request.POST),
        form_key="request_info",
        call=lambda data: decisions.notification_request_info(
            notification=notification,
            actor=request.user,
            question=data["question"],
            due_on=data["due_on"],
        ),
        success=_("Your question has been sent; the processing period is paused."),
    )


def _approval_message(decision) -> str:
    if decision.kind == DecisionKind.APPROVE_FOR_COUNTERSIGN:
        return _(
            "Approved, pending countersignature: a senior reviewer other than you must "
            "countersign before the permit is issued."
        )
    return _("Approved. The permit has been issued.")


def _denial_message(decision) -> str:
    if decision.kind == DecisionKind.DENY_FOR_COUNTERSIGN:
        return _(
            "Denied, pending countersignature: a senior reviewer other than you must "
            "countersign before the denial letter is issued."
        )
    return _("The notification has been denied.")


def _countersign_message(decision) -> str:
    if decision.kind == DecisionKind.DENY:
        return _("Countersigned. The notification is denied and the denial letter is issued.")
    return _("Countersigned. The permit has been issued.")


@require_POST
@reviewer_required
def approve(request, public_id):
    notification = _notification(request, public_id)
    return _decide(
        request,
        notification,
        form=forms.ApproveForm(request.POST),
        form_key="approve",
        kind="approve",
        check=lambda: decision_rules.approval_check(notification=notification, actor=request.user),
        call=lambda data: decisions.notification_approve(
            notification=notification,
            actor=request.user,
            conditions=data["conditions"],
            validity_months=data["validity_months"],
        ),
        success=_approval_message,
    )


@require_POST
@reviewer_required
def countersign(request, public_id):
    notification = _notification(request, public_id)
    return _act(
        request,
        notification,
        call=lambda data: decisions.notification_countersign(
            notification=notification, actor=request.user
        ),
        success=_countersign_message,
    )


@require_POST
@reviewer_required
def return_approval(request, public_id):
    notification = _notification(request, public_id)
    return _act(
        request,
        notification,
        form=forms.ReturnForm(request.POST),
        form_key="return",
        call=lambda data: decisions.notification_return(
            notification=notification, actor=request.user, reason=data["reason"]
        ),
        success=_("The decision has been returned to review."),
    )


@require_POST
@reviewer_required
def deny(request, public_id):
    notification = _notification(request, public_id)
    return _decide(
        request,
        notification,
        form=forms.DenyForm(request.POST),
        form_key="deny",
        kind="deny",
        check=lambda: decision_rules.denial_check(notification=notification, actor=request.user),
        call=lambda data: decisions.notification_deny(
            notification=notification, actor=request.user, reason=data["reason"]
        ),
        success=_denial_message,
    )


@require_POST
@reviewer_required
def checklist_note(request, public_id, number):
    notification = _notification(request, public_id)
    form = forms.ChecklistNoteForm(request.POST, prefix=f"checklist-{number}")
    if not form.is_valid():
        return _render_case(request, notification, failed={"checklist": (number, form)}, status=400)
    try:
        review_desk.checklist_note_record(
            notification=notification,
            actor=request.user,
            number=number,
            body=form.cleaned_data["body"],
        )
    except TransitionError as error:
        if error.code in _FORM_ERRORS:
            _add_refusal(form, error)
            return _render_case(
                request, notification, failed={"checklist": (number, form)}, status=400
            )
        messages.error(request, _refusal_message(error, notification))
        return redirect("review:case", public_id=notification.public_id)
    messages.success(
        request, _("Your note on checklist item %(number)s has been recorded.") % {"number": number}
    )
    return redirect(f"{notification_url(notification)}#checklist-{number}")


@require_POST
@reviewer_required
def inform(request, public_id):
    notification = _notification(request, public_id)
    return _act(
        request,
        notification,
        form=forms.InformForm(request.POST),
        form_key="inform",
        call=lambda data: inform_notices.notification_inform(
            notification=notification, actor=request.user, grounds=data["grounds"]
        ),
        success=_("The inform notice has been issued: this export needs a licence."),
    )


@require_POST
@reviewer_required
def conclude_no_licence(request, public_id):
    notification = _notification(request, public_id)
    return _act(
        request,
        notification,
        form=forms.ConcludeNoLicenceForm(request.POST),
        form_key="conclude_no_licence",
        call=lambda data: decisions.notification_conclude_no_licence(
            notification=notification, actor=request.user, grounds=data["grounds"]
        ),
        success=_(
            "The case is concluded: no licence is required. The firm gets a dated letter saying "
            "it may proceed."
        ),
    )


#: The permit moves the case page makes, in the order of its buttons.
_PERMIT_ACTIONS = {
    PermitMove.SUSPEND: (permits.permit_suspend, gettext_lazy("The permit has been suspended.")),
    PermitMove.REINSTATE: (permits.permit_reinstate, gettext_lazy("The permit is valid again.")),
    PermitMove.REVOKE: (permits.permit_revoke, gettext_lazy("The permit has been revoked.")),
}


@require_POST
@reviewer_required
def permit_action(request, public_id, permit_id, action):
    notification = _notification(request, public_id)
    if action not in _PERMIT_ACTIONS:
        raise Http404
    permit = get_object_or_404(Permit, public_id=permit_id, notification=notification)
    service, success = _PERMIT_ACTIONS[action]
    form = forms.ReasonForm(request.POST, prefix=f"permit-{permit.public_id}")
    if not form.is_valid():
        return _render_case(request, notification, failed={"permit": (permit.pk, form)}, status=400)
    return _act(
        request,
        notification,
        call=lambda data: service(
            permit=permit, actor=request.user, reason=form.cleaned_data["reason"]
        ),
        success=success,
    )


@require_GET
@reviewer_required
def attachment(request, public_id, attachment_id):
    return downloads.attachment_download(
        actor=request.user,
        door=downloads.Door.REVIEWER,
        notification_id=public_id,
        attachment_id=attachment_id,
        request=request,
    )


@require_GET
@reviewer_required
def document(request, public_id, document_id):
    return downloads.document_download(
        actor=request.user,
        door=downloads.Door.REVIEWER,
        notification_id=public_id,
        document_id=document_id,
        request=request,
    )
