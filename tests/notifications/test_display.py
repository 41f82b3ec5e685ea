"""Stored values read in the reader's language: amounts, names, the engine's words, rule titles,
reference texts, and the legend of the End User List codes."""

import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from notifications.templatetags.display import (
    factor_title,
    firm_name,
    format_amount,
    in_its_language,
    reference_text,
    script_language,
)
from partners.models import KeyTechnology
from screening import rules
from screening.explain_text import explanation_text, qualifier_text


def test_amounts_have_thousands_separators_the_same_in_both_languages():
    for language in ("ja", "en"):
        with translation.override(language):
            assert format_amount(38000000) == "38,000,000"
            assert format_amount(Decimal("50000.000")) == "50,000"
            assert format_amount(Decimal("1234.500")) == "1,234.5"
            assert format_amount("") == ""
            assert format_amount(None) == ""


def test_a_page_and_a_pdf_template_print_the_same_amount():
    rendered = Template("{% load display %}{{ v|amount }} {{ q|amount }} 個").render(
        Context({"v": 38000000, "q": Decimal("50000.000")})
    )
    assert rendered == "38,000,000 50,000 個"


def test_a_firm_reads_by_the_name_of_the_readers_language():
    firm = SimpleNamespace(
        name="Demo Precision Instruments K.K.", name_local="デモ精密機器株式会社"
    )
    with translation.override("ja"):
        assert firm_name(firm) == "デモ精密機器株式会社"
    with translation.override("en"):
        assert firm_name(firm) == "Demo Precision Instruments K.K."
    romanised_only = SimpleNamespace(name="Kanto Tools", name_local="")
    with translation.override("ja"):
        assert firm_name(romanised_only) == "Kanto Tools"


def test_foreign_script_data_is_marked_with_its_language_and_escaped():
    assert script_language("デモ精密機器株式会社") == "ja"
    assert script_language("朝鮮鉱業開発貿易会社") == "ja"
    assert script_language("조선광업개발무역회사") == "ko"
    assert script_language("Государственный") == "ru"
    assert script_language("Amirkabir University") == ""
    assert in_its_language("デモ<b>") == '<span lang="ja">デモ&lt;b&gt;</span>'
    assert in_its_language("Kanto Tools") == "Kanto Tools"
    assert in_its_language(None) == ""


def test_the_engines_words_read_in_each_language_from_the_stored_codes():
    stored = {
        "band": "strong",
        "name_kind": "primary",
        "score": 0.9271,
        "qualifiers": {"country": "agrees (IR)", "legal_form": "contradicts (LLC vs JSC)"},
        "pairs": [{"query": "amirkabir", "listed": "amir", "method": "edit"}],
        "unmatched_listed": [{"token": "kabir", "kind": "omitted by the party", "cost": 0.1}],
        "kind": {"decision": "same kind"},
        "query_reading": "romanised from another script",
    }
    with translation.override("en"):
        english = explanation_text(stored)
    assert english["band"] == "strong"
    assert english["name_kind"] == "primary name"
    assert english["qualifiers"] == [
        "same country (Iran)",
        "legal forms contradict (LLC and JSC)",
    ]
    assert english["pairs"][0]["method"] == "spelling variant"
    assert english["unmatched_listed"][0]["kind"] == "omitted by the party"
    assert english["kind_decision"] == "same kind"
    # An unknown word (a newer engine) reads as stored rather than disappearing.
    assert qualifier_text("something new") == "something new"

    with translation.override("ja"):
        japanese = explanation_text(stored)
    assert japanese["band"] == "強い一致"
    assert japanese["name_kind"] == "掲載名"
    assert japanese["qualifiers"] == ["国・地域が一致（イラン）", "法人形態が矛盾（LLC と JSC）"]
    assert japanese["pairs"][0]["method"] == "綴りの違い"
    assert not any(re.search(r"[A-Za-z]{4,}", japanese[key]) for key in ("band", "name_kind"))


def test_a_stored_factor_reads_with_its_rules_title_in_the_readers_language():
    factor = {"rule": "listed_party", "title": "A party matches the End User List", "weight": 40}
    assert "listed_party" in rules.RULES_BY_ID
    with translation.override("en"):
        assert factor_title(factor) == "A party matches the End User List"
    with translation.override("ja"):
        assert factor_title(factor) == str(rules.RULES_BY_ID["listed_party"].title)
        assert factor_title(factor) != "A party matches the End User List"
    # A factor of a rule since removed keeps the title it was stored with.
    gone = {"rule": "retired_rule", "title": "An old rule"}
    assert rules.factor_text(gone) == {"title": "An old rule", "explanation": ""}


def test_seeded_legal_bases_read_in_japanese_and_other_text_as_stored():
    with translation.override("ja"):
        assert reference_text("Export Trade Control Order, Appended Table 3") == (
            "輸出貿易管理令 別表第3"
        )
        assert reference_text("A list manager's own words") == "A list manager's own words"
    with translation.override("en"):
        assert reference_text("Export Trade Control Order, Appended Table 3") == (
            "Export Trade Control Order, Appended Table 3"
        )


def test_a_key_technology_is_named_in_the_readers_language():
    technology = KeyTechnology(code="kt-1", name_en="Additive manufacturing", name_ja="積層造形")
    with translation.override("ja"):
        assert str(technology) == "積層造形"
    with translation.override("en"):
        assert str(technology) == "Additive manufacturing"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["Biological weapons", "Chemical weapons", "Missiles", "Nuclear weapons"]),
        ("ja", ["生物兵器", "化学兵器", "ミサイル", "核兵器"]),
    ],
)
def test_the_legend_explains_every_code_and_cw_and_links_to_the_criteria(language, expected):
    with translation.override(language):
        html = Template('{% include "includes/concern_legend.html" %}').render(Context())
        criteria = reverse("screening:criteria")
    for code in ("B", "C", "M", "N", "CW"):
        assert f'<dt class="mono">{code}</dt>' in html
    for meaning in expected:
        assert meaning in html
    assert f'href="{criteria}#concern-codes"' in html


def test_a_quoted_term_of_the_other_language_is_marked_and_escaped():
    from exportctl.foreign_terms import with_terms

    text = with_terms("Such as Co., Ltd. or {legal_form}.", legal_form=("ja", "株式<会社>"))

    rendered = Template("{{ text }}").render(Context({"text": text}))
    assert rendered == 'Such as Co., Ltd. or <span lang="ja">株式&lt;会社&gt;</span>.'


def test_bilingual_free_text_is_marked_line_by_line():
    rendered = Template("{% load display %}{{ text|lines_in_their_language }}").render(
        Context({"text": "Needs a licence <now>.\n許可が必要です。"})
    )
    assert rendered == 'Needs a licence &lt;now&gt;.<br><span lang="ja">許可が必要です。</span>'
