"""Every change of a list version's state: import (as a draft), publish, discard; the same for
the Russia/Belarus measures table; and the load of the seeded reference data.

Each service writes in one transaction together with its audit event. Parsing happens before the
transaction opens, so a slow or refused file never holds a lock, and a file with any problem
writes nothing at all — not the version, not one entry, not an audit event.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import IO, TYPE_CHECKING, Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.translation import gettext as _

from exportctl import access
from exportctl.audit import trail
from exportctl.audit.checkpoints import make_checkpoint
from exportctl.audit.models import CheckpointReason
from partners.hooks import list_version_published
from partners.importers import IMPORTERS, get_importer, measures_csv
from partners.importers.base import MAX_FILE_BYTES, ParseResult, Problem
from partners.models import (
    ListedEntry,
    ListImportJob,
    ListImportJobError,
    ListImportJobStatus,
    ListSource,
    ListVersion,
    ListVersionStatus,
    MeasureCategory,
    MeasureRow,
    MeasureTableVersion,
    list_import_job_dir,
)
from partners.selectors import ListDiff, list_version_diff, measure_table_diff

if TYPE_CHECKING:
    from exportctl.accounts.models import User

FileInput = str | os.PathLike[str] | IO[bytes]


class ListImportError(Exception):
    """The file was refused; ``problems`` holds every problem found, each with row and column."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(f"the list file has {len(self.problems)} problem(s)")


class ListVersionStateError(Exception):
    """The move is not allowed from the version's current status."""


class ListPublicationRefused(Exception):
    """The publication breaks a rule of safe publication: an older revision without a declared
    rollback, a rollback without a reason, or a confirmation by the person who proposed it.
    ``message`` is translated (English or Japanese, the active language); nothing was written."""

    def __init__(self, message: str) -> None:
        self.message = str(message)
        super().__init__(self.message)


#: METI names its workbooks by the revision date: ``20250929_4.xlsx``, ``20250131.xlsx``.
_DATED_NAME_RE = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})(?:[_\-. ].*)?$")


def revision_date_from_name(file_name: str) -> datetime.date | None:
    """The revision date a list file's name states (METI's ``YYYYMMDD[_n].xlsx``), or ``None``."""
    match = _DATED_NAME_RE.match(Path(file_name.rstrip("/")).stem)
    if match is None:
        return None
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def revision_label(
    *, file_name: str, label: str | None, issued_on: datetime.date | None
) -> tuple[str, datetime.date | None]:
    """The label and revision date of a new version; the browser and ``import_list`` both get
    theirs here. The revision date is the one given, else the one the file name states; the
    label is that date (``2025-09-29``), followed by a given label that says more
    (``2025-09-29 (correction)``). A source whose files state no date (the OFAC snapshot) keeps
    the given label or the file name."""
    revision = issued_on or revision_date_from_name(file_name)
    given = (label or "").strip()
    if revision is None:
        return (given or Path(file_name).stem or file_name), None
    iso = revision.isoformat()
    # A label that only repeats the file name or the date (``20250131``) is the date.
    bare = given == Path(file_name).stem or re.fullmatch(r"\d{8}", given) is not None
    if not given or given == iso or (bare and revision_date_from_name(given) == revision):
        return iso, revision
    if given.startswith(iso):
        return given, revision
    return f"{iso} ({given})", revision


# --- helpers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Input:
    """What the parser reads and what is fingerprinted: the bytes of one file, or a directory."""

    parse_arg: Any
    sha256: str


def _read_input(file: FileInput, takes: str) -> _Input:
    if takes == "directory":
        directory = Path(file)  # type: ignore[arg-type]
        digest = hashlib.sha256()
        if directory.is_dir():
            # A fingerprint of the whole set: each file's name and its own hash, in name order.
            for path in sorted(p for p in directory.iterdir() if p.is_file()):
                digest.update(path.name.encode() + b"\0")
                digest.update(hashlib.sha256(path.read_bytes()).hexdigest().encode() + b"\n")
        return _Input(directory, digest.hexdigest())
    if isinstance(file, (str, os.PathLike)):
        path = Path(file)
        if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
            return _Input(path, "")  # the parser reports the problem
        data = path.read_bytes()
    else:
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            return _Input(io.BytesIO(data), "")
    return _Input(io.BytesIO(data), hashlib.sha256(data).hexdigest())


