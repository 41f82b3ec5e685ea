"""The public criteria page explains the key-technology prior report (issue 21, part 5): its three
steps, its outcomes (never a permit), and its filing deadline, marked unconfirmed while it is."""

import re

import pytest

from partners import reference_data

pytestmark = pytest.mark.django_db

CRITERIA = "/screening/criteria/"


def _section(html: str) -> str:
    match = re.search(
        r'<section aria-labelledby="prior-report-title" id="prior-report">(.*?)</section>',
        html,
        re.S,
    )
    assert match, "no prior-report section"
    return match.group(1)


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_criteria_page_explains_the_prior_report_in_both_languages(client, language):
    response = client.get(CRITERIA, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200  # public: nobody signed in
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert 'href="#prior-report"' in html
    section = _section(html)
    assert section.count("<li>") == 3  # report, dialogue, outcome
    assert str(reference_data.PRIOR_REPORT_LEAD_DAYS) in section
    if language == "en":
        assert "never answered with a permit" in section
        assert "inform notice" in section
        assert "unconfirmed" in section


def test_a_confirmed_deadline_drops_the_unconfirmed_mark(client, monkeypatch):
    monkeypatch.setattr(reference_data, "PRIOR_REPORT_LEAD_DAYS_CONFIRMED", True)
    section = _section(client.get(CRITERIA, HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert "unconfirmed" not in section
