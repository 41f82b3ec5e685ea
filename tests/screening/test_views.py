"""The public criteria page and the exporter's self-check page."""

from __future__ import annotations

import dataclasses
import datetime
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from exportctl.accounts.roles import Role
from exportctl.audit.models import AuditEvent
from partners.models import CountryTier, KeyTechnology, SpecifiedHsScope
from partners.services import reference_data_load
from screening import index_cache, rules, selectors
from tests.factories import ExporterFactory, UserFactory
from tests.screening.test_self_check import AMIRKABIR, real_eul  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

CRITERIA = "/screening/criteria/"
SELF_CHECK = "/screening/self-check/"


@pytest.fixture(autouse=True)
def _fresh_caches():
    cache.clear()
    index_cache.clear()
    yield
    cache.clear()


def text(response) -> str:
    return response.content.decode()


def rule_row(html: str, rule_id: str) -> str:
    match = re.search(rf'<tr id="rule-{rule_id}" data-rule="{rule_id}">(.*?)</tr>', html, re.S)
    assert match, rule_id
    return match.group(1)


def self_check_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="screening.self_check").order_by("seq"))


# --- Criteria --------------------------------------------------------------------------------


def test_url_names():
    assert reverse("screening:criteria") == CRITERIA
    assert reverse("screening:self-check") == SELF_CHECK
    assert reverse("api-self-check") == "/api/v1/screening/self-check/"


