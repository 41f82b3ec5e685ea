"""Demo data for ``make run``: one firm, one user per role, the reference data and the real End
User List of 2025-09-29. Idempotent: running it again changes nothing that already exists."""

import datetime
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from exportctl.accounts.models import Firm, User
from exportctl.accounts.roles import Role
from exportctl.audit import trail
from partners import services as partner_services
from partners.data import EUL_2025_09
from partners.models import ListVersion, ListVersionStatus

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - demo mode only, listed in the README
DEMO_FIRM = {
    "corporate_number": "8999999999901",
    "name": "Demo Precision Instruments K.K.",
    "name_local": "デモ精密機器株式会社",
    "address": "1-2-3 Otemachi, Chiyoda-ku, Tokyo",
}
DEMO_USERS = [
    ("exporter@example.com", "Hanako Yamada", True, [Role.EXPORTER]),
    ("firmadmin@example.com", "Taro Suzuki", True, [Role.FIRM_ADMIN, Role.EXPORTER]),
    ("reviewer@example.com", "Kenji Sato", False, [Role.REVIEWER]),
    ("senior@example.com", "Michiko Tanaka", False, [Role.REVIEWER, Role.SENIOR_REVIEWER]),
    ("listmanager@example.com", "Hiroshi Ito", False, [Role.LIST_MANAGER]),
    ("auditor@example.com", "Yuki Watanabe", False, [Role.AUDITOR]),
]
#: The demo ministry accounts' authenticator key (base32, README): add it to any TOTP app, or run
#: ``manage.py demo_otp EMAIL`` for the current code. Demo mode only, like the password.
DEMO_TOTP_KEY_HEX = "3132333435363738393031323334353637383930"  # RFC 6238's test key
EUL_FILE = EUL_2025_09


class Command(BaseCommand):
    help = "Create the demo firm, users, reference data and End User List (demo mode only)."

    def handle(self, *args, **options):
        if not settings.DEMO_MODE:
            raise CommandError(
                "seed_demo creates accounts with a published password; it runs only in demo "
                "mode (DJANGO_DEBUG=true or EXPORTCTL_DEMO=true)."
            )
        created = partner_services.reference_data_load()
        self.stdout.write(f"Reference data: {created}")
        self._seed_accounts()
        self._seed_end_user_list()

    @transaction.atomic
    def _seed_accounts(self) -> None:
        firm, firm_created = Firm.objects.get_or_create(
            corporate_number=DEMO_FIRM["corporate_number"], defaults=DEMO_FIRM
        )
        if firm_created:
            trail.record(action="firm.create", obj=firm, data={"seed": "demo"})
        for email, full_name, in_firm, roles in DEMO_USERS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(
                    email=email,
                    password=DEMO_PASSWORD,
                    full_name=full_name,
                    firm=firm if in_firm else None,
                )
                user.groups.set(Group.objects.filter(name__in=[r.value for r in roles]))
                trail.record(
                    action="user.create",
                    obj=user,
                    firm=user.firm,
                    data={"roles": [r.value for r in roles], "seed": "demo"},
                )
                self.stdout.write(f"Created {email}")
            if not in_firm:
                TOTPDevice.objects.get_or_create(
                    user=user,
                    confirmed=True,
                    defaults={"name": "demo authenticator", "key": DEMO_TOTP_KEY_HEX},
                )

    def _seed_end_user_list(self) -> None:
        if ListVersion.objects.filter(
            source__code="meti-eul",
            file_sha256__isnull=False,
            status__in=[ListVersionStatus.PUBLISHED, ListVersionStatus.SUPERSEDED],
        ).exists():
            return
        with EUL_FILE.open("rb") as handle:
            version = partner_services.list_version_import(
                source_code="meti-eul",
                file=handle,
                file_name=EUL_FILE.name,
                actor=None,
                label="2025-09-29",
                issued_on=datetime.date(2025, 9, 29),
            )
        partner_services.list_version_publish(version=version, actor=None)
        self.stdout.write(f"Published the End User List 2025-09-29: {version.entry_count} entries")
