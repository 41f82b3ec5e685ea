"""Demo data for ``make run``: the demo world of ``exportctl.demo.world`` (two firms, one
user per role, the reference data, the real End User Lists and a dozen notifications in every
status). Idempotent: running it again changes nothing that already exists."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from exportctl.demo import world as demo_world


class Command(BaseCommand):
    help = "Create the demo firms, users, lists and notifications (demo mode only)."

    def handle(self, *args, **options):
        if not settings.DEMO_MODE:
            raise CommandError(
                "seed_demo creates accounts with a published password; it runs only in demo "
                "mode (DJANGO_DEBUG=true or EXPORTCTL_DEMO=true)."
            )
        try:
            demo_world.seed(log=self.stdout.write)
        except demo_world.DemoWorldError as exc:
            raise CommandError(str(exc)) from exc