def test_criteria_page_is_public_and_shows_every_rule_the_worker_runs(client):
    response = client.get(CRITERIA, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = text(response)
    assert f'<dd class="mono" data-ruleset-version>{rules.RULESET_VERSION}</dd>' in html
    assert '<time datetime="2025-10-09">2025-10-09</time>' in html
    rendered = re.findall(r'<tr id="rule-[^"]+" data-rule="([^"]+)">', html)
    assert rendered == [rule.id for rule in selectors.criteria_rules()]
    with translation.override("en"):
        for rule in selectors.criteria_rules():
            row = rule_row(html, rule.id)
            for field in (rule.title, rule.explanation, rule.legal_basis):
                assert escape(str(field)) in row, (rule.id, field)
            assert f'data-weight="{rule.weight}"' in row
            assert f'class="tag tag--{rule.min_level}"' in row


def test_changing_a_rule_changes_the_page(client, monkeypatch):
    original = rules.RULES_BY_ID["russia_diversion"]
    changed = dataclasses.replace(
        original, title="Diversion hub (changed)", weight=17, min_level=rules.ELEVATED
    )
    monkeypatch.setattr(rules, "RULES", tuple(changed if r is original else r for r in rules.RULES))
    html = text(client.get(CRITERIA, HTTP_ACCEPT_LANGUAGE="en"))
    row = rule_row(html, "russia_diversion")
    assert "Diversion hub (changed)" in row
    assert 'data-weight="17"' in row
    assert 'class="tag tag--elevated"' in row
    assert "Russia-diversion country</span>" not in html


def test_rule_party_risk_weight_is_explained(client):
    html = text(client.get(CRITERIA, HTTP_ACCEPT_LANGUAGE="en"))
    row = " ".join(rule_row(html, "listed_party").split())
    assert "up to 60, by the party's risk" in row


def test_criteria_page_shows_the_reference_data_in_force(client):
    reference_data_load()
    today = datetime.date.today()
    # Rows no longer (or not yet) in force are not shown.
    CountryTier.objects.create(
        country="ZZ",
        tier="group_a",
        effective_from=datetime.date(2000, 1, 1),
        effective_to=datetime.date(2001, 1, 1),
    )
    KeyTechnology.objects.create(
        code="future-tech",
        name_en="Future technology",
        name_ja="将来技術",
        effective_from=today + datetime.timedelta(days=30),
    )
    SpecifiedHsScope.objects.create(
        hs_prefix="9999",
        description_en="Old heading",
        description_ja="旧項目",
        effective_from=datetime.date(2000, 1, 1),
        effective_to=datetime.date(2001, 1, 1),
    )
    html = text(client.get(CRITERIA, HTTP_ACCEPT_LANGUAGE="en"))
    group_a = re.search(r'<tr data-tier="group_a">(.*?)</tr>', html, re.S).group(1)
    # By name, in the reader's language, with the code: "Argentina (AR), Australia (AU), …".
    assert "Argentina (AR), Australia (AU), Austria (AT), Belgium (BE), Bulgaria (BG)" in (
        " ".join(group_a.split())
    )
    assert "United Kingdom (GB), United States of America (US)" in " ".join(group_a.split())
    assert "ZZ" not in group_a
    sanctioned = re.search(r'<tr data-tier="sanctioned">.*?<td>(.*?)</td>', html, re.S)
    assert " ".join(sanctioned.group(1).split()) == "North Korea (KP)"
    japanese = text(client.get(CRITERIA, HTTP_ACCEPT_LANGUAGE="ja"))
    sanctioned = re.search(r'<tr data-tier="sanctioned">.*?<td>(.*?)</td>', japanese, re.S)
    assert " ".join(sanctioned.group(1).split()) == "北朝鮮 (KP)"
    assert "Design or manufacture of multilayer ceramic capacitors (MLCC)" in html
    assert "Future technology" not in html
    assert '<td class="mono">8542</td>' in html
    assert "Old heading" not in html


def test_criteria_page_in_japanese_shows_the_japanese_reference_names(client):
    reference_data_load()
    html = text(client.get(CRITERIA, HTTP_ACCEPT_LANGUAGE="ja"))
    assert '<html lang="ja">' in html
    mlcc = KeyTechnology.objects.get(code="mlcc")
    assert f"<td>{mlcc.name_ja}<br>" in html
    assert f'<span class="muted" lang="en">{mlcc.name_en}</span>' in html
    scope = SpecifiedHsScope.objects.filter(hs_prefix="8542").first()
    assert scope.description_ja in html


def test_criteria_page_empty_reference_data(client):
    html = text(client.get(CRITERIA, HTTP_ACCEPT_LANGUAGE="en"))
    assert "No key technology is in force today." in html
    assert "No HS scope is in force today." in html
    assert "No country in this tier today." in html


def test_rule_texts_are_translatable():
    from django.utils.functional import Promise

    for rule in selectors.criteria_rules():
        for field in (rule.title, rule.explanation, rule.legal_basis):
            assert isinstance(field, Promise), rule.id


# --- Self-check page -------------------------------------------------------------------------


@pytest.fixture
def exporter_client(client):
    user = ExporterFactory()
    client.force_login(user)
    client.user = user
    return client


def test_self_check_needs_sign_in(client):
    response = client.get(SELF_CHECK)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={SELF_CHECK}"
    response = client.post(SELF_CHECK, {"name": AMIRKABIR})
    assert response.status_code == 302
    assert self_check_events() == []


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.AUDITOR, Role.LIST_MANAGER])
def test_self_check_page_refuses_ministry_roles(client, real_eul, role):  # noqa: F811
    client.force_login(UserFactory(roles=[role]))
    assert client.get(SELF_CHECK).status_code == 403
    assert client.post(SELF_CHECK, {"name": AMIRKABIR}).status_code == 403
    assert self_check_events() == []


