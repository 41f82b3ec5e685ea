"""Import a list file as a draft version, show how it differs from the version in force, and
optionally publish it, through the same services as the list manager's pages.

Run by the system: the audit events carry no user (actor=None) unless ``--by`` names the list
manager who acts. A publication that removes entries, or a declared rollback, takes two named
list managers: ``--publish --by`` proposes it, and a list manager other than the proposer
confirms it on the version's page (or with ``--publish --by`` naming that second list manager,
run again on the same file's draft). Without ``--by`` such a publication is refused."""

import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser

from exportctl.accounts.models import User
from partners.importers import IMPORTERS
from partners.models import ListVersion, ListVersionStatus
from partners.selectors import list_version_diff, published_version
from partners.services import (
    ListImportError,
    ListPublicationRefused,
    ListVersionStateError,
    list_version_import,
    list_version_parse,
    list_version_publish,
    publication_counts,
)


def _date(value: str, option: str = "--issued-on") -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{option} must be a date as YYYY-MM-DD, not {value!r}") from exc


class Command(BaseCommand):
    help = (
        "Import a list file (an End User List workbook, or a directory of OFAC SDN CSV files) as "
        "a draft version; print its entry count and the difference from the published version."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the workbook (meti-eul) or directory (ofac-sdn)")
        parser.add_argument("--source", required=True, choices=sorted(IMPORTERS))
        parser.add_argument("--publish", action="store_true", help="publish it at once")
        parser.add_argument(
            "--label",
            help="what to add to the label after the revision date (the label is the date)",
        )
        parser.add_argument(
            "--issued-on",
            type=str,
            help="the revision date, YYYY-MM-DD (default: the date in METI's file name)",
        )
        parser.add_argument(
            "--applies-from",
            type=str,
            help="the date the ministry applies the revision from, YYYY-MM-DD "
            "(default: the revision date); screening uses it from that date",
        )
        parser.add_argument(
            "--rollback-reason",
            default="",
            help="declare the publication of a revision older than the one in force a rollback",
        )
        parser.add_argument("--by", help="e-mail of the list manager who publishes or confirms")

    def handle(self, *args, **options):
        issued_on = _date(options["issued_on"]) if options["issued_on"] else None
        applies_from = (
            _date(options["applies_from"], "--applies-from") if options["applies_from"] else None
        )
        path = options["file"]
        file_name = path.rstrip("/").rsplit("/", 1)[-1]
        actor = None
        if options["by"]:
            actor = User.objects.filter(email__iexact=options["by"], is_active=True).first()
            if actor is None:
                raise CommandError(f"--by: no active user {options['by']!r}")
        draft = self._existing_draft(options["source"], path) if options["publish"] else None
        if draft is not None:
            self.stdout.write(f"This file is already draft version '{draft.label}'.")
            return self._publish(draft, actor, options["rollback_reason"])
        try:
            version = list_version_import(
                source_code=options["source"],
                file=path,
                file_name=file_name,
                actor=None,
                label=options["label"],
                issued_on=issued_on,
                effective_from=applies_from,
            )
        except ListImportError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(exc.problems)} problem(s) in {file_name}; nothing was imported."
            ) from exc

        self.stdout.write(
            f"Imported {version.entry_count} entries from {file_name} as draft version "
            f"'{version.label}' of {version.source.name}."
        )
        # Importing adds a draft only, so the version in force is still the one before it.
        current = published_version(options["source"])
        diff = list_version_diff(old=current, new=version)
        if current is None:
            self.stdout.write("No version is published yet: every entry is new.")
        else:
            fields = ", ".join(
                f"{name} {count}" for name, count in diff.changed_field_counts().items() if count
            )
            self.stdout.write(
                f"Compared with published version '{current.label}' ({current.entry_count} "
                f"entries): {diff.added_count} added, {diff.removed_count} removed, "
                f"{diff.changed_count} changed, {diff.unchanged_count} unchanged; "
                f"net {diff.net_change:+d}."
            )
            if fields:
                self.stdout.write(f"Changed fields: {fields}.")
            if options["verbosity"] >= 2:
                for entry in diff.added:
                    self.stdout.write(f"  + {entry.number} {entry.country} {entry.name}")
                for entry in diff.removed:
                    self.stdout.write(f"  - {entry.number} {entry.country} {entry.name}")
                for change in diff.changed:
                    self.stdout.write(
                        f"  ~ {change.old.number}→{change.new.number} {change.new.name}: "
                        + ", ".join(change.fields)
                    )

        if options["publish"]:
            self._publish(version, actor, options["rollback_reason"])
        else:
            self.stdout.write(f"Not published: version '{version.label}' stays a draft.")

    def _existing_draft(self, source_code: str, path: str) -> ListVersion | None:
        """The draft this very file already is (a proposal waiting for its confirmation)."""
        _result, sha256 = list_version_parse(source_code=source_code, file=path)
        return ListVersion.objects.filter(
            source__code=source_code, file_sha256=sha256, status=ListVersionStatus.DRAFT
        ).first()

    def _publish(self, version: ListVersion, actor, rollback_reason: str) -> None:
        current = published_version(version.source.code)
        counts = publication_counts(list_version_diff(old=current, new=version))
        self.stdout.write(
            "Publication: {added} added, {removed} removed, {changed} changed; concern codes "
            "changed {concern_changed}, CW flags changed {cw_changed}.".format(**counts)
        )
        try:
            version = list_version_publish(
                version=version, actor=actor, rollback_reason=rollback_reason
            )
        except (ListVersionStateError, ListPublicationRefused) as exc:
            raise CommandError(f"Not published: {exc}") from exc
        if version.awaiting_confirmation:
            self.stdout.write(
                self.style.WARNING(
                    f"Publication of version '{version.label}' proposed: it "
                    + ("is a rollback and " if version.rollback_reason else "")
                    + f"removes {counts['removed']} entries, so a second list manager must "
                    "confirm it on the version's page. Version "
                    + (f"'{current.label}'" if current else "none")
                    + " stays in force."
                )
            )
            return
        superseded = version.superseded
        tail = f"; version '{superseded.label}' is superseded" if superseded else ""
        self.stdout.write(self.style.SUCCESS(f"Published version '{version.label}'{tail}."))
