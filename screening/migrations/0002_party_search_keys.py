import django.db.models.deletion
from django.db import migrations, models

from screening.matching.search import index_keys

BATCH = 2000


def key_existing_parties(apps, schema_editor):
    """Key every party of every submitted case, as the screening of a new case will."""
    Party = apps.get_model("notifications", "Party")
    PartySearchKey = apps.get_model("screening", "PartySearchKey")
    parties = (
        Party.objects.exclude(notification__status="draft")
        .order_by("pk")
        .values_list("pk", "notification_id", "name", "local_name")
    )
    last = 0
    while True:
        batch = list(parties.filter(pk__gt=last)[:BATCH])
        if not batch:
            return
        PartySearchKey.objects.bulk_create(
            [
                PartySearchKey(party_id=pk, notification_id=notification_id, key=key)
                for pk, notification_id, name, local_name in batch
                for key in sorted(index_keys(name, local_name))
            ],
            batch_size=1000,
        )
        last = batch[-1][0]


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0004_queue_risk_order_index"),
        ("screening", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="PartySearchKey",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=64)),
                (
                    "notification",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="notifications.notification",
                    ),
                ),
                (
                    "party",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="search_keys",
                        to="notifications.party",
                    ),
                ),
            ],
            options={
                "ordering": ["party", "key"],
                "indexes": [
                    models.Index(
                        fields=["key", "notification", "party"], name="party_search_key_lookup"
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("party", "key"), name="party_search_key_unique")
                ],
            },
        ),
        migrations.RunPython(key_existing_parties, migrations.RunPython.noop, elidable=True),
    ]
