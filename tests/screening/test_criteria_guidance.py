"""The public criteria page: the 20 checks of the 'clearly' guideline, the high-risk goods
examples with their sources, and the penalties table (issue 22, part 5)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from notifications.forms import ChecklistForm
from notifications.readiness import CHECKLIST_QUESTIONS
from screening import guidance

CRITERIA = reverse("screening:criteria")


def _checks_on_page(html: str) -> list[str]:
    block = html.split('id="clear-checks-list"', 1)[1].split("</ol>", 1)[0]
    return [
        re.sub(r"\s+", " ", item).strip()
        for item in re.findall(r'<li data-check="\d+">(.*?)</li>', block, re.S)
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_20_checks_on_the_page_are_the_questions_the_wizard_asks(client, language):
    html = client.get(CRITERIA, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    with translation.override(language):
        form = ChecklistForm()
        wizard = [str(answer.label) for _number, answer, _note in form.rows()]
    on_page = _checks_on_page(html)
    assert len(on_page) == 20
    assert on_page == [escape(label) for label in wizard]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ja", "en"])
def test_high_risk_goods_examples_each_name_their_source_and_confirmation(client, language):
    html = client.get(CRITERIA, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    with translation.override(language):
        for group in guidance.HIGH_RISK_GOODS_EXAMPLES:
            block = html.split(f'data-high-risk="{group.id}"', 1)[1].split("</li>", 1)[0]
            assert escape(str(group.title)) in block
            assert escape(str(group.source)) in block
            assert f'data-confirmed="{str(group.confirmed).lower()}"' in block


@pytest.mark.django_db
def test_penalties_table_in_both_languages(client):
    english = client.get(CRITERIA, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    japanese = client.get(CRITERIA, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "up to 10 years" in english and "¥1 billion" in english
    for row in guidance.PENALTIES:
        assert f'data-penalty="{row.id}"' in japanese
        with translation.override("ja"):
            assert escape(str(row.company)) in japanese
    # The export ban's legal citation is unconfirmed, and says so.
    ban = japanese.split('data-penalty="administrative"', 1)[1].split("</tr>", 1)[0]
    assert 'data-confirmed="false"' in ban


def test_checks_are_the_wizard_source():
    assert len(CHECKLIST_QUESTIONS) == 20
