"""The declaration a person agrees to when submitting a filing, kept as versioned data.

The exact text is not a translatable string: what a person agreed to must stay readable word for
word after the wording changes. Each version keeps its Japanese and English text; a new wording is a
new entry with a new version, and ``DECLARATION_VERSION`` names the one shown from now on. The
submit step (browser) and the submit endpoint (API) store the version, the text and the language it
was shown in (``Notification.declaration_*``); the receipt and the reviewer's case page print them.

The penalty warning is part of the text: a false or incomplete answer is an offence under the
Foreign Exchange and Foreign Trade Act, with the penalties of domain.md §6.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import translation

LANGUAGES = ("ja", "en")


@dataclass(frozen=True)
class Declaration:
    version: str
    #: Language code → the penalty warning shown above the declaration.
    warning: dict[str, str]
    #: Language code → the statement the person confirms.
    statement: dict[str, str]

    def text(self, language: str) -> str:
        """The whole text as shown in ``language``: the warning, then the statement."""
        language = language_of(language)
        return f"{self.warning[language]}\n\n{self.statement[language]}"


DECLARATIONS: dict[str, Declaration] = {
    "2026-12-04.1": Declaration(
        version="2026-12-04.1",
        warning={
            "ja": (
                "虚偽の届出又は記載すべき事項を記載しない届出は、外国為替及び外国貿易法違反と"
                "なり得ます。同法に違反して大量破壊兵器関連貨物を許可なく輸出した者は、10年以下"
                "の拘禁刑若しくは3,000万円以下（価格の5倍が3,000万円を超える場合は価格の5倍以下）"
                "の罰金又はこれらの併科に、法人は10億円以下（同5倍以下）の罰金に処せられることが"
                "あります。その他のリスト規制又はキャッチオール規制の違反は、7年以下の拘禁刑若しく"
                "は2,000万円以下（同5倍以下）の罰金又はこれらの併科、法人は7億円以下（同5倍以下）"
                "の罰金の対象となります。このほか、経済産業大臣は3年以内の輸出の禁止等の行政制裁"
                "を科すことができます。"
            ),
            "en": (
                "A false notification, or one that omits what must be stated, may be an offence "
                "under the Foreign Exchange and Foreign Trade Act. A person who exports goods "
                "related to weapons of mass destruction without a licence in breach of the Act "
                "may be sentenced to imprisonment of up to 10 years and/or a fine of up to "
                "¥30 million (or up to five times the value of the goods), and a company to a "
                "fine of up to ¥1 billion (or up to five times the value). Other breaches of the "
                "list or catch-all controls carry imprisonment of up to 7 years and/or a fine of "
                "up to ¥20 million (or five times the value), and for a company a fine of up to "
                "¥700 million (or five times the value). The Minister of Economy, Trade and "
                "Industry may in addition impose administrative sanctions such as a ban on "
                "exports of up to three years."
            ),
        },
        statement={
            "ja": (
                "私は、本届出の内容が真実かつ完全であることを誓約し、その内容に変更が生じた"
                "場合には、速やかに経済産業省に届け出ます。"
            ),
            "en": (
                "I declare that the information in this notification is true and complete, and "
                "I will inform the Ministry of Economy, Trade and Industry promptly of any change."
            ),
        },
    ),
}

#: The version shown on the submit step and agreed to from now on.
DECLARATION_VERSION = "2026-12-04.1"


def current() -> Declaration:
    return DECLARATIONS[DECLARATION_VERSION]


def language_of(language: str | None = None) -> str:
    """``ja`` or ``en``: the active language (or ``language``) reduced to one the text has."""
    code = (language or translation.get_language() or "ja").lower()
    return "en" if code.startswith("en") else "ja"


def version(code: str) -> Declaration | None:
    """An older or the current version, so what a person agreed to stays readable."""
    return DECLARATIONS.get(code)
