"""One counter per document kind and year, and one number per permit.

Existing rows keep working: each counter starts after the highest serial already issued for its
kind and year, so no new number repeats an old one; a permit whose document was issued takes that
document's number (the one /verify/ accepts) instead of its old EXP-… number; a permit still
waiting for its document takes the next permit number, which its document will carry.
"""

import re

from django.db import migrations, models

PATTERN = re.compile(r"^(RC|PM|DN)-([0-9]{4})-([0-9]+)$")
PREFIX_KINDS = {"RC": "receipt", "PM": "permit", "DN": "denial_letter"}


def forwards(apps, schema_editor):
    Document = apps.get_model("notifications", "Document")
    DocumentCounter = apps.get_model("notifications", "DocumentCounter")
    Permit = apps.get_model("notifications", "Permit")

    last: dict[tuple[str, int], int] = {}
    for number in Document.objects.values_list("number", flat=True).iterator():
        match = PATTERN.match(number)
        if match:
            key = (PREFIX_KINDS[match.group(1)], int(match.group(2)))
            last[key] = max(last.get(key, 0), int(match.group(3)))

    for permit in Permit.objects.select_related("document").order_by("pk").iterator():
        if permit.document_id is not None:
            number = permit.document.number
        else:
            key = ("permit", permit.valid_from.year)
            last[key] = last.get(key, 0) + 1
            number = f"PM-{key[1]:04d}-{last[key]:06d}"
        if permit.number != number:
            permit.number = number
            permit.save(update_fields=["number"])

    DocumentCounter.objects.bulk_create(
        DocumentCounter(kind=kind, year=year, last=serial)
        for (kind, year), serial in sorted(last.items())
    )


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0004_queue_risk_order_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="DocumentCounter",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("receipt", "Receipt"),
                            ("permit", "Permit"),
                            ("denial_letter", "Denial letter"),
                        ],
                        max_length=16,
                    ),
                ),
                ("year", models.PositiveSmallIntegerField()),
                ("last", models.PositiveIntegerField(default=0)),
            ],
            options={
                "ordering": ["kind", "year"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("kind", "year"), name="document_counter_one_per_year"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("kind__in", ["receipt", "permit", "denial_letter"])),
                        name="document_counter_kind_valid",
                    ),
                ],
            },
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
