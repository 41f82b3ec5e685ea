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


# --- The crawl: no English on a Japanese page, no Japanese on an English page ------------------
#
# Each role of the demo world signs in to Chromium and follows the links of its own pages
# breadth-first (``tests/e2e/crawl.py``). User data legitimately in another language (a firm's
# Japanese name on an English page, a listed entity's name, a romanised firm name on a Japanese
# page) is marked with a ``lang`` attribute, which is also what a screen reader needs; the
# detector ignores any element whose ``lang`` differs from the page's.


CRAWL_ROLES = {
    "exporter": "exporter@example.com",
    "firm_admin": "firmadmin@example.com",
    "reviewer": "reviewer@example.com",
    "senior_reviewer": "senior@example.com",
    "list_manager": "listmanager@example.com",
    "auditor": "auditor@example.com",
    "enforcement_officer": "enforcement@example.com",
}
CRAWL_LIMIT = 60
#: Hiragana, katakana (and its half-width forms), CJK ideographs and the CJK punctuation block.
JAPANESE = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]+")
#: Text of the page in its own language: ``lang``-marked foreign elements, scripts, styles and
#: the language switch (each language's name in that language) are left out.
_PAGE_TEXT_JS = """
() => {
  const pageLang = (document.documentElement.lang || '').split('-')[0];
  const skip = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE']);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const out = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || skip.has(parent.tagName)) continue;
    const marked = parent.closest('[lang]');
    if (marked && marked.lang.split('-')[0] !== pageLang) continue;
    const text = node.textContent.replace(/\\s+/g, ' ').trim();
    if (text) out.push(text);
  }
  for (const el of document.querySelectorAll('[placeholder], [aria-label], [title], img[alt]')) {
    const marked = el.closest('[lang]');
    if (marked && marked.lang.split('-')[0] !== pageLang) continue;
    for (const name of ['placeholder', 'aria-label', 'title', 'alt']) {
      const value = el.getAttribute(name);
      if (value && value.trim()) out.push(value.trim());
    }
  }
  return out;
}
"""
#: Catalogue entries that are the same word in both languages (codes, units, product names).
_LANGUAGE_NEUTRAL = re.compile(r"^[A-Z0-9][A-Z0-9 ./&()%-]*$")
_PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")


def english_catalogue_phrases() -> tuple[list[str], set[str]]:
    """The English of the product's own catalogue that a Japanese page must not show: phrases
    of two words or more (found anywhere in the page's text), and single words (found only as a
    whole piece of text: an untranslated button or heading, not the word "Company" inside a
    listed company's name).

    Read from the compiled catalogue of the active ``LOCALE_PATHS`` (the msgids are the English);
    an entry whose Japanese is the English itself (a code, a unit, a brand) is not looked for.
    """
    import gettext

    phrases: set[str] = set()
    words: set[str] = set()
    for folder in settings.LOCALE_PATHS:
        mo = Path(folder) / "ja" / "LC_MESSAGES" / "django.mo"
        if not mo.exists():
            continue
        with mo.open("rb") as handle:
            catalogue = gettext.GNUTranslations(handle)._catalog
        for key, translated in catalogue.items():
            msgid = key[0] if isinstance(key, tuple) else key
            msgid = msgid.split("\x04", 1)[-1]
            if not msgid or msgid == translated or _LANGUAGE_NEUTRAL.match(msgid):
                continue
            for fragment in _PLACEHOLDER.split(msgid):
                fragment = fragment.strip(" :;,.()—-–\n")
                if len(re.findall(r"[A-Za-z]{3,}", fragment)) >= 2:
                    phrases.add(fragment)
                elif re.fullmatch(r"[A-Za-z][a-z]{3,}", fragment):
                    words.add(fragment)
    return sorted(phrases, key=len, reverse=True), words


def english_on_a_japanese_page(
    texts: list[str], phrases_pattern: re.Pattern, words: frozenset[str] | set[str] = frozenset()
) -> list[str]:
    found = []
    for text in texts:
        match = phrases_pattern.search(text)
        if match:
            found.append(f"{match.group(0)!r} in {text[:120]!r}")
        elif text.strip(" :;,.()—-–") in words:
            found.append(f"{text!r}")
    return found


