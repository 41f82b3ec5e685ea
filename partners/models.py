"""Ministry reference data: list sources and their versions, country tiers, key technologies and
the HS scope of row 16(1). Everything that changes over time carries the dates it applies."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from exportctl.base_models import TimeStamped, country_code_validator
from exportctl.countries import validate_country_code

#: What each list is called in the reader's language. The stored ``name`` is the publisher's own
#: (METI's carries its Japanese title), kept for the machine API and the downloads.
SOURCE_NAMES = {
    "meti-eul": _("METI End User List"),
    "ofac-sdn": _("OFAC SDN list"),
}
SOURCE_AUTHORITIES = {
    "meti-eul": _("Ministry of Economy, Trade and Industry"),
    "ofac-sdn": _("US Department of the Treasury, Office of Foreign Assets Control"),
}


class ListSource(TimeStamped):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    authority = models.CharField(_("authority"), max_length=200)
    #: Advisory sources (foreign lists) inform review but never decide a case on their own.
    advisory = models.BooleanField(_("advisory only"), default=False)
    url = models.URLField(_("publisher's page"), blank=True)

    class Meta:
        ordering = ["advisory", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The list's name in the active language (``SOURCE_NAMES``), else as stored."""
        return str(SOURCE_NAMES.get(self.code, self.name))

    @property
    def display_authority(self) -> str:
        return str(SOURCE_AUTHORITIES.get(self.code, self.authority))


class ListVersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")
    DISCARDED = "discarded", _("Discarded")