def test_self_check_page_explains_that_it_is_advisory(exporter_client):
    response = exporter_client.get(SELF_CHECK, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = text(response)
    assert "This check is advisory." in html
    assert "You must still file the advance notification" in html
    assert 'name="name"' in html and 'name="country"' in html
    assert 'id="self-check-result"' not in html
    assert self_check_events() == []


def test_self_check_page_shows_the_hit_explained(exporter_client, real_eul):  # noqa: F811
    response = exporter_client.post(SELF_CHECK, {"name": AMIRKABIR, "country": "ir"})
    assert response.status_code == 200
    html = text(response)
    assert 'data-outcome="match"' in html
    assert 'data-source="meti-eul" data-entry-number="45"' in html
    assert "Amir Kabir University of Technology" in html
    assert '<td class="mono">amirkabir</td>' in html
    assert "B, C, M, N" in html
    assert "2025-09-29" in html
    # The form keeps what was typed.
    assert f'value="{AMIRKABIR}"' in html
    assert '<option value="IR" selected>イラン (IR)</option>' in html
    [event] = self_check_events()
    assert event.data["channel"] == "page"
    assert (event.data["query"], event.data["hits"]) == (AMIRKABIR, 1)
    assert event.actor_id == exporter_client.user.pk


def test_self_check_page_takes_the_kind_and_keeps_it(exporter_client, real_eul):  # noqa: F811
    response = exporter_client.post(
        SELF_CHECK, {"name": AMIRKABIR, "kind": "organization"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    html = text(response)
    assert 'data-outcome="match"' in html
    checked = [line for line in html.splitlines() if 'name="kind"' in line or "selected" in line]
    assert any('value="organization" selected' in line for line in checked), checked
    assert "· Organisation or company</h2>" in html
    [event] = self_check_events()
    assert event.data["kind"] == "organization"

    refused = exporter_client.post(SELF_CHECK, {"name": AMIRKABIR, "kind": "vessel"})
    assert "kind" in refused.context["form"].errors
    assert len(self_check_events()) == 1


def test_self_check_page_no_match(exporter_client, real_eul):  # noqa: F811
    response = exporter_client.post(
        SELF_CHECK, {"name": "Kanto Bakery Supplies Co., Ltd."}, HTTP_ACCEPT_LANGUAGE="en"
    )
    html = text(response)
    assert 'data-outcome="no_match"' in html
    assert "No match at the alert threshold" in html
    assert "self-check__hit" not in html
    assert "version 2025-09-29" in html


def test_self_check_page_without_a_published_list(exporter_client):
    html = text(exporter_client.post(SELF_CHECK, {"name": AMIRKABIR}, HTTP_ACCEPT_LANGUAGE="en"))
    assert 'data-outcome="not_screened"' in html
    assert "The name could not be checked." in html


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "Enter the name to check."),
        ({"name": "..."}, "name", "Enter a name with letters in it, not only punctuation."),
        (
            {"name": AMIRKABIR, "country": "Iran"},
            "country",
            "Select a country or region from the list.",
        ),
        (
            {"name": AMIRKABIR, "country": "I1"},
            "country",
            "Select a country or region from the list.",
        ),
        (
            {"name": AMIRKABIR, "country": "aa"},
            "country",
            "Select a country or region from the list.",
        ),
    ],
)
def test_self_check_page_errors_are_shown_at_the_field_and_on_top(
    exporter_client,
    real_eul,  # noqa: F811
    data,
    field,
    message,
):
    response = exporter_client.post(SELF_CHECK, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = text(response)
    assert 'class="error-summary"' in html
    assert f'<li><a href="#id_{field}">{escape(message)}</a></li>' in html
    assert f'<p class="field__error" id="id_{field}_error">' in html
    assert 'id="self-check-result"' not in html
    if data.get("country"):  # a select shows no value that is not a country
        assert '<option value="" selected>' in html.split('id="id_country"')[1]
    assert self_check_events() == []


def test_self_check_page_is_rate_limited_per_user(
    exporter_client,
    real_eul,  # noqa: F811
    settings,
):
    settings.SELF_CHECK_RATE = "2/m"
    statuses = [exporter_client.post(SELF_CHECK, {"name": AMIRKABIR}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert len(self_check_events()) == 2
    # Looking at the page is not limited; only checks are.
    assert exporter_client.get(SELF_CHECK).status_code == 200
