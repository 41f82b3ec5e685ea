"""The Japanese catalogue is complete, and pages render in the reader's language.

The portal's default language is Japanese (LANGUAGE_CODE = "ja"); English is the alternative. The
catalogue check runs GNU ``msgfmt`` (the Debian ``gettext`` package that ``make setup`` installs)
on the committed ``.po`` file; the page checks use the compiled ``.mo`` that ``make locale`` builds.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import ExporterFactory

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "ja" / "LC_MESSAGES"
PO_FILE = LOCALE_DIR / "django.po"
MO_FILE = LOCALE_DIR / "django.mo"
SITE_NAME_JA = "輸出事前届出ポータル"
SITE_NAME_EN = "Export pre-notification portal"


def _msgfmt_statistics(po_file: Path) -> tuple[int, str]:
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt not found: install the Debian package gettext (make system-deps)"
    result = subprocess.run(
        [msgfmt, "--check", "--statistics", "--output-file=/dev/null", str(po_file)],
        capture_output=True,
        text=True,
        check=False,
        env={"LC_ALL": "C", "PATH": str(Path(msgfmt).parent)},
    )
    return result.returncode, result.stderr


def _title(response) -> str:
    match = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S)
    assert match, "the page has no <title>"
    return " ".join(match.group(1).split())


def _h1(response) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", response.content.decode(), re.S)
    assert match, "the page has no <h1>"
    return " ".join(re.sub(r"<[^>]+>", "", match.group(1)).split())


@pytest.fixture
def compiled_catalogue() -> None:
    assert MO_FILE.exists(), "the Japanese catalogue is not compiled: run `make locale`"
    assert MO_FILE.stat().st_mtime >= PO_FILE.stat().st_mtime, (
        "django.mo is older than django.po: run `make locale`"
    )


def test_the_japanese_catalogue_passes_msgfmt_check_with_no_fuzzy_or_untranslated_entry():
    returncode, report = _msgfmt_statistics(PO_FILE)

    assert returncode == 0, report
    statistics = report.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ translated messages?\.", statistics), statistics
    assert "fuzzy" not in report
    assert "untranslated" not in report


def test_the_catalogue_declares_japanese_with_a_single_plural_form():
    header = PO_FILE.read_text(encoding="utf-8").split("\n\n", 1)[0]

    assert '"Language: ja\\n"' in header
    assert '"Content-Type: text/plain; charset=UTF-8\\n"' in header
    assert '"Plural-Forms: nplurals=1; plural=0;\\n"' in header


@pytest.mark.django_db
def test_the_sign_in_page_is_japanese_by_default(client, compiled_catalogue):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert response["Content-Language"] == "ja"
    assert '<html lang="ja">' in response.content.decode()
    assert _title(response) == f"ログイン | {SITE_NAME_JA}"
    assert _h1(response) == "ログイン"
    assert "メールアドレス" in response.content.decode()
    assert "パスワード" in response.content.decode()


@pytest.mark.django_db
def test_the_sign_in_page_follows_accept_language(client, compiled_catalogue):
    japanese = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="ja-JP,ja;q=0.9")
    english = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert _title(japanese) == f"ログイン | {SITE_NAME_JA}"
    assert _title(english) == f"Sign in | {SITE_NAME_EN}"
    assert _h1(english) == "Sign in"
    assert english["Content-Language"] == "en"


@pytest.mark.django_db
def test_the_language_cookie_overrides_the_browser(client, compiled_catalogue):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"

    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert _title(response) == f"ログイン | {SITE_NAME_JA}"


@pytest.mark.django_db
def test_a_failed_sign_in_is_explained_in_japanese(client, compiled_catalogue):
    response = client.post(
        "/accounts/login/", {"username": "nobody@example.com", "password": "not-the-password"}
    )

    assert response.status_code == 200
    assert _title(response) == f"エラー：ログイン | {SITE_NAME_JA}"
    content = response.content.decode()
    assert "問題があります" in content
    assert "メールアドレスまたはパスワードが正しくありません。" in content


@pytest.mark.django_db
def test_the_document_verification_page_is_japanese(client, compiled_catalogue):
    response = client.get(reverse("verify:verify"))

    assert response.status_code == 200
    assert _title(response) == f"文書の確認 | {SITE_NAME_JA}"
    assert _h1(response) == "文書の確認"
    assert "確認コード" in response.content.decode()


@pytest.mark.django_db
def test_the_published_lists_page_is_japanese(client, compiled_catalogue):
    response = client.get(reverse("partners:public_index"))

    assert response.status_code == 200
    assert _h1(response) == "公表中のリスト"
    assert "公表済みのリストはまだありません" in response.content.decode()


@pytest.mark.django_db
def test_an_exporter_sees_their_notifications_page_in_japanese(client, compiled_catalogue):
    client.force_login(ExporterFactory())

    response = client.get(reverse("notifications:dashboard"))

    assert response.status_code == 200
    assert _title(response) == f"届出一覧 | {SITE_NAME_JA}"
    assert _h1(response) == "届出一覧"
    assert "まだ届出はありません" in response.content.decode()
