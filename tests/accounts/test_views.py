"""Sign-in, sign-out, the role front door, and the page shell every screen shares."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from exportctl.accounts.models import Firm, User
from exportctl.accounts.roles import Role
from exportctl.audit.models import AuditEvent
from notifications.models import Notification
from notifications.selectors import PAGE_SIZE
from notifications.workflow import Status

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-2026"
LOGIN_URL = "/accounts/login/"


def make_firm(**fields) -> Firm:
    defaults = {
        "name": "Kanto Precision Co., Ltd.",
        "name_local": "関東精密株式会社",
        "corporate_number": "7000012050002",
    }
    return Firm.objects.create(**{**defaults, **fields})


def make_user(email: str, *roles: Role, firm: Firm | None = None) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD, firm=firm)
    user.groups.set(Group.objects.filter(name__in=[role.value for role in roles]))
    return user


@pytest.fixture
def firm() -> Firm:
    return make_firm()


@pytest.fixture
def exporter(firm) -> User:
    return make_user("exporter@example.com", Role.EXPORTER, firm=firm)


def sign_in(client, user: User) -> None:
    assert client.login(username=user.email, password=PASSWORD)


# --- The sign-in page ---------------------------------------------------------------------------


def test_login_page_is_japanese_by_default(client):
    response = client.get(LOGIN_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ja">' in html
    assert "<title>ログイン | 輸出事前届出ポータル</title>" in html
    assert '<label class="field__label" for="id_username">メールアドレス</label>' in html
    assert '<label class="field__label" for="id_password">パスワード</label>' in html
    assert ">ログイン</button>" in html
    # The switch offers the other language, labelled in that language.
    assert 'name="language" value="en" lang="en">English</button>' in html


def test_login_page_in_english(client):
    response = client.get(LOGIN_URL, headers={"accept-language": "en"})

    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "<title>Sign in | Export pre-notification portal</title>" in html
    assert '<label class="field__label" for="id_username">E-mail address</label>' in html
    assert ">Sign in</button>" in html
    assert 'name="language" value="ja" lang="ja">日本語</button>' in html
    assert "ログイン" not in html


def test_language_switch_sets_the_language_and_returns_to_the_page(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": LOGIN_URL})

    assert response.status_code == 302
    assert response["Location"] == LOGIN_URL
    assert '<html lang="en">' in client.get(LOGIN_URL).content.decode()


def test_language_switch_keeps_next_of_the_current_page(client):
    html = client.get(LOGIN_URL + "?next=/").content.decode()

    assert '<input type="hidden" name="next" value="/accounts/login/?next=/">' in html


def test_wrong_password_shows_the_error_keeps_the_email_and_is_audited(client, exporter):
    response = client.post(LOGIN_URL, {"username": "exporter@example.com", "password": "wrong"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>エラー：ログイン | 輸出事前届出ポータル</title>" in html
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    assert 'role="alert"' in summary
    assert "問題があります" in summary
    message = "メールアドレスまたはパスワードが正しくありません。"
    assert f'<a href="#id_username">{message}</a>' in summary
    assert 'value="exporter@example.com"' in html
    assert 'value="wrong"' not in html
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get()
    assert event.action == "auth.login_failed"
    assert event.actor is None
    assert event.data == {"email": "exporter@example.com"}


def test_empty_form_shows_each_error_next_to_its_field_and_in_the_summary(client):
    response = client.post(
        LOGIN_URL, {"username": "", "password": ""}, headers={"accept-language": "en"}
    )

    html = response.content.decode()
    assert '<a href="#id_username">Enter your e-mail address.</a>' in html
    assert '<a href="#id_password">Enter your password.</a>' in html
    assert re.search(
        r'<p class="field__error" id="id_username_error">\s*<span class="field__error-item">'
        r'<span class="visually-hidden">Error: </span>Enter your e-mail address.</span>',
        html,
    )
    email_input = re.search(r'<input type="email" name="username"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in email_input
    assert 'aria-describedby="id_username_error"' in email_input
    assert AuditEvent.objects.get().action == "auth.login_failed"


def test_login_with_mixed_case_email_signs_in_and_is_audited(client, exporter):
    response = client.post(LOGIN_URL, {"username": "Exporter@Example.com", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert int(client.session["_auth_user_id"]) == exporter.pk
    event = AuditEvent.objects.get()
    assert event.action == "auth.login"
    assert event.actor == exporter


def test_login_redirects_to_next(client, exporter):
    response = client.post(
        LOGIN_URL + "?next=/?page=2",
        {"username": exporter.email, "password": PASSWORD, "next": "/?page=2"},
    )

    assert response["Location"] == "/?page=2"


def test_inactive_user_cannot_sign_in(client, exporter):
    exporter.is_active = False
    exporter.save()

    response = client.post(LOGIN_URL, {"username": exporter.email, "password": PASSWORD})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.get().action == "auth.login_failed"


# --- Sign-out -----------------------------------------------------------------------------------


def test_logout_refuses_get(client, exporter):
    sign_in(client, exporter)

    response = client.get(reverse("accounts:logout"))

    assert response.status_code == 405
    assert int(client.session["_auth_user_id"]) == exporter.pk
    assert not AuditEvent.objects.exists()


def test_logout_by_post_signs_out_and_says_so(client, exporter):
    sign_in(client, exporter)

    response = client.post(reverse("accounts:logout"), follow=True)

    assert response.redirect_chain == [(LOGIN_URL, 302)]
    assert "_auth_user_id" not in client.session
    assert "ログアウトしました。" in response.content.decode()
    event = AuditEvent.objects.get()
    assert event.action == "auth.logout"
    assert event.actor == exporter


def test_signed_in_pages_show_the_user_and_a_sign_out_form(client, exporter):
    sign_in(client, exporter)

    html = client.get("/", follow=True).content.decode()

    assert "exporter@example.com" in html
    assert "関東精密株式会社" in html
    assert re.search(
        r'<form class="inline-form" action="/accounts/logout/" method="post">\s*'
        r'<input type="hidden" name="csrfmiddlewaretoken"',
        html,
    )


# --- The front door: each role lands on its own home --------------------------------------------


def test_anonymous_home_redirects_to_sign_in(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


@pytest.mark.parametrize(
    ("role", "with_firm", "home", "nav"),
    [
        (Role.EXPORTER, True, "/notifications/", "届出一覧"),
        (Role.FIRM_ADMIN, True, "/notifications/", "届出一覧"),
        (Role.REVIEWER, False, "/review/", "審査待ち一覧"),
        (Role.SENIOR_REVIEWER, False, "/review/", "審査待ち一覧"),
        (Role.AUDITOR, False, "/audit/", "監査"),
        (Role.LIST_MANAGER, False, "/lists/manage/", "リスト管理"),
    ],
)
def test_each_role_lands_on_its_home(client, firm, role, with_firm, home, nav):
    user = make_user(f"{role.value}@example.com", role, firm=firm if with_firm else None)
    sign_in(client, user)

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == home
    html = client.get(home).content.decode()
    links = re.findall(
        rf'<a class="site-nav__link" href="{home}" aria-current="page">([^<]+)</a>', html
    )
    assert links == [nav]


def test_user_without_a_role_gets_403(client, firm):
    user = make_user("nobody@example.com", firm=firm)
    sign_in(client, user)

    response = client.get("/")

    assert response.status_code == 403
    assert [t.name for t in response.templates][0] == "accounts/no_role.html"
    html = response.content.decode()
    assert "<h1>このアカウントにはまだ役割が割り当てられていません</h1>" in html
    assert 'class="site-nav"' not in html


def test_exporter_without_a_firm_gets_403(client):
    user = make_user("lost@example.com", Role.EXPORTER)
    sign_in(client, user)

    assert client.get("/").status_code == 403


# --- Exporter dashboard (its filters and search: tests/notifications/exporter/) ------------------


def make_notification(firm, user, *, status=Status.DRAFT, number=1, **fields) -> Notification:
    if status != Status.DRAFT:
        fields.setdefault("reference", f"EX-2026-{number:05d}")
        fields.setdefault("submitted_at", timezone.now() - timedelta(days=100 - number))
    return Notification.objects.create(firm=firm, created_by=user, status=status, **fields)


DASHBOARD = "/notifications/"


def test_dashboard_empty_state(client, exporter):
    sign_in(client, exporter)

    html = client.get(DASHBOARD).content.decode()

    assert "まだ届出はありません" in html
    assert "<table" not in html
    assert 'class="pagination"' not in html


def test_dashboard_lists_the_firms_notifications_drafts_first(client, firm, exporter):
    submitted = make_notification(
        firm,
        exporter,
        status=Status.UNDER_REVIEW,
        number=1,
        title="Machining centre to Thailand",
        destination_country="TH",
    )
    draft = make_notification(firm, exporter, title="", destination_country="")
    other_firm = make_firm(name="Other KK", name_local="", corporate_number="2021001052596")
    other_user = make_user("other@example.com", Role.EXPORTER, firm=other_firm)
    make_notification(other_firm, other_user, title="Not yours")
    sign_in(client, exporter)

    response = client.get(DASHBOARD)

    assert list(response.context["page"]) == [draft, submitted]
    html = response.content.decode()
    assert "Machining centre to Thailand" in html
    assert "Not yours" not in html


def test_dashboard_paginates(client, firm, exporter):
    for _ in range(PAGE_SIZE + 1):
        make_notification(firm, exporter, title="Draft")
    sign_in(client, exporter)

    first = client.get(DASHBOARD)
    second = client.get(DASHBOARD, {"page": 2})

    assert first.context["page"].has_next()
    assert len(first.context["page"]) == PAGE_SIZE
    assert len(second.context["page"]) == 1
    assert 'rel="next"' in first.content.decode()
    assert 'rel="prev"' in second.content.decode()


# --- Page shell: accessibility landmarks, CSP, no external assets --------------------------------


def test_page_shell_has_landmarks_and_a_skip_link(client, exporter):
    sign_in(client, exporter)

    html = client.get("/", follow=True).content.decode()

    assert '<a class="skip-link" href="#main">メインコンテンツへ移動</a>' in html
    assert '<header class="site-header">' in html
    assert '<nav class="site-nav" aria-label="メインメニュー">' in html
    assert '<main class="site-main" id="main" tabindex="-1">' in html
    assert '<footer class="site-footer">' in html


def test_csp_header_allows_no_inline_code(client):
    response = client.get(LOGIN_URL)

    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"


def _pages(client, firm):
    """Every page of this part of the portal, as anonymous and as each role."""
    yield client.get(LOGIN_URL)
    yield client.post(LOGIN_URL, {"username": "x@example.com", "password": "wrong"})
    for role in Role:
        user = make_user(
            f"{role.value}@example.com",
            role,
            firm=firm if role in (Role.EXPORTER, Role.FIRM_ADMIN) else None,
        )
        sign_in(client, user)
        yield client.get("/", follow=True)
        client.logout()
    sign_in(client, make_user("nobody@example.com"))
    yield client.get("/")


def test_no_page_has_inline_code_or_external_assets(client, firm):
    for response in _pages(client, firm):
        html = response.content.decode()
        assert "<style" not in html
        assert " style=" not in html
        assert not re.search(r"<script(?![^>]*\ssrc=)", html), "inline <script> found"
        assert not re.search(r"\son[a-z]+=", html), "inline event handler found"
        urls = re.findall(r'\s(?:src|href|action)="([^"]*)"', html)
        assert urls
        for url in urls:
            assert url.startswith(("/", "#", "?")) and not url.startswith("//"), url
        assets = re.findall(r'<(?:script|link)[^>]*\s(?:src|href)="([^"]*)"', html)
        # The shell's assets first; a page may add scripts of its own, all served by the app.
        assert assets[:7] == [
            "/static/exportctl/favicon.svg",
            "/static/vendor/accessible-autocomplete.min.css",
            "/static/exportctl/portal.css",
            "/static/vendor/htmx.min.js",
            "/static/exportctl/portal.js",
            "/static/vendor/accessible-autocomplete.min.js",
            "/static/exportctl/countries.js",
        ]
        assert all(asset.startswith("/static/") for asset in assets), assets
