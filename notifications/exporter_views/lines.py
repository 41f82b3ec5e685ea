"""Items and parties: edit and delete, written once for every kind of line of a filing.

``LinePages`` says what the pages of one kind differ in (the form, the template, how the URL
names a line, the messages, what is said after a save); ``notifications.lines.FilingLine`` says the
rest (the model, the services' rules and audit events, the wizard step the pages return to).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from notifications import drafts, lines
from notifications.exporter_views.base import (
    detail_url,
    edit_url,
    exporter_required,
    own_notification,
    refused,
)
from notifications.exporter_views.precheck import tell_of_listed_match
from notifications.exporter_views.wizard import step_context
from notifications.forms import ItemForm, PartyForm, apply_errors
from notifications.models import Notification
from notifications.workflow import EDITABLE_STATUSES, TransitionError


@dataclass(frozen=True)
class LinePages:
    line: lines.FilingLine
    form: type[forms.Form]
    template: str
    #: The field that the line's URL names it by (an item by its key, a party by its public id).
    lookup: str
    saved: Promise
    removed: Promise
    #: Said on the next page after a line is saved (a party that looks listed).
    after_save: Callable[[object, models.Model], None] | None = None


ITEM_PAGES = LinePages(
    line=lines.ITEM,
    form=ItemForm,
    template="notifications/exporter/item_edit.html",
    lookup="pk",
    saved=gettext_lazy("Item saved."),
    removed=gettext_lazy("Item removed."),
)
PARTY_PAGES = LinePages(
    line=lines.PARTY,
    form=PartyForm,
    template="notifications/exporter/party_edit.html",
    lookup="public_id",
    saved=gettext_lazy("Party saved."),
    removed=gettext_lazy("Party removed."),
    after_save=tell_of_listed_match,
)


def find_line(notification: Notification, pages: LinePages, line_id) -> models.Model:
    """A line of this notification, or a 404 (also for an id that is not one)."""
    model = pages.line.model
    try:
        return pages.line.lines_of(notification).get(**{pages.lookup: line_id})
    except (model.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def line_edit(request, public_id, line_id, *, pages: LinePages):
    notification = own_notification(request, public_id)
    obj = find_line(notification, pages, line_id)
    if notification.status not in EDITABLE_STATUSES:
        return redirect(detail_url(notification))
    form = pages.form(request.POST or None, initial=pages.form.initial_for(obj))
    if request.method == "POST" and form.is_valid():
        try:
            obj = drafts.line_update(
                line=pages.line, obj=obj, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        except TransitionError as error:
            return refused(request, notification, error)
        else:
            messages.success(request, str(pages.saved))
            if pages.after_save is not None:
                pages.after_save(request, obj)
            return redirect(edit_url(notification, pages.line.step))
    return render(
        request,
        pages.template,
        step_context(notification, pages.line.step, form=form, **{pages.line.name: obj}),
    )


def line_delete(request, public_id, line_id, *, pages: LinePages):
    notification = own_notification(request, public_id)
    obj = find_line(notification, pages, line_id)
    try:
        drafts.line_delete(line=pages.line, obj=obj, actor=request.user)
    except TransitionError as error:
        return refused(request, notification, error)
    messages.success(request, str(pages.removed))
    return redirect(edit_url(notification, pages.line.step))


# The URLs name their line by its kind ("item_id", "party_id"); the views are the ones above.


@exporter_required
def item_edit(request, public_id, item_id):
    return line_edit(request, public_id, item_id, pages=ITEM_PAGES)


@exporter_required
@require_POST
def item_delete(request, public_id, item_id):
    return line_delete(request, public_id, item_id, pages=ITEM_PAGES)


@exporter_required
def party_edit(request, public_id, party_id):
    return line_edit(request, public_id, party_id, pages=PARTY_PAGES)


@exporter_required
@require_POST
def party_delete(request, public_id, party_id):
    return line_delete(request, public_id, party_id, pages=PARTY_PAGES)