def _actor_user(actor: User | None) -> User | None:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _source(code: str) -> ListSource:
    spec = IMPORTERS[code]
    source, _ = ListSource.objects.get_or_create(
        code=code,
        defaults={
            "name": spec.name,
            "authority": spec.authority,
            "advisory": spec.advisory,
            "url": spec.url,
        },
    )
    return source


# --- services --------------------------------------------------------------------------------


def list_version_parse(*, source_code: str, file: FileInput) -> tuple[ParseResult, str]:
    """Parse without writing anything: the result and the file's SHA-256 (for a dry run)."""
    spec = get_importer(source_code)
    source_input = _read_input(file, spec.takes)
    return spec.parse(source_input.parse_arg), source_input.sha256


def _refuse_twin(twin: ListVersion | MeasureTableVersion | None) -> None:
    """The very same file is already a version (a draft, or one in force): importing it again
    would only make a copy, so it is refused as a problem of the file."""
    if twin is not None:
        raise ListImportError(
            [
                Problem(
                    None,
                    None,
                    f"this file was already imported as version '{twin.label}' ({twin.status})",
                )
            ]
        )


def list_version_import(
    *,
    source_code: str,
    file: FileInput,
    file_name: str,
    actor: User | None,
    label: str | None = None,
    issued_on: datetime.date | None = None,
    on_stored: Callable[[ListVersion], None] | None = None,
    effective_from: datetime.date | None = None,
) -> ListVersion:
    """Parse ``file`` and store it as a DRAFT version of the source with all its entries.

    Raises ``ListImportError`` with every problem when the file has any (nothing is written), or
    when the very same file is already a draft or published version of this source.
    ``on_stored`` is called with the new version inside the transaction that stores it (the
    import job records its success there, so the two can never disagree).
    """
    result, sha256 = list_version_parse(source_code=source_code, file=file)
    if result.problems:
        raise ListImportError(result.problems)
    label, issued_on = revision_label(file_name=file_name, label=label, issued_on=issued_on)
    if issued_on is None and get_importer(source_code).dated:
        raise ListImportError(
            [
                Problem(
                    None,
                    None,
                    f"the revision date is not in the file name '{file_name}' "
                    "(METI's YYYYMMDD.xlsx); give it as the ministry's publication date",
                )
            ]
        )
    if len(label) > 100:
        raise ValueError("the label is longer than 100 characters")

    with transaction.atomic():
        source = _source(source_code)
        twin = (
            ListVersion.objects.filter(source=source, file_sha256=sha256)
            .exclude(status=ListVersionStatus.DISCARDED)
            .first()
        )
        _refuse_twin(twin)
        version = ListVersion.objects.create(
            source=source,
            label=label,
            issued_on=issued_on,
            # The ministry's date of application; the revision date unless given.
            effective_from=effective_from or issued_on,
            status=ListVersionStatus.DRAFT,
            file_name=file_name[:255],
            file_sha256=sha256,
            entry_count=len(result.entries),
            imported_by=_actor_user(actor),
        )
        ListedEntry.objects.bulk_create(
            [
                ListedEntry(
                    version=version,
                    number=e.number,
                    kind=e.kind,
                    country=e.country,
                    country_label=e.country_label[:200],
                    name=e.name[:500],
                    local_name=e.local_name[:500],
                    aliases=e.aliases,
                    concern_codes=e.concern_codes,
                    conventional_weapons=e.conventional_weapons,
                    details=e.details,
                    row_hash=e.row_hash,
                )
                for e in result.entries
            ],
            batch_size=1000,
        )
        trail.record(
            action="list_version.import",
            actor=actor,
            obj=version,
            data={
                "source": source.code,
                "label": version.label,
                "file_name": version.file_name,
                "file_sha256": sha256,
                "entry_count": version.entry_count,
                "issued_on": issued_on,
                "applies_from": version.effective_from,
            },
        )
        if on_stored is not None:
            on_stored(version)
    return version


# --- import jobs: the list manager's upload, imported by the worker ----------------------------

#: A job still queued after this long has lost its message; the sweeper queues it again.
IMPORT_JOB_QUEUED_STUCK_AFTER = datetime.timedelta(minutes=5)
#: How many times a job may be started: acks_late redelivers the message of a worker that died.
IMPORT_JOB_MAX_ATTEMPTS = 3
#: A job running this long past the hard time limit has lost its worker; the sweeper fails it.
IMPORT_JOB_RUNNING_GRACE = datetime.timedelta(minutes=5)


