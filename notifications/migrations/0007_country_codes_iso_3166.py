import exportctl.countries
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0006_checklist_notes_and_countersigned_denial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="notification",
            name="destination_country",
            field=models.CharField(
                blank=True,
                max_length=2,
                validators=[exportctl.countries.CountryCodeValidator()],
                verbose_name="destination country",
            ),
        ),
        migrations.AlterField(
            model_name="party",
            name="country",
            field=models.CharField(
                max_length=2,
                validators=[exportctl.countries.CountryCodeValidator()],
                verbose_name="country",
            ),
        ),
    ]
