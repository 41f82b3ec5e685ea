"""``manage.py signing_key --ensure``: make sure issued documents can be signed.

Creates a self-signed demo key and certificate at ``DOCUMENT_SIGNING_KEY``/``DOCUMENT_SIGNING_CERT``
when neither exists (``make setup`` runs it); a configured key is never touched. Without
``--ensure`` it reports which certificate documents are signed with.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from notifications.documents import signing


class Command(BaseCommand):
    help = "Create the demo document-signing key if none exists, or show the configured one."

    def add_arguments(self, parser):
        parser.add_argument(
            "--ensure",
            action="store_true",
            help="Create a self-signed demo key and certificate when none exists.",
        )

    def handle(self, *args, ensure: bool = False, **options):
        if ensure and not signing.signing_material_exists():
            if not settings.DEMO_MODE:
                raise CommandError(
                    "No signing key is configured and this is not a demo deployment: set "
                    "EXPORTCTL_DOCUMENT_SIGNING_KEY and EXPORTCTL_DOCUMENT_SIGNING_CERT."
                )
            if signing.ensure_demo_key():
                self.stdout.write(f"Created a demo signing key: {settings.DOCUMENT_SIGNING_CERT}")
        if not signing.signing_material_exists():
            raise CommandError(f"No signing certificate at {settings.DOCUMENT_SIGNING_CERT}.")
        certificate = signing.configured_certificate()
        self.stdout.write(
            f"Documents are signed as: {certificate.subject.human_friendly}\n"
            f"  certificate: {settings.DOCUMENT_SIGNING_CERT}\n"
            f"  valid until: {certificate['tbs_certificate']['validity']['not_after'].native}\n"
            f"  SHA-256 fingerprint: {certificate.sha256.hex()}"
        )
