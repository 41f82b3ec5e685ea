"""The public criteria page in Japanese: the 20 checks, the high-risk goods examples and the
penalties table (issue 22, part 5), passing axe-core."""

import pytest
from django.utils import translation

from notifications.readiness import CHECKLIST_QUESTIONS
from partners.services import reference_data_load
from screening import guidance
from tests.e2e.conftest import assert_accessible

pytestmark = pytest.mark.e2e


def test_criteria_page_shows_the_checks_goods_and_penalties_in_japanese(page, live_server):
    reference_data_load()
    page.goto("/screening/criteria/")
    assert page.locator("html").get_attribute("lang") == "ja"
    with translation.override("ja"):
        expected_checks = [str(question) for question in CHECKLIST_QUESTIONS]
        expected_title = str(guidance.HIGH_RISK_GOODS_EXAMPLES[0].title)
    checks = page.locator("#clear-checks-list [data-check]")
    assert checks.all_inner_texts() == expected_checks
    assert page.locator("[data-high-risk]").count() == len(guidance.HIGH_RISK_GOODS_EXAMPLES)
    assert expected_title in page.locator("[data-high-risk='wmd']").inner_text()
    assert page.locator("[data-penalty]").count() == len(guidance.PENALTIES)
    assert page.locator("[data-penalty='administrative'] [data-confirmed='false']").count() == 1
    # The table of contents leads to each new section.
    page.locator("a[href='#penalties']").click()
    assert page.locator("#penalties").is_visible()
    assert_accessible(page)