def _stored_sha256(names: list[str]) -> str:
    """The fingerprint ``list_version_import`` computes: a file's own SHA-256, or for a set of
    files (a directory) the hash of each name and each file's SHA-256, in name order."""
    digests = {}
    for name in names:
        digest = hashlib.sha256()
        with default_storage.open(name, "rb") as stored:
            for chunk in iter(lambda: stored.read(2**20), b""):
                digest.update(chunk)
        digests[Path(name).name] = digest.hexdigest()
    if len(digests) == 1:
        return next(iter(digests.values()))
    combined = hashlib.sha256()
    for name in sorted(digests):
        combined.update(name.encode() + b"\0")
        combined.update(digests[name].encode() + b"\n")
    return combined.hexdigest()


def list_import_job_create(
    *,
    source_code: str,
    files: dict[str, Any],
    file_name: str,
    actor: User,
    label: str = "",
    issued_on: datetime.date | None = None,
    effective_from: datetime.date | None = None,
) -> ListImportJob:
    """Keep the uploaded ``files`` (stored name → uploaded file) and queue their import.

    The files go under MEDIA_ROOT (``var/``, never served) with their SHA-256; the worker imports
    them once the job row has committed. A source that reads a directory gets all the files under
    their own names, a single-file source exactly one."""
    from partners import tasks  # the tasks module calls these services

    get_importer(source_code)  # an unknown source is a bug of the caller: refuse before storing
    public_id = uuid.uuid4()
    directory = list_import_job_dir(public_id)
    names = []
    for name, upload in files.items():
        if hasattr(upload, "seek"):
            upload.seek(0)
        names.append(default_storage.save(f"{directory}/{Path(name).name}", upload))
    with transaction.atomic():
        job = ListImportJob.objects.create(
            public_id=public_id,
            source_code=source_code,
            file_dir=directory,
            file_name=file_name[:255],
            file_sha256=_stored_sha256(names),
            label=label[:100],
            issued_on=issued_on,
            effective_from=effective_from,
            requested_by=_actor_user(actor),
        )
        trail.record(
            action="list_import_job.request",
            actor=actor,
            obj=job,
            data={
                "source": source_code,
                "file_name": job.file_name,
                "file_sha256": job.file_sha256,
                "label": job.label,
                "issued_on": issued_on,
                "applies_from": effective_from,
            },
        )
        tasks.import_list.delay_on_commit(job.pk)
    return job


@contextmanager
def _job_input(job: ListImportJob) -> Iterator[File | str]:
    """What the importer reads: the stored workbook, or a directory holding the stored files."""
    names = sorted(default_storage.listdir(job.file_dir)[1])
    if get_importer(job.source_code).takes != "directory":
        with default_storage.open(f"{job.file_dir}/{names[0]}", "rb") as stored:
            yield stored
        return
    with tempfile.TemporaryDirectory(prefix="exportctl-import-") as directory:
        for name in names:
            with (
                default_storage.open(f"{job.file_dir}/{name}", "rb") as stored,
                open(Path(directory) / name, "wb") as out,
            ):
                shutil.copyfileobj(stored, out)
        yield directory


def list_import_job_run(*, job_id: int) -> ListImportJob | None:
    """Import a queued job's files as a draft version; a job already finished is left alone.

    Success (the job pointing at its draft) is recorded in the transaction that stores the
    version. A file with problems fails the job with every problem, and stores nothing. Other
    errors propagate (the task retries transient ones, or fails the job)."""
    with transaction.atomic():
        job = ListImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.finished:
            return job
        # A job still running when its message comes again lost its worker; after a few such
        # times the file itself is the likely cause (e.g. memory), so it is not run again.
        worker_lost = (
            job.status == ListImportJobStatus.RUNNING and job.attempts >= IMPORT_JOB_MAX_ATTEMPTS
        )
        if not worker_lost:
            job.status = ListImportJobStatus.RUNNING
            job.started_at = timezone.now()
            job.attempts += 1
            job.save(update_fields=["status", "started_at", "attempts", "updated_at"])
    if worker_lost:
        return list_import_job_fail(job_id=job.pk, error=ListImportJobError.WORKER_LOST)

    def succeeded(version: ListVersion) -> None:
        job.status = ListImportJobStatus.SUCCEEDED
        job.version = version
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "version", "finished_at", "updated_at"])
        trail.record(
            action="list_import_job.succeed",
            obj=job,
            data={"version": str(version.public_id), "entry_count": version.entry_count},
        )

    try:
        with _job_input(job) as file:
            list_version_import(
                source_code=job.source_code,
                file=file,
                file_name=job.file_name,
                actor=job.requested_by,
                label=job.label or None,
                issued_on=job.issued_on,
                on_stored=succeeded,
                effective_from=job.effective_from,
            )
    except ListImportError as exc:
        return list_import_job_fail(job_id=job.pk, problems=exc.problems)
    return job


