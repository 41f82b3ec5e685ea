"""Four eyes reads "a confirmed list hit" from the filing instead of asking screening's hits.

The back-fill sets it where any hit of any run of the case is confirmed (the rule
``needs_countersignature`` applied until now)."""

from django.db import migrations, models


def backfill(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    PartyHit = apps.get_model("screening", "PartyHit")
    confirmed = PartyHit.objects.filter(disposition="confirmed").values("run__notification_id")
    Notification.objects.filter(pk__in=confirmed).update(has_confirmed_hit=True)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0013_declaration_text_and_shipments"),
        ("screening", "0003_self_check_records"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="has_confirmed_hit",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
