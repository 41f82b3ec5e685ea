"""Countries are chosen and shown by name: the template filters in Japanese and English, the form
field (a select of names that cleans to the ISO code and refuses anything else at the field), the
wizard posted without JavaScript (the select's value alone), and the pages that show a country."""

import datetime

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import timezone, translation

from exportctl.countries import (
    COUNTRY_CODES,
    CountryField,
    country_choices,
    country_label,
    country_name,
)
from notifications.forms import DestinationForm, PartyForm
from notifications.models import Party
from tests.factories import ExporterFactory, NotificationFactory, PartyFactory


def _render(source: str, **context) -> str:
    return Template(source).render(Context(context))


@pytest.mark.parametrize(
    ("language", "code", "name"),
    [
        ("ja", "IR", "イラン"),
        ("ja", "DE", "ドイツ"),
        ("ja", "AE", "アラブ首長国連邦"),
        ("en", "IR", "Iran"),
        ("en", "DE", "Germany"),
        ("en", "AE", "United Arab Emirates"),
    ],
)
def test_the_filters_name_a_code_in_the_pages_language(language, code, name):
    with translation.override(language):
        assert _render("{{ code|country_name }}", code=code) == name
        assert _render("{{ code|country_label }}", code=code) == f"{name} ({code})"
    # A lower-case code is the same country.
    assert country_name(code.lower(), language) == name


def test_the_filters_take_a_language_for_bilingual_documents():
    with translation.override("en"):
        assert _render('{{ c|country_name:"ja" }} / {{ c|country_name:"en" }}', c="KP") == (
            "北朝鮮 / North Korea"
        )


def test_a_value_that_is_no_country_is_shown_as_it_is():
    with translation.override("ja"):
        assert _render("[{{ c|country_name }}]", c="ZZ") == "[ZZ]"
        assert _render("[{{ c|country_label }}]", c="") == "[]"
        assert _render("[{{ c|country_label|default:'—' }}]", c=None) == "[—]"
    assert country_label("ZZ") == "ZZ"


def test_several_codes_are_joined_in_the_languages_way():
    with translation.override("ja"):
        assert _render("{{ c|country_names }}", c=["RU", "BY"]) == "ロシア、ベラルーシ"
        assert _render('{{ c|country_names:"code" }}', c="RU BY") == "ロシア (RU)、ベラルーシ (BY)"
    with translation.override("en"):
        assert _render("{{ c|country_names }}", c="RU BY") == "Russia, Belarus"


def test_the_choices_are_every_code_sorted_by_the_displayed_name():
    with translation.override("en"):
        english = country_choices()
    with translation.override("ja"):
        japanese = country_choices()
    for choices in (english, japanese):
        assert {code for code, _ in choices} == COUNTRY_CODES
    assert [label for _, label in english][:3] == [
        "Afghanistan (AF)",
        "Åland Islands (AX)",
        "Albania (AL)",
    ]
    assert ("IR", "イラン (IR)") in japanese
    # Japanese names sort by their characters: katakana in kana order (ア… before イ…).
    labels = [label for _, label in japanese]
    assert (
        labels.index("アイルランド (IE)")
        < labels.index("イラン (IR)")
        < labels.index("ウガンダ (UG)")
    )


def test_the_field_is_a_select_of_names_that_cleans_to_the_code():
    field = CountryField(required=True)
    assert field.clean("ir") == "IR"
    assert field.clean("DE") == "DE"
    with translation.override("ja"):
        html = DestinationForm().as_p()
    assert '<select name="destination_country"' in html
    assert "data-country-autocomplete" in html
    assert '<option value="IR">イラン (IR)</option>' in html
    assert 'list="country-codes"' not in html


@pytest.mark.parametrize("typed", ["AA", "XK", "Iran", "イラン", "I1"])
def test_the_forms_refuse_what_is_no_country_with_a_message_at_the_field(typed):
    with translation.override("en"):
        destination = DestinationForm({"destination_country": typed, "planned_date": "2099-06-01"})
        assert not destination.is_valid()
        assert destination.errors["destination_country"] == [
            "Select a country or region from the list."
        ]
        party = PartyForm({"role": "end_user", "name": "Acme", "country": typed})
        assert not party.is_valid()
        assert party.errors["country"] == ["Select a country or region from the list."]


def test_an_empty_country_says_what_to_do():
    with translation.override("en"):
        form = DestinationForm({"destination_country": "", "planned_date": "2099-06-01"})
        assert not form.is_valid()
        assert form.errors["destination_country"] == ["Select the destination country or region."]
        party = PartyForm({"role": "end_user", "name": "Acme", "country": ""})
        assert not party.is_valid()
        assert party.errors["country"] == ["Select the party's country or region."]


# --- The wizard without JavaScript: the select's value is posted as it is ------------------------


@pytest.fixture
def exporter_client(client):
    exporter = ExporterFactory()
    client.force_login(exporter)
    client.exporter = exporter
    return client


@pytest.mark.django_db
def test_without_javascript_the_destination_select_alone_stores_the_code(exporter_client):
    draft = NotificationFactory(
        firm=exporter_client.exporter.firm,
        created_by=exporter_client.exporter,
        destination_country="",
    )
    url = f"/notifications/{draft.public_id}/edit/parties/"
    page = exporter_client.get(url).content.decode()
    assert '<select name="destination_country"' in page
    assert '<option value="IR">イラン (IR)</option>' in page

    planned = timezone.localdate() + datetime.timedelta(days=90)
    response = exporter_client.post(
        url,
        {"action": "destination", "destination_country": "IR", "planned_date": planned},
        follow=True,
    )

    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.destination_country == "IR"
    assert '<option value="IR" selected>イラン (IR)</option>' in response.content.decode()


@pytest.mark.django_db
def test_without_javascript_a_party_is_added_with_its_country_by_the_select(exporter_client):
    draft = NotificationFactory(
        firm=exporter_client.exporter.firm, created_by=exporter_client.exporter
    )
    draft.parties.all().delete()
    url = f"/notifications/{draft.public_id}/edit/parties/"
    response = exporter_client.post(
        url,
        {
            "action": "party",
            "role": "end_user",
            "kind": "organization",
            "name": "Hamburg Werkzeug GmbH",
            "country": "DE",
        },
        follow=True,
    )

    party = Party.objects.get(notification=draft)
    assert party.country == "DE"
    html = response.content.decode()
    assert "<td>ドイツ</td>" in html  # the parties table shows the name


@pytest.mark.django_db
def test_the_pages_show_the_destination_and_parties_by_name(exporter_client):
    draft = NotificationFactory(
        firm=exporter_client.exporter.firm,
        created_by=exporter_client.exporter,
        destination_country="AE",
    )
    PartyFactory(notification=draft, name="Gulf Trading LLC", country="AE")
    review = exporter_client.get(f"/notifications/{draft.public_id}/edit/review/")
    html = review.content.decode()
    assert "アラブ首長国連邦 (AE)" in html  # the destination, with its code
    assert "Gulf Trading LLC" in html and "(アラブ首長国連邦)" in html

    exporter_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = exporter_client.get(f"/notifications/{draft.public_id}/edit/review/").content.decode()
    assert "United Arab Emirates (AE)" in html