def list_import_job_fail(
    *, job_id: int, problems: Sequence[Problem] = (), error: str = ""
) -> ListImportJob | None:
    """Mark the job failed with the file's problems or the reason; a finished job is kept."""
    with transaction.atomic():
        job = ListImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.finished:
            return job
        job.status = ListImportJobStatus.FAILED
        job.problems = [{"row": p.row, "column": p.column, "reason": p.reason} for p in problems]
        job.error = error
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "problems", "error", "finished_at", "updated_at"])
        trail.record(
            action="list_import_job.fail",
            obj=job,
            data={"problem_count": len(job.problems), "error": error},
        )
    return job


def list_import_jobs_sweep(*, hard_time_limit: int) -> tuple[list[int], int]:
    """Find the jobs a lost message or a dead worker left behind.

    Returns the ids of jobs queued for longer than ``IMPORT_JOB_QUEUED_STUCK_AFTER`` (to be queued
    again; each is touched so the next sweep waits its turn) and fails, with a message, every job
    still running well past the hard time limit. Both are harmless to repeat: running a job twice
    imports it once, and a finished job is never changed."""
    now = timezone.now()
    stuck = list(
        ListImportJob.objects.filter(
            status=ListImportJobStatus.QUEUED,
            updated_at__lt=now - IMPORT_JOB_QUEUED_STUCK_AFTER,
        ).values_list("pk", flat=True)[:100]
    )
    ListImportJob.objects.filter(pk__in=stuck).update(updated_at=now)
    lost_before = now - datetime.timedelta(seconds=hard_time_limit) - IMPORT_JOB_RUNNING_GRACE
    lost = ListImportJob.objects.filter(
        status=ListImportJobStatus.RUNNING, started_at__lt=lost_before
    ).values_list("pk", flat=True)
    failed = 0
    for job_id in list(lost):
        list_import_job_fail(
            job_id=job_id,
            error=ListImportJobError.WORKER_LOST,
        )
        failed += 1
    return stuck, failed


def publication_counts(diff: ListDiff) -> dict[str, int]:
    """What a publication changes, as the confirmation step states it and the audit records it:
    entries added, removed and changed, and how many changed their concern codes or CW flag."""
    fields = diff.changed_field_counts()
    return {
        "added": diff.added_count,
        "removed": diff.removed_count,
        "changed": diff.changed_count,
        "concern_changed": fields["concern_codes"],
        "cw_changed": fields["conventional_weapons"],
    }


def publication_is_rollback(*, version: ListVersion, in_force: ListVersion | None) -> bool:
    """Whether publishing ``version`` would put an older revision in place of the one in force."""
    return (
        in_force is not None
        and version.issued_on is not None
        and in_force.issued_on is not None
        and version.issued_on < in_force.issued_on
    )


