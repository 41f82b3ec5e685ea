"""Import a list file as a draft version, show how it differs from the version in force, and
optionally publish it. Run by the system: the audit events carry no user (actor=None)."""

import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser

from partners.importers import IMPORTERS
from partners.selectors import list_version_diff, published_version
from partners.services import (
    ListImportError,
    ListVersionStateError,
    list_version_import,
    list_version_publish,
)


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--issued-on must be a date as YYYY-MM-DD, not {value!r}") from exc


class Command(BaseCommand):
    help = (
        "Import a list file (an End User List workbook, or a directory of OFAC SDN CSV files) as "
        "a draft version; print its entry count and the difference from the published version."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the workbook (meti-eul) or directory (ofac-sdn)")
        parser.add_argument("--source", required=True, choices=sorted(IMPORTERS))
        parser.add_argument("--publish", action="store_true", help="publish it at once")
        parser.add_argument("--label", help="the revision's label (default: the file name)")
        parser.add_argument("--issued-on", type=str, help="publication date, YYYY-MM-DD")

    def handle(self, *args, **options):
        issued_on = _date(options["issued_on"]) if options["issued_on"] else None
        path = options["file"]
        file_name = path.rstrip("/").rsplit("/", 1)[-1]
        try:
            version = list_version_import(
                source_code=options["source"],
                file=path,
                file_name=file_name,
                actor=None,
                label=options["label"],
                issued_on=issued_on,
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
            try:
                version = list_version_publish(version=version, actor=None)
            except ListVersionStateError as exc:
                raise CommandError(str(exc)) from exc
            superseded = version.superseded
            tail = f"; version '{superseded.label}' is superseded" if superseded else ""
            self.stdout.write(self.style.SUCCESS(f"Published version '{version.label}'{tail}."))
        else:
            self.stdout.write(f"Not published: version '{version.label}' stays a draft.")