class ListVersion(TimeStamped):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.ForeignKey(ListSource, on_delete=models.PROTECT, related_name="versions")
    label = models.CharField(_("revision"), max_length=100)
    issued_on = models.DateField(_("published by the ministry on"), null=True, blank=True)
    #: The date the ministry applies the revision from (``applies_from``), separate from when it
    #: was published here: the issue date by default, set at upload. Screening uses the revision
    #: in force on its day (``partners.selectors.in_force_version``), so a revision that applies
    #: from a future date is published but not yet used for screening until that date.
    effective_from = models.DateField(_("applies from"), null=True, blank=True)
    status = models.CharField(
        max_length=12, choices=ListVersionStatus.choices, default=ListVersionStatus.DRAFT
    )
    file_name = models.CharField(max_length=255, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    entry_count = models.PositiveIntegerField(default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    #: A publication that removes entries, or a rollback to an older revision, is proposed by
    #: one list manager and confirmed by another (``published_by``). The proposal holds the
    #: version in force it was made against: once that changes, the proposal is made afresh.
    publication_proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    publication_proposed_at = models.DateTimeField(null=True, blank=True)
    publication_proposed_over = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    #: Set when the publication is a declared rollback to a revision older than the one in force.
    rollback_reason = models.TextField(_("reason for the rollback"), blank=True)
    #: Progress of the re-screen that publishing this version queued. ``rescreen_total`` stays
    #: ``None`` until the fan-out task has counted the cases; each case's task then adds one to
    #: ``rescreen_done`` (and to ``rescreen_failed`` when it gave up), never beyond the total.
    rescreen_total = models.PositiveIntegerField(_("cases to re-screen"), null=True, blank=True)
    rescreen_done = models.PositiveIntegerField(_("cases re-screened"), default=0)
    rescreen_failed = models.PositiveIntegerField(_("re-screens failed"), default=0)
    rescreen_started_at = models.DateTimeField(null=True, blank=True)
    rescreen_finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["source", "-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                # Spelled out for NULL: "done <= NULL" is unknown, which a CHECK lets through.
                condition=models.Q(rescreen_total__isnull=True, rescreen_done=0)
                | models.Q(
                    rescreen_total__isnull=False, rescreen_done__lte=models.F("rescreen_total")
                ),
                name="listversion_rescreen_done_within_total",
            ),
            models.CheckConstraint(
                condition=models.Q(rescreen_failed__lte=models.F("rescreen_done")),
                name="listversion_rescreen_failed_within_done",
            ),
            models.UniqueConstraint(
                fields=["source"],
                condition=models.Q(status="published"),
                name="listversion_one_published_per_source",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="published") | models.Q(published_at__isnull=False),
                name="listversion_published_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source.code} {self.label}"

    @property
    def applies_from(self):
        return self.effective_from

    @property
    def publication_proposed(self) -> bool:
        return self.publication_proposed_at is not None

    @property
    def rescreen_started(self) -> bool:
        return self.rescreen_total is not None

    @property
    def rescreen_finished(self) -> bool:
        return self.rescreen_total is not None and self.rescreen_done >= self.rescreen_total

    @property
    def rescreen_percent(self) -> int:
        """Whole percent done, rounded down so that 100 means every case has been re-screened."""
        if self.rescreen_total is None:
            return 0
        if self.rescreen_total == 0:
            return 100
        return min(100, self.rescreen_done * 100 // self.rescreen_total)


class EntryKind(models.TextChoices):
    ORGANIZATION = "organization", _("Organisation")
    PERSON = "person", _("Person")
    VESSEL = "vessel", _("Vessel")
    AIRCRAFT = "aircraft", _("Aircraft")


class ListedEntry(TimeStamped):
    version = models.ForeignKey(ListVersion, on_delete=models.CASCADE, related_name="entries")
    number = models.PositiveIntegerField(_("No."))
    kind = models.CharField(
        max_length=16, choices=EntryKind.choices, default=EntryKind.ORGANIZATION
    )
    country = models.CharField(
        _("country"), max_length=2, blank=True, validators=[country_code_validator]
    )
    country_label = models.CharField(_("country as published"), max_length=200, blank=True)
    name = models.CharField(_("name"), max_length=500)
    local_name = models.CharField(_("name in the local script"), max_length=500, blank=True)
    aliases = models.JSONField(_("also known as"), default=list, blank=True)
    #: Subset of B (biological), C (chemical), M (missile), N (nuclear).
    concern_codes = models.JSONField(_("type of WMD concern"), default=list, blank=True)
    conventional_weapons = models.BooleanField(_("conventional weapons"), default=False)
    #: Source-specific fields kept as published (e.g. OFAC programme and remarks).
    details = models.JSONField(default=dict, blank=True)
    row_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["version", "number"]
        verbose_name_plural = _("listed entries")
        constraints = [
            models.UniqueConstraint(fields=["version", "number"], name="entry_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.number}: {self.name}"


class Tier(models.TextChoices):
    GROUP_A = "group_a", _("Group A (Appended Table 3)")
    UN_ARMS_EMBARGO = "un_arms_embargo", _("UN arms embargo (Appended Table 3-2)")
    COUNTRY_OF_CONCERN = "country_of_concern", _("Country of concern (Appended Table 4)")
    RUSSIA_DIVERSION = "russia_diversion", _("Russia-diversion country (Appended Table 2-4)")
    SANCTIONED = "sanctioned", _("Sanctioned destination (FEFTA Art. 48(3))")
    RUSSIA_BELARUS = "russia_belarus", _("Russia and Belarus export bans (FEFTA Art. 48(3))")


class CountryTier(TimeStamped):
    """A country's membership of one tier for a period. A country may be in several tiers."""

    country = models.CharField(_("country"), max_length=2, validators=[validate_country_code])
    tier = models.CharField(_("tier"), max_length=24, choices=Tier.choices)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective until"), null=True, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=200, blank=True)

    class Meta:
        ordering = ["tier", "country", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "tier", "effective_from"], name="countrytier_unique_period"
            ),
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True)
                | models.Q(effective_to__gt=models.F("effective_from")),
                name="countrytier_period_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.get_tier_display()}"


class KeyTechnology(TimeStamped):
    """A technology whose transfer abroad must be reported in advance (FEFTA Art. 55-8)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=300)
    name_ja = models.CharField(_("name (Japanese)"), max_length=300)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective until"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = _("key technologies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True)
                | models.Q(effective_to__gt=models.F("effective_from")),
                name="keytechnology_period_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The technology's name in the reader's language (the form's options, the pages)."""
        if (translation.get_language() or "").startswith("ja") and self.name_ja:
            return self.name_ja
        return self.name_en


class SpecifiedHsScope(TimeStamped):
    """One HS heading of row 16(1); ``excluded`` rows carve a sub-heading out of a wider one."""

    hs_prefix = models.CharField(_("HS prefix"), max_length=10)
    excluded = models.BooleanField(_("excluded"), default=False)
    description_en = models.CharField(max_length=300)
    description_ja = models.CharField(max_length=300)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective until"), null=True, blank=True)

    class Meta:
        ordering = ["hs_prefix", "effective_from"]
        verbose_name = _("row 16(1) HS scope")
        verbose_name_plural = _("row 16(1) HS scope")
        constraints = [
            models.UniqueConstraint(
                fields=["hs_prefix", "effective_from"], name="hsscope_unique_period"
            ),
            models.CheckConstraint(
                condition=models.Q(hs_prefix__regex=r"^[0-9]{2,8}$"), name="hsscope_digits"
            ),
        ]

    def __str__(self) -> str:
        return self.hs_prefix


# --- Russia and Belarus: the export bans (domain.md §2a) -----------------------------------------


class MeasureCategory(models.TextChoices):
    LIST_CONTROLLED = (
        "list_controlled",
        _("Goods and technology of the international regime lists (Appended Table 1, rows 1–15)"),
    )
    DUAL_USE = "dual_use", _("General-purpose (dual-use) goods")
    OIL_REFINING = "oil_refining", _("Oil-refining equipment")
    LUXURY = "luxury", _("Luxury goods")
    INDUSTRIAL_BASE = (
        "industrial_base",
        _("Goods that could contribute to strengthening Russia's industrial base"),
    )


class MeasureTableVersion(TimeStamped):
    """One version of the table of the Russia/Belarus export-ban measures.

    Managed like an End User List version: a list manager uploads a CSV as a draft, reads its
    diff against the version in force and publishes it (the previous one is superseded in the
    same transaction); every move is audited. The worker reads the published version only.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    label = models.CharField(_("revision"), max_length=100)
    status = models.CharField(
        max_length=12, choices=ListVersionStatus.choices, default=ListVersionStatus.DRAFT
    )
    file_name = models.CharField(max_length=255, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("Russia/Belarus measures table version")
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(status="published"),
                name="measuretable_one_published",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="published") | models.Q(published_at__isnull=False),
                name="measuretable_published_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class MeasureRow(TimeStamped):
    """One row of a measures table: a measure's scope from a date, with the notice it rests on.

    ``hs_prefix`` empty means: for the list-controlled measure, every item listed in rows 1–15
    (judged by the item's classification, goods and technology alike); for any other category,
    the measure is known but its HS scope is not given here, so no item is matched by it (the
    destination alone still sends the case to review). ``confirmed`` is false for a row whose
    scope or date has not been checked against the notice: such a row can send a case to review
    with the measure named, never decide it as prohibited.
    """

    version = models.ForeignKey(MeasureTableVersion, on_delete=models.CASCADE, related_name="rows")
    measure = models.SlugField(_("measure"), max_length=60)
    category = models.CharField(_("category"), max_length=24, choices=MeasureCategory.choices)
    #: Space-separated ISO codes (RU, BY).
    destinations = models.CharField(_("destinations"), max_length=20)
    hs_prefix = models.CharField(_("HS prefix"), max_length=8, blank=True)
    description_en = models.CharField(_("description (English)"), max_length=300)
    description_ja = models.CharField(_("description (Japanese)"), max_length=300)
    effective_from = models.DateField(_("applies from"))
    effective_to = models.DateField(_("applies until"), null=True, blank=True)
    legal_basis = models.CharField(_("legal basis (notice)"), max_length=300)
    confirmed = models.BooleanField(_("confirmed against the notice"), default=False)

    class Meta:
        ordering = ["version", "category", "measure", "hs_prefix", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "measure", "hs_prefix", "effective_from"],
                name="measurerow_unique_key",
            ),
            models.CheckConstraint(
                condition=models.Q(hs_prefix="") | models.Q(hs_prefix__regex=r"^[0-9]{2,8}$"),
                name="measurerow_hs_digits",
            ),
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True)
                | models.Q(effective_to__gt=models.F("effective_from")),
                name="measurerow_period_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.hs_prefix or '*'} {self.effective_from}"

    @property
    def destination_list(self) -> list[str]:
        return self.destinations.split()


class ListImportJobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", pgettext_lazy("import job status", "Imported")
    FAILED = "failed", _("Failed")


class ListImportJobError(models.TextChoices):
    """Why a job failed when the file itself was not the reason (the page explains each)."""

    TIME_LIMIT = "time_limit", _("Time limit exceeded")
    WORKER_LOST = "worker_lost", _("Worker lost")
    INTERNAL = "internal", _("Internal error")


def list_import_job_dir(public_id) -> str:
    """Where a job's uploaded files are kept: under MEDIA_ROOT (``var/``), never served."""
    return f"list-imports/{public_id}"


class ListImportJob(TimeStamped):
    """One upload of a list file by the list manager, imported by the worker.

    The uploaded files are stored under ``file_dir`` (one ``.xlsx``, or the three OFAC CSV files
    under the names the importer reads); ``file_sha256`` is their fingerprint as the import
    computes it. A failed job keeps every problem of the file, each with row and column."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source_code = models.SlugField(_("list"), max_length=32)
    file_dir = models.CharField(max_length=200)
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(max_length=64)
    label = models.CharField(_("revision"), max_length=100, blank=True)
    issued_on = models.DateField(_("published by the ministry on"), null=True, blank=True)
    #: The date the ministry applies the revision from, when the list manager gave one.
    effective_from = models.DateField(_("applies from"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ListImportJobStatus.choices,
        default=ListImportJobStatus.QUEUED,
    )
    #: Each problem of a refused file as {"row", "column", "reason"}, in the order found.
    problems = models.JSONField(default=list, blank=True)
    #: Why the job failed when the file itself was not the reason (e.g. the time limit).
    error = models.CharField(
        _("reason"), max_length=16, choices=ListImportJobError.choices, blank=True
    )
    version = models.ForeignKey(
        ListVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="succeeded") | models.Q(version__isnull=False),
                name="listimportjob_succeeded_has_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_code} {self.file_name} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (ListImportJobStatus.SUCCEEDED, ListImportJobStatus.FAILED)


class ListSubscription(TimeStamped):
    """A firm user's wish to be e-mailed when a revision of any published list is published.
    One row per user; unsubscribing deletes it (both moves are audited)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="list_subscription"
    )

    class Meta:
        verbose_name = _("list subscription")

    def __str__(self) -> str:
        return str(self.user)