def list_version_publish(
    *, version: ListVersion, actor: User | None, rollback_reason: str = ""
) -> ListVersion:
    """Put a draft in force, or propose it for a second list manager's confirmation.

    * A revision older than the one in force is refused unless declared a rollback with a
      reason (``rollback_reason``); nothing is written then.
    * A publication that removes entries, and any rollback, takes two people: the first call
      records a proposal (``awaiting_confirmation`` is then true on the returned version); a
      later call by a different list manager publishes it. The proposer confirming is refused.
      A proposal made against a version in force that has since changed is made afresh.
    * Otherwise the draft is published at once.

    On publication the version in force so far is superseded in the same transaction, so there
    is never a moment with two (a database constraint also refuses that) or with none. The
    returned version carries ``superseded`` (the version it replaced, or ``None``). Open work is
    re-screened by ``screening.rescreen_after_publication``, queued once the publication commits.
    Every step is audited in its transaction.
    """
    rollback_reason = (rollback_reason or "").strip()
    with transaction.atomic():
        # Lock the draft and the version in force together, in primary-key order.
        locked = {
            v.pk: v
            for v in ListVersion.objects.select_for_update()
            .filter(
                Q(pk=version.pk)
                | Q(source_id=version.source_id, status=ListVersionStatus.PUBLISHED)
            )
            .order_by("pk")
        }
        target = locked[version.pk]
        if target.status != ListVersionStatus.DRAFT:
            raise ListVersionStateError(
                f"only a draft can be published; version '{target.label}' is {target.status}"
            )
        previous = next(
            (
                v
                for pk, v in locked.items()
                if pk != target.pk and v.status == ListVersionStatus.PUBLISHED
            ),
            None,
        )
        diff = list_version_diff(old=previous, new=target)
        counts = publication_counts(diff)
        rollback = publication_is_rollback(version=target, in_force=previous)
        proposal_current = target.publication_proposed and (
            target.publication_proposed_over_id == (previous.pk if previous else None)
        )
        # A rollback has a revision in force (publication_is_rollback); `previous` narrows its type.
        if rollback and previous is not None and not rollback_reason and not proposal_current:
            raise ListPublicationRefused(
                _(
                    "Revision %(label)s is older than revision %(current)s now in force. "
                    "Publishing it is refused unless it is declared a rollback with a reason."
                )
                % {"label": target.label, "current": previous.label}
            )
        if not rollback:
            rollback_reason = ""
        four_eyes = rollback or counts["removed"] > 0
        if four_eyes and not proposal_current and not access.is_list_manager(actor):
            # Four eyes means two named list managers: a proposal nobody signed (the system,
            # `import_list` without --by) would let one list manager publish alone.
            raise ListPublicationRefused(
                _(
                    "Revision %(label)s removes entries or rolls back: a list manager must "
                    "propose its publication and a second one confirm it."
                )
                % {"label": target.label}
            )
        if four_eyes and not proposal_current:
            target.publication_proposed_by = _actor_user(actor)
            target.publication_proposed_at = timezone.now()
            target.publication_proposed_over = previous
            target.rollback_reason = rollback_reason
            target.save(
                update_fields=[
                    "publication_proposed_by",
                    "publication_proposed_at",
                    "publication_proposed_over",
                    "rollback_reason",
                    "updated_at",
                ]
            )
            trail.record(
                action="list_version.propose_publication",
                actor=actor,
                obj=target,
                data={
                    "source": target.source.code,
                    "label": target.label,
                    "in_force": previous.label if previous is not None else None,
                    "rollback": rollback,
                    "rollback_reason": rollback_reason,
                    "counts": counts,
                },
            )
            target.superseded = None  # type: ignore[attr-defined]
            target.awaiting_confirmation = True  # type: ignore[attr-defined]
            return target
        if four_eyes:
            if actor is None or not access.is_list_manager(actor):
                raise ListPublicationRefused(
                    _("Only a list manager can confirm the publication of revision %(label)s.")
                    % {"label": target.label}
                )
            if actor.pk == target.publication_proposed_by_id:
                raise ListPublicationRefused(
                    _(
                        "You proposed the publication of revision %(label)s; a second list "
                        "manager must confirm it."
                    )
                    % {"label": target.label}
                )
        if previous is not None:
            previous.status = ListVersionStatus.SUPERSEDED
            previous.save(update_fields=["status", "updated_at"])
            trail.record(
                action="list_version.supersede",
                actor=actor,
                obj=previous,
                data={
                    "source": previous.source.code,
                    "label": previous.label,
                    "superseded_by": str(target.public_id),
                },
            )
        target.status = ListVersionStatus.PUBLISHED
        target.published_at = timezone.now()
        target.published_by = _actor_user(actor)
        target.save(update_fields=["status", "published_at", "published_by", "updated_at"])
        proposer = target.publication_proposed_by
        trail.record(
            action="list_version.publish",
            actor=actor,
            obj=target,
            data={
                "source": target.source.code,
                "label": target.label,
                "issued_on": target.issued_on,
                "applies_from": target.effective_from,
                "file_sha256": target.file_sha256,
                "entry_count": target.entry_count,
                "supersedes": str(previous.public_id) if previous is not None else None,
                "diff": diff.summary(),
                "counts": counts,
                "rollback": rollback,
                "rollback_reason": target.rollback_reason if rollback else "",
                "proposed_by": (
                    proposer.email
                    if four_eyes and proposer is not None
                    else ("system" if four_eyes else None)
                ),
            },
        )
        # Open work is re-screened against the new version once the publication commits; a
        # revision that applies from a later date is re-screened from that date, by the sweep
        # of re-screens never started (``screening.selectors``), which waits for the date.
        # Screening hooks the re-screen onto ``list_version_published`` (partners sits below it).
        if target.effective_from is None or target.effective_from <= timezone.localdate():
            list_version_published(target.pk)
        # Subscribers hear of the publication once it has committed.
        from partners.tasks import send_publication_emails

        send_publication_emails.delay_on_commit(target.pk)
        # A signed checkpoint of the audit trail, made once the publication has committed.
        make_checkpoint(reason=CheckpointReason.LIST_PUBLICATION)
    target.superseded = previous  # type: ignore[attr-defined]
    target.awaiting_confirmation = False  # type: ignore[attr-defined]
    return target


