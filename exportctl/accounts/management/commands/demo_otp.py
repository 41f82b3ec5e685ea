"""The current one-time code of a demo ministry account, for trying the portal without an
authenticator app. Demo mode only: in production no code ever leaves the user's device."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo ministry account (demo mode only)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        if not settings.DEMO_MODE:
            raise CommandError("demo_otp runs only in demo mode.")
        device = TOTPDevice.objects.filter(user__email=email.lower(), confirmed=True).first()
        if device is None:
            raise CommandError(f"{email} has no confirmed authenticator.")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
