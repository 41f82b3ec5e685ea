"""The ministry's signature: applied to every issued PDF, checked by auditors with pyHanko."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.utils import timezone, translation
from weasyprint import HTML

from notifications.documents import signing


@pytest.fixture(autouse=True)
def _english():
    """The verdicts' errors are asserted in English (the portal's default language is Japanese)."""
    with translation.override("en"):
        yield


@pytest.fixture(scope="module")
def unsigned_pdf() -> bytes:
    return HTML(string="<p>許可証 / Permit PM-2026-000001</p>").write_pdf(pdf_variant="pdf/a-3b")


@pytest.fixture(scope="module")
def signed_pdf(unsigned_pdf, signing_files) -> bytes:
    from django.test import override_settings

    key, cert = signing_files
    with override_settings(
        DOCUMENT_SIGNING_KEY=key,
        DOCUMENT_SIGNING_CERT=cert,
        DOCUMENT_SIGNING_KEY_PASSPHRASE="test passphrase",
    ):
        return signing.sign_pdf(unsigned_pdf)


def test_a_signed_pdf_validates_against_the_configured_certificate(signed_pdf):
    verdict = signing.validate_pdf_signature(signed_pdf)
    assert verdict.signed is True
    assert verdict.intact is True
    assert verdict.valid is True
    assert verdict.trusted is True
    assert verdict.covers_whole_file is True
    assert verdict.ok is True
    assert signing.DEMO_SUBJECT in verdict.signer_subject
    assert verdict.signer == verdict.signer_subject
    assert abs(timezone.now() - verdict.signed_at) < datetime.timedelta(minutes=5)
    assert verdict.error == ""


def test_one_changed_byte_breaks_the_signature(signed_pdf, unsigned_pdf):
    tampered = bytearray(signed_pdf)
    tampered[len(unsigned_pdf) // 2] ^= 0x01
    verdict = signing.validate_pdf_signature(bytes(tampered))
    assert verdict.signed is True
    assert verdict.intact is False
    assert verdict.valid is False
    assert verdict.ok is False
    assert verdict.summary == "The file was changed after it was signed."


def test_content_appended_after_signing_is_not_covered(signed_pdf):
    verdict = signing.validate_pdf_signature(signed_pdf + b"\n% appended later\n")
    assert verdict.intact is True
    assert verdict.covers_whole_file is False
    assert verdict.ok is False


def test_an_unsigned_or_unreadable_file_is_not_signed(unsigned_pdf):
    assert signing.validate_pdf_signature(unsigned_pdf).signed is False
    assert signing.validate_pdf_signature(unsigned_pdf).summary == "The file carries no signature."
    garbage = signing.validate_pdf_signature(b"not a pdf at all")
    assert garbage.signed is False
    assert garbage.ok is False
    assert garbage.error.startswith("unreadable PDF")


def test_a_signature_by_another_key_is_valid_but_not_trusted(unsigned_pdf, settings, tmp_path):
    other_key, other_cert = tmp_path / "other-key.pem", tmp_path / "other-cert.pem"
    signing.generate_demo_key(other_key, other_cert)
    trusted_paths = settings.DOCUMENT_SIGNING_KEY, settings.DOCUMENT_SIGNING_CERT
    settings.DOCUMENT_SIGNING_KEY, settings.DOCUMENT_SIGNING_CERT = other_key, other_cert
    settings.DOCUMENT_SIGNING_KEY_PASSPHRASE = ""
    foreign = signing.sign_pdf(unsigned_pdf)
    settings.DOCUMENT_SIGNING_KEY, settings.DOCUMENT_SIGNING_CERT = trusted_paths

    verdict = signing.validate_pdf_signature(foreign)
    assert verdict.intact is True
    assert verdict.valid is True
    assert verdict.trusted is False
    assert verdict.ok is False
    assert verdict.summary == "Signed, but not with this portal's signing certificate."


def test_without_a_key_outside_demo_mode_signing_refuses(unsigned_pdf, settings, tmp_path):
    settings.DEMO_MODE = False
    settings.DOCUMENT_SIGNING_KEY = tmp_path / "missing-key.pem"
    settings.DOCUMENT_SIGNING_CERT = tmp_path / "missing-cert.pem"
    with pytest.raises(ImproperlyConfigured):
        signing.sign_pdf(unsigned_pdf)
    assert not (tmp_path / "missing-key.pem").exists()


def test_a_demo_deployment_without_a_key_makes_one_on_first_use(unsigned_pdf, settings, tmp_path):
    settings.DEMO_MODE = True
    settings.DOCUMENT_SIGNING_KEY = tmp_path / "signing" / "key.pem"
    settings.DOCUMENT_SIGNING_CERT = tmp_path / "signing" / "cert.pem"
    settings.DOCUMENT_SIGNING_KEY_PASSPHRASE = ""
    verdict = signing.validate_pdf_signature(signing.sign_pdf(unsigned_pdf))
    assert verdict.ok is True
    assert (tmp_path / "signing" / "key.pem").stat().st_mode & 0o777 == 0o600


def test_signing_key_command_creates_the_demo_pair_once(settings, tmp_path, capsys):
    settings.DEMO_MODE = True
    settings.DOCUMENT_SIGNING_KEY = tmp_path / "key.pem"
    settings.DOCUMENT_SIGNING_CERT = tmp_path / "cert.pem"
    settings.DOCUMENT_SIGNING_KEY_PASSPHRASE = ""
    call_command("signing_key", "--ensure")
    first = (tmp_path / "cert.pem").read_bytes()
    assert "Created a demo signing key" in capsys.readouterr().out
    call_command("signing_key", "--ensure")
    output = capsys.readouterr().out
    assert "Created" not in output
    assert signing.DEMO_SUBJECT in output
    assert (tmp_path / "cert.pem").read_bytes() == first


def test_signing_key_command_never_replaces_half_a_pair_or_a_missing_production_key(
    settings, tmp_path
):
    settings.DOCUMENT_SIGNING_KEY = tmp_path / "key.pem"
    settings.DOCUMENT_SIGNING_CERT = tmp_path / "cert.pem"
    settings.DEMO_MODE = False
    with pytest.raises(CommandError):
        call_command("signing_key", "--ensure")
    settings.DEMO_MODE = True
    (tmp_path / "key.pem").write_text("somebody's key")
    with pytest.raises(ImproperlyConfigured):
        call_command("signing_key", "--ensure")
    assert (tmp_path / "key.pem").read_text() == "somebody's key"
    assert not (tmp_path / "cert.pem").exists()