def japanese_on_an_english_page(texts: list[str]) -> list[str]:
    return [f"{m!r} in {text[:120]!r}" for text in texts for m in JAPANESE.findall(text)[:1]]


def test_the_detectors_find_the_other_language_and_ignore_what_is_marked():
    pattern = re.compile(r"(?<![A-Za-z])(?:Saved the checklist|Status)(?![A-Za-z])")
    never = re.compile(r"(?!x)x")

    assert english_on_a_japanese_page(["状態: Status"], pattern) == ["'Status' in '状態: Status'"]
    assert english_on_a_japanese_page(["Statuses 1", "山田 花子"], pattern) == []
    assert english_on_a_japanese_page(["Company", "Korea Trading Company"], never, {"Company"}) == [
        "'Company'"
    ]
    assert japanese_on_an_english_page(["Status: 下書き", "Draft"]) == [
        "'下書き' in 'Status: 下書き'"
    ]
    assert japanese_on_an_english_page(["Hanako Yamada", "¥38,000,000"]) == []


@pytest.fixture
def demo_world(transactional_db, settings, tmp_path):
    from django.core.management import call_command

    settings.DEMO_MODE = True
    settings.DOCUMENT_SIGNING_KEY = tmp_path / "signing" / "key.pem"
    settings.DOCUMENT_SIGNING_CERT = tmp_path / "signing" / "cert.pem"
    settings.DOCUMENT_SIGNING_KEY_PASSPHRASE = ""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("seed_demo", stdout=__import__("io").StringIO())


def _crawl_role(
    chromium,
    server,
    email: str,
    locale: str,
) -> tuple[list[str], list[str]]:
    """Sign ``email`` in on a fresh context and crawl; return (pages visited, findings)."""
    from exportctl.demo.world import DEMO_PASSWORD
    from tests.e2e.conftest import DEFAULT_TIMEOUT_MS, sign_in
    from tests.e2e.crawl import Crawl

    context = chromium.new_context(locale=locale, base_url=server.url)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    findings: list[str] = []
    try:
        page = context.new_page()
        sign_in(page, server, email, DEMO_PASSWORD)
        # A signed-in user's own language choice outranks the browser's: choose it as a user does.
        switch = page.locator(f"form.lang-switch button[value={locale[:2]}]")
        if switch.count():
            with page.expect_navigation():
                switch.click()
        crawl = Crawl(page, server, "/", CRAWL_LIMIT)
        if locale.startswith("ja"):
            phrases, words = english_catalogue_phrases()
            assert phrases, "no compiled catalogue to read the English from: run `make locale`"
            pattern = re.compile(
                r"(?<![A-Za-z])(?:" + "|".join(map(re.escape, phrases)) + r")(?![A-Za-z])"
            )
        for url, current in crawl:
            lang = current.evaluate("document.documentElement.lang")
            texts = current.evaluate(_PAGE_TEXT_JS)
            if locale.startswith("ja"):
                assert lang == "ja", f"{url} is not in Japanese (lang={lang!r})"
                problems = english_on_a_japanese_page(texts, pattern, words)
            else:
                assert lang == "en", f"{url} is not in English (lang={lang!r})"
                problems = japanese_on_an_english_page(texts)
            path = url.removeprefix(server.url)
            findings.extend(f"{path}: {problem}" for problem in problems)
        return crawl.visited, findings
    finally:
        context.close()


@pytest.mark.e2e
@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_every_page_of_every_role_is_in_one_language(request, demo_world, locale):
    chromium = request.getfixturevalue("browser")
    server = request.getfixturevalue("live_server")
    report = []
    for role, email in CRAWL_ROLES.items():
        visited, findings = _crawl_role(chromium, server, email, locale)
        assert len(visited) >= 3, f"{role} reached only {visited}"
        report.extend(f"[{role}] {finding}" for finding in dict.fromkeys(findings))

    assert report == [], f"{len(report)} finding(s) in {locale}:\n" + "\n".join(report)
