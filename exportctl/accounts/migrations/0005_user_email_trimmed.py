"""Stored addresses become the one normalised form every door now looks up (issue 19).

They are lower-case already (the ``user_email_lowercase`` constraint, with ``email`` unique), so no
two rows can differ only by letter case. Only surrounding whitespace, which a direct call of the
old ``create_user`` could leave, is trimmed here; if trimming would make two rows collide the
migration stops and names them, for a person to merge, rather than guess which account is real.
"""

from django.db import migrations


def trim_emails(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    padded = [user for user in User.objects.only("pk", "email") if user.email != user.email.strip()]
    for user in padded:
        trimmed = user.email.strip().lower()
        clash = User.objects.filter(email=trimmed).exclude(pk=user.pk).first()
        if clash is not None:
            raise RuntimeError(
                f"users {user.pk} and {clash.pk} share the address {trimmed!r} once trimmed; "
                "merge or rename one of them, then migrate again"
            )
        User.objects.filter(pk=user.pk).update(email=trimmed)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_user_session_generation"),
    ]

    operations = [
        migrations.RunPython(trim_emails, migrations.RunPython.noop, elidable=True),
    ]