def list_version_discard(*, version: ListVersion, actor: User | None) -> ListVersion:
    """Set a draft aside (a wrong file, a superseded draft). Its entries are kept for the record."""
    with transaction.atomic():
        target = ListVersion.objects.select_for_update().get(pk=version.pk)
        if target.status != ListVersionStatus.DRAFT:
            raise ListVersionStateError(
                f"only a draft can be discarded; version '{target.label}' is {target.status}"
            )
        target.status = ListVersionStatus.DISCARDED
        target.save(update_fields=["status", "updated_at"])
        trail.record(
            action="list_version.discard",
            actor=actor,
            obj=target,
            data={"source": target.source.code, "label": target.label},
        )
    return target


# --- the Russia/Belarus measures table ------------------------------------------------------------


def _measure_rows(
    version: MeasureTableVersion, rows: Iterable[measures_csv.ParsedMeasureRow]
) -> list[MeasureRow]:
    return [
        MeasureRow(
            version=version,
            measure=r.measure,
            category=r.category,
            destinations=r.destinations,
            hs_prefix=r.hs_prefix,
            description_en=r.description_en,
            description_ja=r.description_ja,
            effective_from=r.effective_from,
            effective_to=r.effective_to,
            legal_basis=r.legal_basis,
            confirmed=r.confirmed,
        )
        for r in rows
    ]


def measure_table_import(
    *, file: IO[bytes], file_name: str, actor: User | None, label: str = ""
) -> MeasureTableVersion:
    """Store an uploaded CSV of the measures table as a DRAFT version.

    Raises ``ListImportError`` with every problem (line and column) when the file has any, or
    when the very same file is already a draft or the version in force; nothing is written then.
    """
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(MAX_FILE_BYTES + 1)
    result = measures_csv.parse(data, categories=frozenset(MeasureCategory.values))
    if result.problems:
        raise ListImportError(result.problems)
    sha256 = hashlib.sha256(data).hexdigest()
    label = (label or Path(file_name).stem or file_name)[:100]
    with transaction.atomic():
        twin = (
            MeasureTableVersion.objects.filter(file_sha256=sha256)
            .filter(status__in=[ListVersionStatus.DRAFT, ListVersionStatus.PUBLISHED])
            .first()
        )
        _refuse_twin(twin)
        version = MeasureTableVersion.objects.create(
            label=label,
            file_name=file_name[:255],
            file_sha256=sha256,
            row_count=len(result.rows),
            imported_by=_actor_user(actor),
        )
        MeasureRow.objects.bulk_create(_measure_rows(version, result.rows))
        trail.record(
            action="measure_table.import",
            actor=actor,
            obj=version,
            data={
                "label": version.label,
                "file_name": version.file_name,
                "file_sha256": sha256,
                "row_count": version.row_count,
            },
        )
    return version


