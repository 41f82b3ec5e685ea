from django.db import migrations

ROLE = "enforcement_officer"


def create_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name=ROLE)


def remove_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=ROLE).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_user_email_trimmed")]

    operations = [migrations.RunPython(create_role, remove_role)]
