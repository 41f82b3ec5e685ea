"""The list manager's upload form. It checks only what the browser sent (which source, which
files, their names and sizes); the content of the files is the importer's to judge."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from exportctl.foreign_terms import with_terms
from partners.importers.base import MAX_FILE_BYTES
from partners.importers.meti_eul import check_container

EUL = "meti-eul"
SDN = "ofac-sdn"

#: The three files of the OFAC legacy CSV set, by form field, under the names the importer reads.
SDN_FILES: dict[str, str] = {"sdn_file": "sdn.csv", "alt_file": "alt.csv", "add_file": "add.csv"}

SOURCE_CHOICES = [
    (EUL, _("METI End User List (spreadsheet, .xlsx)")),
    (SDN, _("OFAC SDN list, advisory (sdn.csv, alt.csv and add.csv)")),
]


class ListImportForm(forms.Form):
    #: Problems of the workbook as a container (``check_container``), shown as a table.
    problems: list = []

    source = forms.ChoiceField(
        label=_("List"), choices=SOURCE_CHOICES, initial=EUL, widget=forms.RadioSelect
    )
    eul_file = forms.FileField(
        label=_("End User List spreadsheet"),
        required=False,
        help_text=with_terms(
            _("The .xlsx file as published by the Ministry, sheet “{sheet}”."),
            sheet=("ja", "ユーザーリスト"),
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
    sdn_file = forms.FileField(
        label=_("sdn.csv"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv"}),
    )
    alt_file = forms.FileField(
        label=_("alt.csv"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv"}),
    )
    add_file = forms.FileField(
        label=_("add.csv"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv"}),
    )
    label = forms.CharField(
        label=_("Revision"),
        max_length=100,
        required=False,
        help_text=_(
            "The version is labelled by its revision date; anything written here follows the "
            "date, for example “correction”."
        ),
    )
    issued_on = forms.DateField(
        label=_("Published by the ministry on"),
        required=False,
        help_text=_(
            "The revision date. Left empty, it is read from the name of the Ministry's file "
            "(for example 20250929_4.xlsx is the revision of 2025-09-29)."
        ),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    effective_from = forms.DateField(
        label=_("Applies from"),
        required=False,
        help_text=_(
            "The date from which the ministry applies this revision. Left empty, it is the "
            "revision date. Screening uses a revision from this date on."
        ),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def _check_file(self, name: str, suffix: str) -> None:
        if name in self.errors:
            return  # Django's own check (e.g. an empty file) has said what is wrong
        upload = self.cleaned_data.get(name)
        if not upload:
            self.add_error(name, _("Choose the file to upload."))
            return
        if Path(upload.name).suffix.lower() != suffix:
            self.add_error(
                name,
                _("The file must be a %(suffix)s file; “%(name)s” is not.")
                % {"suffix": suffix, "name": upload.name},
            )
        elif upload.size == 0:
            self.add_error(name, _("The file is empty."))
        elif upload.size > MAX_FILE_BYTES:
            self.add_error(
                name,
                _("The file is larger than %(limit)d MB.") % {"limit": MAX_FILE_BYTES // 2**20},
            )
        elif suffix == ".xlsx":
            self._check_workbook(name, upload)

    def _check_workbook(self, name: str, upload) -> None:
        """A file that is no workbook, or a zip bomb, is refused here and never stored: the
        container checks read no cell, so they belong in the request; parsing is the worker's."""
        upload.seek(0)
        problems = check_container(upload.read())
        upload.seek(0)
        if problems:
            self.problems = problems
            self.add_error(
                name,
                ngettext(
                    "The file has %(count)d problem, listed below. Nothing was imported.",
                    "The file has %(count)d problems, listed below. Nothing was imported.",
                    len(problems),
                )
                % {"count": len(problems)},
            )

    def clean(self):
        cleaned = super().clean()
        source = cleaned.get("source")
        if source == EUL:
            self._check_file("eul_file", ".xlsx")
        elif source == SDN:
            for name in SDN_FILES:
                self._check_file(name, ".csv")
        return cleaned


class MeasureTableUploadForm(forms.Form):
    """A CSV of the Russia/Belarus measures table (the columns of the table's download)."""

    file = forms.FileField(
        label=_("Measures table (.csv)"),
        help_text=_(
            "UTF-8 CSV with the columns measure, category, destinations, hs_prefix, "
            "description_en, description_ja, effective_from, effective_to, legal_basis and "
            "confirmed. Download the table in force to start from it."
        ),
        error_messages={"required": _("Choose the file to upload.")},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv"}),
    )
    label = forms.CharField(
        label=_("Revision"),
        max_length=100,
        required=False,
        help_text=_("For example 2026-06-05. Left empty, the file name is used."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() != ".csv":
            raise forms.ValidationError(
                _("The file must be a %(suffix)s file; “%(name)s” is not.")
                % {"suffix": ".csv", "name": upload.name}
            )
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)d MB.") % {"limit": MAX_FILE_BYTES // 2**20}
            )
        return upload