def measure_table_publish(
    *, version: MeasureTableVersion, actor: User | None
) -> MeasureTableVersion:
    """Put a draft table in force; the table in force so far is superseded in the same
    transaction (a database constraint refuses two published tables).

    No re-screen is queued: the table only decides whether a Russia/Belarus case is "prohibited"
    or "review", and such a case is never cleared under either, so no open decision rests on it.
    """
    with transaction.atomic():
        locked = {
            v.pk: v
            for v in MeasureTableVersion.objects.select_for_update()
            .filter(Q(pk=version.pk) | Q(status=ListVersionStatus.PUBLISHED))
            .order_by("pk")
        }
        target = locked[version.pk]
        if target.status != ListVersionStatus.DRAFT:
            raise ListVersionStateError(
                f"only a draft can be published; version '{target.label}' is {target.status}"
            )
        previous = next(
            (v for v in locked.values() if v.status == ListVersionStatus.PUBLISHED), None
        )
        diff = measure_table_diff(old=previous, new=target)
        if previous is not None:
            previous.status = ListVersionStatus.SUPERSEDED
            previous.save(update_fields=["status", "updated_at"])
            trail.record(
                action="measure_table.supersede",
                actor=actor,
                obj=previous,
                data={"label": previous.label, "superseded_by": str(target.public_id)},
            )
        target.status = ListVersionStatus.PUBLISHED
        target.published_at = timezone.now()
        target.published_by = _actor_user(actor)
        target.save(update_fields=["status", "published_at", "published_by", "updated_at"])
        trail.record(
            action="measure_table.publish",
            actor=actor,
            obj=target,
            data={
                "label": target.label,
                "file_sha256": target.file_sha256,
                "row_count": target.row_count,
                "supersedes": str(previous.public_id) if previous is not None else None,
                "diff": diff.summary(),
            },
        )
        make_checkpoint(reason=CheckpointReason.LIST_PUBLICATION)
    return target


def measure_table_discard(
    *, version: MeasureTableVersion, actor: User | None
) -> MeasureTableVersion:
    """Set a draft table aside; its rows are kept for the record."""
    with transaction.atomic():
        target = MeasureTableVersion.objects.select_for_update().get(pk=version.pk)
        if target.status != ListVersionStatus.DRAFT:
            raise ListVersionStateError(
                f"only a draft can be discarded; version '{target.label}' is {target.status}"
            )
        target.status = ListVersionStatus.DISCARDED
        target.save(update_fields=["status", "updated_at"])
        trail.record(
            action="measure_table.discard", actor=actor, obj=target, data={"label": target.label}
        )
    return target


def _load_measures_table(ref: ModuleType) -> int:
    """The seeded measures table, published, unless a table was ever loaded or uploaded: after
    that the list manager's versions are the table and a reload must not overrule them."""
    if MeasureTableVersion.objects.exists():
        return 0
    rows = [
        measures_csv.ParsedMeasureRow(
            measure=measure,
            category=category,
            destinations=destinations,
            hs_prefix=hs_prefix,
            description_en=description_en,
            description_ja=description_ja,
            effective_from=effective_from,
            effective_to=None,
            legal_basis=legal_basis,
            confirmed=confirmed,
        )
        for (
            measure,
            category,
            destinations,
            hs_prefix,
            description_en,
            description_ja,
            effective_from,
            legal_basis,
            confirmed,
        ) in ref.MEASURES
    ]
    version = MeasureTableVersion.objects.create(
        label=ref.MEASURES_TABLE_LABEL,
        status=ListVersionStatus.PUBLISHED,
        published_at=timezone.now(),
        file_name="partners/reference_data.py",
        file_sha256=hashlib.sha256(measures_csv.to_csv(rows).encode()).hexdigest(),
        row_count=len(rows),
    )
    MeasureRow.objects.bulk_create(_measure_rows(version, rows))
    return len(rows)


