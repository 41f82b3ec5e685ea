"""The list pages: the list manager's import → diff → publish → re-screen progress, and the
public pages of the published lists (no sign-in).

Management pages answer 403 to a signed-in user without the list manager role; a list version
page answers 404 to such a user (its existence is not disclosed). Every change goes through
``partners.services``, which audits it.
"""

from __future__ import annotations

import base64
import datetime
from functools import lru_cache, wraps
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from exportctl import access
from exportctl.countries import country_name, is_country_code
from partners import list_downloads
from partners.forms import EUL, SDN, SDN_FILES, ListImportForm, MeasureTableUploadForm
from partners.importers import measures_csv
from partners.models import (
    ListedEntry,
    ListImportJob,
    ListImportJobError,
    ListImportJobStatus,
    ListSource,
    ListSubscription,
    ListVersion,
    ListVersionStatus,
    MeasureRow,
    MeasureTableVersion,
)
from partners.selectors import (
    DIFF_FIELDS,
    ListDiff,
    identity_key,
    in_force_version,
    list_version_diff,
    list_versions,
    measure_table_diff,
    measure_table_in_force,
    measure_table_versions,
    published_version,
)
from partners.services import (
    ListImportError,
    ListPublicationRefused,
    ListVersionStateError,
    list_import_job_create,
    list_subscription_set,
    list_version_discard,
    list_version_publish,
    measure_table_discard,
    measure_table_import,
    measure_table_publish,
    publication_counts,
    publication_is_rollback,
)

PAGE_SIZE = 50
VERSIONS_PAGE_SIZE = 25
#: A publication whose fan-out has not counted its cases after this long has lost its task (or
#: predates progress tracking); the page stops polling and says so.
RESCREEN_START_GRACE = datetime.timedelta(minutes=10)

FIELD_LABELS = {
    "name": gettext_lazy("Name"),
    "local_name": gettext_lazy("Name in the local script"),
    "aliases": gettext_lazy("Also known as"),
    "concern_codes": gettext_lazy("Type of WMD concern"),
    "conventional_weapons": gettext_lazy("Conventional weapons (CW)"),
    "country": gettext_lazy("Country or region"),
}
CONCERN_LABELS = {
    "B": gettext_lazy("Biological"),
    "C": gettext_lazy("Chemical"),
    "M": gettext_lazy("Missile"),
    "N": gettext_lazy("Nuclear"),
}
SECTIONS = ("changed", "added", "removed")
#: Source-specific fields kept as published (``ListedEntry.details``), e.g. of the OFAC list.
DETAIL_LABELS = {
    "programs": gettext_lazy("Sanctions programmes"),
    "title": gettext_lazy("Position or title"),
    "call_sign": gettext_lazy("Call sign"),
    "vessel_type": gettext_lazy("Vessel type"),
    "tonnage": gettext_lazy("Tonnage"),
    "grt": gettext_lazy("Gross registered tonnage"),
    "vessel_flag": gettext_lazy("Vessel flag"),
    "vessel_owner": gettext_lazy("Vessel owner"),
    "remarks": gettext_lazy("Remarks"),
    "countries": gettext_lazy("Countries of the addresses"),
    "addresses": gettext_lazy("Addresses"),
    "formerly_known_as": gettext_lazy("Formerly known as"),
}


# --- access ----------------------------------------------------------------------------------


