"""Fixtures for issued documents: a signing key of the session's own, and cases to issue from."""

import datetime

import pytest

from exportctl.accounts.roles import Role
from notifications.documents import signing
from notifications.documents.numbers import next_number
from notifications.models import Decision, DecisionKind, DocumentKind, Permit
from notifications.workflow import Status
from tests.factories import ItemFactory, PartyFactory, UserFactory, submitted_at

CONDITIONS = "No re-export without the ministry's consent.\n輸出後の用途変更を禁ずる。"
GROUNDS = "The end user is listed on the End User List (No. 123, concern code M)."


@pytest.fixture(scope="session")
def signing_files(tmp_path_factory):
    """One demo key pair for the whole session: generating a 3072-bit key takes a while."""
    folder = tmp_path_factory.mktemp("signing")
    key, cert = folder / "key.pem", folder / "cert.pem"
    signing.generate_demo_key(key, cert, b"test passphrase")
    return key, cert


@pytest.fixture(autouse=True)
def _signing_key(settings, signing_files):
    settings.DOCUMENT_SIGNING_KEY, settings.DOCUMENT_SIGNING_CERT = signing_files
    settings.DOCUMENT_SIGNING_KEY_PASSPHRASE = "test passphrase"
    settings.PUBLIC_BASE_URL = "https://exportctl.example.go.jp"


def _case(status: str):
    notification = submitted_at(
        status,
        firm__name="Tokai Precision Instruments K.K.",
        firm__name_local="東海精密機器株式会社",
        destination_country="TH",
    )
    notification.parties.all().delete()
    notification.items.all().delete()
    ItemFactory(
        notification=notification,
        description="5-axis machining centre",
        quantity=2,
        unit="units",
        value_jpy=48_000_000,
    )
    PartyFactory(
        notification=notification,
        name="Siam Motor Works Co., Ltd.",
        local_name="サイアム・モーター・ワークス",
        country="TH",
    )
    PartyFactory(
        notification=notification,
        role="consignee",
        position=2,
        name="Bangkok Logistics Trading Co., Ltd.",
        local_name="曼谷物流贸易有限公司",
        country="TH",
    )
    return notification


@pytest.fixture
def cleared_case():
    return _case(Status.CLEARED)


@pytest.fixture
def approved_case():
    notification = _case(Status.APPROVED)
    reviewer = UserFactory(roles=[Role.REVIEWER])
    decision = Decision.objects.create(
        notification=notification,
        kind=DecisionKind.APPROVE,
        actor=reviewer,
        conditions=CONDITIONS,
        validity_months=6,
    )
    Permit.objects.create(
        notification=notification,
        decision=decision,
        number=next_number(DocumentKind.PERMIT, year=2026),
        conditions=CONDITIONS,
        valid_from=datetime.date(2026, 11, 20),
        valid_until=datetime.date(2027, 5, 20),
    )
    return notification


@pytest.fixture
def denied_case():
    notification = _case(Status.DENIED)
    Decision.objects.create(
        notification=notification,
        kind=DecisionKind.DENY,
        actor=UserFactory(roles=[Role.REVIEWER]),
        reason=GROUNDS,
    )
    return notification