@transaction.atomic
def reference_data_load(*, actor: User | None = None) -> dict[str, int]:
    """Create any missing reference rows of ``partners.reference_data``; change nothing else.

    Idempotent: rows are matched on their natural key and effective date, so running it again
    (``seed_demo`` does on every ``make run``) creates nothing and leaves admin edits alone.
    """
    from partners import reference_data as ref
    from partners.models import CountryTier, KeyTechnology, SpecifiedHsScope, Tier

    created = {"country_tiers": 0, "key_technologies": 0, "hs_scope": 0, "measures": 0}
    tiers = [
        (tier, members, basis, ref.CATCH_ALL_REVIEW) for tier, members, basis in ref.COUNTRY_TIERS
    ]
    tiers.append(
        (Tier.RUSSIA_BELARUS, ref.RUSSIA_BELARUS, ref.RUSSIA_BELARUS_BASIS, ref.RUSSIA_BELARUS_FROM)
    )
    for tier, members, basis, effective_from in tiers:
        for country in members.split():
            _, new = CountryTier.objects.get_or_create(
                country=country,
                tier=tier,
                effective_from=effective_from,
                defaults={"legal_basis": basis},
            )
            created["country_tiers"] += new
    for code, name_en, name_ja in ref.KEY_TECHNOLOGIES:
        _, new = KeyTechnology.objects.get_or_create(
            code=code,
            defaults={
                "name_en": name_en,
                "name_ja": name_ja,
                "effective_from": ref.PRIOR_REPORTING_START,
            },
        )
        created["key_technologies"] += new
    for prefix, excluded, description_en, description_ja in ref.SPECIFIED_HS_SCOPE:
        _, new = SpecifiedHsScope.objects.get_or_create(
            hs_prefix=prefix,
            effective_from=ref.CATCH_ALL_REVIEW,
            defaults={
                "excluded": excluded,
                "description_en": description_en,
                "description_ja": description_ja,
            },
        )
        created["hs_scope"] += new
    created["measures"] = _load_measures_table(ref)
    if any(created.values()):
        trail.record(
            action="reference_data.load",
            actor=actor,
            object_type="partners",
            object_id="reference_data",
            data=created,
        )
    return created


# --- e-mail subscriptions to publications -------------------------------------------------------


def list_subscription_set(*, user: User, subscribed: bool) -> bool:
    """Subscribe a firm user to the e-mail sent on each publication, or unsubscribe; audited.
    Returns whether anything changed (subscribing twice changes nothing and records nothing)."""
    from partners.models import ListSubscription

    with transaction.atomic():
        existing = ListSubscription.objects.select_for_update().filter(user=user).first()
        if subscribed == (existing is not None):
            return False
        subscription = ListSubscription.objects.create(user=user) if subscribed else existing
        trail.record(
            action="list_subscription.subscribe" if subscribed else "list_subscription.unsubscribe",
            actor=user,
            obj=subscription,
            data={"email": user.email},
        )
        if not subscribed and existing is not None:  # unsubscribing: there is a row (see above)
            existing.delete()
    return True


# --- re-screen progress of a published version ---------------------------------------------------
# The re-screen that a publication queues counts its cases on the version. The fields are the
# version's, so they are written here; screening's tasks report what they did and write none.


def list_version_rescreen_start(*, version_id: int, total: int) -> None:
    """The re-screen's total, stored before its first chunk is queued (a chunk may finish before
    the next is queued, and its count must land on a total that is already there). A redelivered
    fan-out starts the count again from zero; with no case to re-screen it is finished at once."""
    now = timezone.now()
    ListVersion.objects.filter(pk=version_id).update(
        rescreen_total=total,
        rescreen_done=0,
        rescreen_failed=0,
        rescreen_started_at=now,
        rescreen_finished_at=None if total else now,
    )


def list_version_rescreen_progress(*, version_id: int, done: int, failed: int = 0) -> None:
    """One atomic UPDATE capped at the total, so concurrent workers never lose an increment and
    a message redelivered after the count cannot push the bar past 100 %."""
    versions = ListVersion.objects.filter(pk=version_id, rescreen_total__isnull=False)
    new_done = Least(F("rescreen_done") + done, F("rescreen_total"))
    changes = {"rescreen_done": new_done}
    if failed:
        # Never beyond the new done count (both sides of one UPDATE read the old values).
        changes["rescreen_failed"] = Least(F("rescreen_failed") + failed, new_done)
    versions.update(**changes)
    versions.filter(
        rescreen_finished_at__isnull=True, rescreen_done__gte=F("rescreen_total")
    ).update(rescreen_finished_at=timezone.now())


def list_version_rescreen_fail(*, version_id: int, cases: int) -> None:
    """Cases given up on (a chunk that broke, or ran out of retries) count as finished and failed:
    the re-screen still finishes, and its failures show."""
    list_version_rescreen_progress(version_id=version_id, done=cases, failed=cases)