def list_manager_required(view):
    """Anonymous: to the sign-in page. Signed in without the role: 403."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        access.require_list_manager(request.user)
        return view(request, *args, **kwargs)

    return wrapped


def _version_for_list_manager(user, versions, public_id: UUID):
    """A list or measures-table version (or an import job) for its manager. Versions belong to no firm, so there is
    nothing to hide from a signed-in user without the role: they are refused with 403, which puts
    the attempt on the audit trail (a refused privileged action); an unknown id is a 404."""
    if not user.is_authenticated:
        raise Http404
    access.require_list_manager(user, _("Only a list manager can manage list versions."))
    version = versions.filter(public_id=public_id).first()
    if version is None:
        raise Http404
    return version


def access_list_version_for_manager(user, public_id: UUID) -> ListVersion:
    return _version_for_list_manager(
        user,
        ListVersion.objects.select_related("source", "imported_by", "published_by"),
        public_id,
    )


# --- reads for the pages ---------------------------------------------------------------------


def _baseline(version: ListVersion) -> ListVersion | None:
    """What a version is compared with: a draft (or a discarded draft) with the version in force;
    a published or superseded version with the one it replaced."""
    if version.status in (ListVersionStatus.DRAFT, ListVersionStatus.DISCARDED):
        return published_version(version.source.code)
    return (
        ListVersion.objects.filter(
            source_id=version.source_id,
            status=ListVersionStatus.SUPERSEDED,
            published_at__lt=version.published_at,
        )
        .order_by("-published_at", "-pk")
        .first()
    )


@lru_cache(maxsize=4)
def _cached_diff(old_public_id: UUID | None, new_public_id: UUID) -> ListDiff:
    """A version's entries never change after import, so a diff keyed by the two public ids
    (never reused, unlike primary keys) stays true; paging through it costs one computation."""
    old = ListVersion.objects.get(public_id=old_public_id) if old_public_id else None
    new = ListVersion.objects.get(public_id=new_public_id)
    return list_version_diff(old=old, new=new)


def _display(name: str, value) -> str:
    if name == "concern_codes":
        return ", ".join(sorted(value)) or "—"
    if name == "conventional_weapons":
        return _("CW") if value else "—"
    return value or "—"


def _change_rows(changes) -> list[dict]:
    rows = []
    for change in changes:
        fields = []
        for name in change.fields:
            old, new = getattr(change.old, name), getattr(change.new, name)
            field = {"name": name, "label": FIELD_LABELS[name]}
            if name == "aliases":
                field["added"] = [a for a in new if a not in old]
                field["removed"] = [a for a in old if a not in new]
            else:
                field["old"], field["new"] = _display(name, old), _display(name, new)
            fields.append(field)
        rows.append({"old": change.old, "new": change.new, "fields": fields})
    return rows


@lru_cache(maxsize=8)
def _search_index(version_public_id: UUID) -> tuple[tuple[int, str, str], ...]:
    """(number, country, every name's identity key) per entry of a version, in number order.

    Searched in Python rather than with SQL ``icontains``: aliases are a JSON list, which SQLite
    stores with non-ASCII letters escaped, and the identity key also folds width, case and the
    spaces typeset inside local-script names ("有限公 司")."""
    rows = ListedEntry.objects.filter(version__public_id=version_public_id).values_list(
        "number", "country", "name", "local_name", "aliases"
    )
    index = []
    for number, country, name, local_name, aliases in rows.order_by("number"):
        keys = (identity_key(n) for n in (name, local_name, *aliases) if n)
        index.append((number, country, "\n".join(k for k in keys if k)))
    return tuple(index)


def _entry_page(version: ListVersion, *, query: str, country: str, page_number):
    entries = ListedEntry.objects.filter(version=version)
    if not query:
        if country:
            entries = entries.filter(country=country)
        return Paginator(entries.order_by("number"), PAGE_SIZE).get_page(page_number)
    key = identity_key(query)
    numbers = [
        number
        for number, entry_country, names in _search_index(version.public_id)
        if key in names and (not country or entry_country == country)
    ]
    page = Paginator(numbers, PAGE_SIZE).get_page(page_number)
    by_number = {e.number: e for e in entries.filter(number__in=list(page.object_list))}
    page.object_list = [by_number[n] for n in page.object_list]
    return page


def _countries(version: ListVersion) -> list[tuple[str, str]]:
    labels: dict[str, str] = {}
    rows = (
        ListedEntry.objects.filter(version=version)
        .exclude(country="")
        .values_list("country", "country_label")
        .order_by("country", "number")
    )
    for code, label in rows:
        labels.setdefault(code, label)
    # The filter offers each country by its name in the reader's language (the list's own label is
    # bilingual, Japanese first), with the code the list files it under.
    return [
        (code, f"{country_name(code)} ({code})" if is_country_code(code) else (label or code))
        for code, label in sorted(labels.items(), key=lambda kv: country_name(kv[0]))
    ]


def _detail_rows(details: dict) -> list[tuple[str, list[str]]]:
    rows = []
    for key, value in details.items():
        items = value if isinstance(value, list) else [value]
        texts = [
            ", ".join(str(v) for v in item.values()) if isinstance(item, dict) else str(item)
            for item in items
        ]
        texts = [t for t in texts if t]
        if texts:
            rows.append((DETAIL_LABELS.get(key, key), texts))
    return rows


def _published_or_404(source_code: str) -> ListVersion:
    version = published_version(source_code)
    if version is None:
        raise Http404
    return version


# --- management pages ------------------------------------------------------------------------


@list_manager_required
@require_GET
def manage(request):
    sources = list(ListSource.objects.all())
    for source in sources:
        source.in_force = published_version(source.code)
    page = Paginator(list_versions(), VERSIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "partners/manage.html", {"sources": sources, "page": page})


def _request_import(form: ListImportForm, *, actor) -> ListImportJob:
    """Keep the uploaded file(s) and queue their import by the worker."""
    data = form.cleaned_data
    if data["source"] == EUL:
        upload = data["eul_file"]
        return list_import_job_create(
            source_code=EUL,
            files={"list.xlsx": upload},
            file_name=upload.name,
            actor=actor,
            # Left empty, the service labels the version by its revision date (given, or the
            # date in METI's file name), as `import_list` does.
            label=data["label"],
            issued_on=data["issued_on"],
            effective_from=data["effective_from"],
        )
    # The OFAC importer reads a directory holding the three files under their own names.
    return list_import_job_create(
        source_code=SDN,
        files={file_name: data[field] for field, file_name in SDN_FILES.items()},
        file_name=data["sdn_file"].name,
        actor=actor,
        label=data["label"] or timezone.localdate().isoformat(),
        issued_on=data["issued_on"],
        effective_from=data["effective_from"],
    )


@list_manager_required
def version_import(request):
    """The upload form. A valid upload becomes an import job, and the page of the job follows."""
    if request.method == "POST":
        form = ListImportForm(request.POST, request.FILES)
        if form.is_valid():
            job = _request_import(form, actor=request.user)
            return redirect("partners:import_job", public_id=job.public_id)
    else:
        form = ListImportForm()
    return render(request, "partners/import.html", {"form": form, "problems": form.problems})


def access_import_job_for_manager(user, public_id: UUID) -> ListImportJob:
    return _version_for_list_manager(
        user, ListImportJob.objects.select_related("version", "requested_by"), public_id
    )


def _job_context(job: ListImportJob) -> dict:
    error = ""
    if job.error == ListImportJobError.TIME_LIMIT:
        error = _(
            "The import took longer than %(seconds)d seconds and was stopped. Nothing was "
            "imported. Check that the file is the list as published by the ministry."
        ) % {"seconds": settings.LIST_IMPORT_SOFT_TIME_LIMIT}
    elif job.error == ListImportJobError.WORKER_LOST:
        error = _(
            "The worker stopped before the import finished. Nothing was imported; upload the "
            "file again."
        )
    elif job.error == ListImportJobError.INTERNAL:
        error = _(
            "The import stopped on an unexpected error. Nothing was imported; the error is in "
            "the worker's log."
        )
    count = len(job.problems)
    return {
        "job": job,
        "job_error": error,
        "problems_message": ngettext(
            "The file has %(count)d problem, listed below. Nothing was imported.",
            "The file has %(count)d problems, listed below. Nothing was imported.",
            count,
        )
        % {"count": count},
        "job_polling": not job.finished,
    }


def _job_done(request, job: ListImportJob) -> None:
    messages.success(
        request,
        _("Version “%(label)s” was imported as a draft with %(count)d entries.")
        % {"label": job.version.label, "count": job.version.entry_count},
    )


@login_required
@require_GET
def import_job(request, public_id: UUID):
    """The job's page: its progress while the worker runs it, then every problem of a refused
    file; a job that imported goes on to the draft's comparison with the version in force."""
    job = access_import_job_for_manager(request.user, public_id)
    if job.status == ListImportJobStatus.SUCCEEDED:
        _job_done(request, job)
        return redirect("partners:version", public_id=job.version.public_id)
    return render(request, "partners/import_job.html", _job_context(job))


@login_required
@require_GET
def import_job_progress(request, public_id: UUID):
    """The job's status panel alone, polled by htmx until the job is finished."""
    job = access_import_job_for_manager(request.user, public_id)
    url = reverse("partners:import_job", kwargs={"public_id": job.public_id})
    if not request.htmx:
        return HttpResponseRedirect(url)
    if job.status == ListImportJobStatus.SUCCEEDED:
        _job_done(request, job)
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse(
            "partners:version", kwargs={"public_id": job.version.public_id}
        )
        return response
    if job.status == ListImportJobStatus.FAILED:
        # The whole page, with the problems table and the error summary, replaces the panel.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return render(request, "partners/_import_job_status.html", _job_context(job))


@login_required
@require_GET
def version_detail(request, public_id: UUID):
    version = access_list_version_for_manager(request.user, public_id)
    baseline = _baseline(version)
    diff = _cached_diff(baseline.public_id if baseline else None, version.public_id)
    counts = {"changed": diff.changed_count, "added": diff.added_count}
    counts["removed"] = diff.removed_count
    section = request.GET.get("section")
    if section not in SECTIONS:
        section = next((s for s in SECTIONS if counts[s]), "changed")
    items = {"changed": diff.changed, "added": diff.added, "removed": diff.removed}[section]
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    if section == "changed":
        page.object_list = _change_rows(page.object_list)
    field_counts = diff.changed_field_counts()
    context = {
        "version": version,
        "baseline": baseline,
        "diff": diff,
        "counts": counts,
        "sections": [(s, counts[s]) for s in SECTIONS],
        "section": section,
        "page": page,
        "field_counts": [(FIELD_LABELS[f], field_counts[f]) for f in DIFF_FIELDS],
        **_progress_context(version),
        **_publication_context(request.user, version, baseline, diff),
    }
    return render(request, "partners/version_detail.html", context)


def _publication_context(user, version: ListVersion, baseline, diff) -> dict:
    """What the confirmation step below the diff states: the counts, whether the publication
    is a rollback, whether it takes a second list manager, and the proposal if one is pending
    (made against the version now in force)."""
    if version.status != ListVersionStatus.DRAFT:
        return {}
    counts = publication_counts(diff)
    rollback = publication_is_rollback(version=version, in_force=baseline)
    proposal = version.publication_proposed and version.publication_proposed_over_id == (
        baseline.pk if baseline else None
    )
    return {
        "publication": {
            "counts": counts,
            "rollback": rollback,
            "four_eyes": rollback or counts["removed"] > 0,
            "proposal": proposal,
            "proposed_by_me": proposal and version.publication_proposed_by_id == user.pk,
        }
    }


def _progress_context(version: ListVersion) -> dict:
    shown = version.status in (ListVersionStatus.PUBLISHED, ListVersionStatus.SUPERSEDED)
    # A revision that applies from a later date is re-screened from that date on.
    waiting = (
        shown
        and not version.rescreen_started
        and version.effective_from is not None
        and version.effective_from > timezone.localdate()
    )
    lost = (
        shown
        and not waiting
        and not version.rescreen_started
        and version.published_at is not None
        and timezone.now() - version.published_at > RESCREEN_START_GRACE
    )
    return {
        "progress_shown": shown,
        "progress_lost": lost,
        "progress_waiting": waiting,
        "progress_polling": shown and not lost and not waiting and not version.rescreen_finished,
    }


@login_required
@require_GET
def version_progress(request, public_id: UUID):
    """The progress panel alone, polled by htmx until the re-screen is finished."""
    version = access_list_version_for_manager(request.user, public_id)
    if not request.htmx:
        url = reverse("partners:version", kwargs={"public_id": version.public_id})
        return HttpResponseRedirect(f"{url}#rescreen-progress")
    context = {"version": version, **_progress_context(version)}
    return render(request, "partners/_rescreen_progress.html", context)


def _refuse_not_a_draft(request, version, *, publishing: bool) -> None:
    """The message when a list or measures version is no longer a draft to publish or discard."""
    message = (
        _("Only a draft can be published; version “%(label)s” is %(status)s.")
        if publishing
        else _("Only a draft can be discarded; version “%(label)s” is %(status)s.")
    )
    messages.error(
        request, message % {"label": version.label, "status": version.get_status_display()}
    )


@login_required
@require_POST
def version_publish(request, public_id: UUID):
    version = access_list_version_for_manager(request.user, public_id)
    try:
        published = list_version_publish(
            version=version,
            actor=request.user,
            rollback_reason=request.POST.get("rollback_reason", "")[:2000],
        )
    except ListVersionStateError:
        _refuse_not_a_draft(request, version, publishing=True)
    except ListPublicationRefused as exc:
        messages.error(request, exc.message)
    else:
        if published.awaiting_confirmation:
            messages.success(
                request,
                _(
                    "The publication of version “%(label)s” is proposed. A second list manager "
                    "must confirm it; until then the version in force stays."
                )
                % {"label": published.label},
            )
        else:
            messages.success(
                request,
                _("Version “%(label)s” is published. Open work is being re-screened against it.")
                % {"label": published.label},
            )
    return redirect("partners:version", public_id=version.public_id)


@login_required
@require_POST
def version_discard(request, public_id: UUID):
    version = access_list_version_for_manager(request.user, public_id)
    try:
        list_version_discard(version=version, actor=request.user)
    except ListVersionStateError:
        _refuse_not_a_draft(request, version, publishing=False)
        return redirect("partners:version", public_id=version.public_id)
    messages.success(request, _("Draft “%(label)s” was discarded.") % {"label": version.label})
    return redirect("partners:manage")


# --- the Russia/Belarus measures table --------------------------------------------------------

MEASURE_FIELD_LABELS = {
    "category": gettext_lazy("Category"),
    "destinations": gettext_lazy("Destinations"),
    "description_en": gettext_lazy("Description (English)"),
    "description_ja": gettext_lazy("Description (Japanese)"),
    "effective_to": gettext_lazy("Applies until"),
    "legal_basis": gettext_lazy("Legal basis (notice)"),
    "confirmed": gettext_lazy("Confirmed against the notice"),
}


def access_measure_table_for_manager(user, public_id: UUID) -> MeasureTableVersion:
    return _version_for_list_manager(
        user, MeasureTableVersion.objects.select_related("imported_by", "published_by"), public_id
    )


def _measure_value(row: MeasureRow, name: str):
    value = getattr(row, name)
    if name == "category":
        return row.get_category_display()
    if name == "confirmed":
        return _("yes") if value else _("no")
    return value if value not in (None, "") else "—"


@list_manager_required
@require_http_methods(["GET", "POST"])
def measures_manage(request):
    """The table in force, every version, and the upload of a new draft."""
    problems = []
    form = MeasureTableUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            version = measure_table_import(
                file=upload,
                file_name=upload.name,
                actor=request.user,
                label=form.cleaned_data["label"],
            )
        except ListImportError as exc:
            problems = exc.problems
            form.add_error(
                "file",
                ngettext(
                    "The file has %(count)d problem, listed below. Nothing was imported.",
                    "The file has %(count)d problems, listed below. Nothing was imported.",
                    len(problems),
                )
                % {"count": len(problems)},
            )
        else:
            messages.success(
                request,
                _("Version “%(label)s” was imported as a draft with %(count)d rows.")
                % {"label": version.label, "count": version.row_count},
            )
            return redirect("partners:measures_version", public_id=version.public_id)
    context = {
        "form": form,
        "problems": problems,
        "in_force": measure_table_in_force(),
        "versions": measure_table_versions()[:VERSIONS_PAGE_SIZE],
        "columns": measures_csv.COLUMNS,
    }
    return render(
        request, "partners/measures_manage.html", context, status=400 if problems else 200
    )


@login_required
@require_GET
def measures_version(request, public_id: UUID):
    """One version: its diff against the table in force (a draft) or the one it replaced."""
    version = access_measure_table_for_manager(request.user, public_id)
    in_force = measure_table_in_force()
    if version.status in (ListVersionStatus.DRAFT, ListVersionStatus.DISCARDED):
        baseline = in_force
    else:
        baseline = (
            MeasureTableVersion.objects.filter(
                status=ListVersionStatus.SUPERSEDED, published_at__lt=version.published_at
            )
            .order_by("-published_at", "-pk")
            .first()
        )
    diff = measure_table_diff(old=baseline, new=version)
    changes = [
        {
            "row": change.new,
            "fields": [
                {
                    "label": MEASURE_FIELD_LABELS[name],
                    "old": _measure_value(change.old, name),
                    "new": _measure_value(change.new, name),
                }
                for name in change.fields
            ],
        }
        for change in diff.changed
    ]
    context = {
        "version": version,
        "baseline": baseline,
        "diff": diff,
        "changes": changes,
        "rows": version.rows.all(),
    }
    return render(request, "partners/measures_version.html", context)


@login_required
@require_POST
def measures_publish(request, public_id: UUID):
    version = access_measure_table_for_manager(request.user, public_id)
    try:
        measure_table_publish(version=version, actor=request.user)
    except ListVersionStateError:
        _refuse_not_a_draft(request, version, publishing=True)
    else:
        messages.success(
            request,
            _("The measures table “%(label)s” is in force. New screenings apply it.")
            % {"label": version.label},
        )
    return redirect("partners:measures_version", public_id=version.public_id)


@login_required
@require_POST
def measures_discard(request, public_id: UUID):
    version = access_measure_table_for_manager(request.user, public_id)
    try:
        measure_table_discard(version=version, actor=request.user)
    except ListVersionStateError:
        _refuse_not_a_draft(request, version, publishing=False)
        return redirect("partners:measures_version", public_id=version.public_id)
    messages.success(request, _("Draft “%(label)s” was discarded.") % {"label": version.label})
    return redirect("partners:measures")


@login_required
@require_GET
def measures_download(request, public_id: UUID):
    """The version in the upload format, to edit and upload as the next draft."""
    version = access_measure_table_for_manager(request.user, public_id)
    response = HttpResponse(
        measures_csv.to_csv(version.rows.all()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="measures-{version.public_id}.csv"'
    return response


# --- public pages ----------------------------------------------------------------------------


@require_GET
def public_index(request):
    sources = list(ListSource.objects.all())
    for source in sources:
        source.in_force = published_version(source.code)
        source.screened_with = in_force_version(source.code)
    published = [s for s in sources if s.in_force is not None]
    return render(request, "partners/public_index.html", {"sources": published})


@require_GET
def public_list(request, source_code: str):
    version = _published_or_404(source_code)
    query = request.GET.get("q", "").strip()[:200]
    countries = _countries(version)
    country = request.GET.get("country", "")
    if country not in dict(countries):
        country = ""
    page = _entry_page(version, query=query, country=country, page_number=request.GET.get("page"))
    context = {
        "source": version.source,
        "version": version,
        "screened_with": in_force_version(source_code),
        "query": query,
        "country": country,
        "countries": countries,
        "page": page,
        "filtered": bool(query or country),
    }
    return render(request, "partners/public_list.html", context)


@require_GET
def public_entry(request, source_code: str, number: int):
    version = _published_or_404(source_code)
    entry = get_object_or_404(ListedEntry, version=version, number=number)
    concerns = [(code, CONCERN_LABELS.get(code, code)) for code in entry.concern_codes]
    context = {
        "source": version.source,
        "version": version,
        "entry": entry,
        "concerns": concerns,
        "details": _detail_rows(entry.details),
    }
    return render(request, "partners/public_entry.html", context)


# --- the list information as firms use it: downloads, changes, feed ---------------------------

CHANGES_PAGE_SIZE = 50


def _public_version_or_404(source_code: str, label: str) -> ListVersion:
    version = list_downloads.public_version(source_code, label)
    if version is None:
        raise Http404
    return version


@require_GET
def public_downloads(request, source_code: str):
    """Every published and superseded revision of a list, each as CSV, XLSX and JSON with the
    SHA-256 of each file; no sign-in."""
    versions = list(list_downloads.public_versions(source_code))
    if not versions:
        raise Http404
    revisions = []
    for version in versions:
        files = [(fmt, list_downloads.download(version, fmt)) for fmt in list_downloads.FORMATS]
        revisions.append({"version": version, "files": files})
    context = {
        "source": versions[0].source,
        "in_force": next((v for v in versions if v.status == ListVersionStatus.PUBLISHED), None),
        "revisions": revisions,
        "attribution": list_downloads.attribution(versions[0].source),
    }
    return render(request, "partners/public_downloads.html", context)


@require_GET
def public_download(request, source_code: str, label: str, fmt: str):
    """One revision's file. The same bytes for every request; the SHA-256 the downloads page
    shows is sent in ``X-Content-SHA256`` (hex) and ``Repr-Digest`` (RFC 9530)."""
    if fmt not in list_downloads.FORMATS:
        raise Http404
    version = _public_version_or_404(source_code, label)
    file = list_downloads.download(version, fmt)
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{file.file_name}"'
    response["X-Content-SHA256"] = file.sha256
    digest = base64.b64encode(bytes.fromhex(file.sha256)).decode()
    response["Repr-Digest"] = f"sha-256=:{digest}:"
    response["Cache-Control"] = "public, max-age=3600"
    return response


def _previous_public(version: ListVersion) -> ListVersion | None:
    return (
        list_downloads.public_versions(version.source.code)
        .filter(published_at__lt=version.published_at)
        .first()
    )


@require_GET
def public_changes(request, source_code: str):
    """What changed between any two published revisions (``from`` and ``to``, by label): by
    default the revision in force against the one it replaced."""
    versions = list(list_downloads.public_versions(source_code))
    if not versions:
        raise Http404
    by_label: dict[str, ListVersion] = {}
    for version in versions:
        by_label.setdefault(version.label, version)
    new = by_label.get(request.GET.get("to", "")) or versions[0]
    old_label = request.GET.get("from", "")
    old = by_label.get(old_label) if old_label else _previous_public(new)
    if old is not None and old.pk == new.pk:
        old = None
    diff = _cached_diff(old.public_id if old else None, new.public_id)
    counts = {"changed": diff.changed_count, "added": diff.added_count}
    counts["removed"] = diff.removed_count
    section = request.GET.get("section")
    if section not in SECTIONS:
        section = next((s for s in SECTIONS if counts[s]), "changed")
    items = {"changed": diff.changed, "added": diff.added, "removed": diff.removed}[section]
    page = Paginator(items, CHANGES_PAGE_SIZE).get_page(request.GET.get("page"))
    if section == "changed":
        page.object_list = _change_rows(page.object_list)
    field_counts = diff.changed_field_counts()
    context = {
        "source": new.source,
        "versions": versions,
        "old": old,
        "new": new,
        "diff": diff,
        "counts": counts,
        "sections": [(s, counts[s]) for s in SECTIONS],
        "section": section,
        "page": page,
        "field_counts": [(FIELD_LABELS[f], field_counts[f]) for f in DIFF_FIELDS],
    }
    return render(request, "partners/public_changes.html", context)


class PublicationsFeed(Feed):
    """An Atom feed of the publications of every list: one entry per published revision."""

    feed_type = Atom1Feed
    title = gettext_lazy("Published lists: new revisions")
    subtitle = gettext_lazy(
        "Each revision of a list published here, with what changed and its downloads."
    )

    def link(self):
        return reverse("partners:public_index")

    def feed_guid(self):
        return "tag:exportctl,2025:lists/feed"

    def items(self):
        return (
            ListVersion.objects.select_related("source")
            .filter(status__in=list_downloads.PUBLIC_STATUSES)
            .order_by("-published_at", "-pk")[:50]
        )

    def item_title(self, item: ListVersion) -> str:
        return _("%(list)s: revision %(label)s") % {"list": item.source.name, "label": item.label}

    def item_description(self, item: ListVersion) -> str:
        text = ngettext(
            "Revision %(label)s, %(count)d entry.",
            "Revision %(label)s, %(count)d entries.",
            item.entry_count,
        ) % {"label": item.label, "count": item.entry_count}
        if item.effective_from:
            text += " " + _("In force from %(date)s.") % {"date": item.effective_from.isoformat()}
        return text

    def item_link(self, item: ListVersion) -> str:
        url = reverse("partners:public_changes", kwargs={"source_code": item.source.code})
        return f"{url}?{urlencode({'to': item.label})}"

    def item_guid(self, item: ListVersion) -> str:
        return f"urn:uuid:{item.public_id}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: ListVersion):
        return item.published_at

    def item_updateddate(self, item: ListVersion):
        return item.published_at

    def item_author_name(self, item: ListVersion) -> str:
        return item.source.authority


publications_feed = require_GET(PublicationsFeed())


# --- e-mail subscription (signed-in firm users) -------------------------------------------------


def firm_user_required(view):
    """Anonymous: to the sign-in page. Signed in but not a firm's exporter or admin: 403."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        access.require_firm_tool_user(
            request.user, _("Only a firm's users can subscribe to the lists.")
        )
        return view(request, *args, **kwargs)

    return wrapped


@firm_user_required
@require_http_methods(["GET", "POST"])
def subscription(request):
    """Subscribe to (or unsubscribe from) the e-mail sent when a list revision is published."""
    if request.method == "POST":
        subscribe = request.POST.get("action") == "subscribe"
        list_subscription_set(user=request.user, subscribed=subscribe)
        messages.success(
            request,
            _("You will be e-mailed when a new revision of a list is published.")
            if subscribe
            else _("You will no longer be e-mailed about new revisions."),
        )
        return redirect("partners:subscription")
    subscribed = ListSubscription.objects.filter(user=request.user).exists()
    return render(request, "partners/subscription.html", {"subscribed": subscribed})
