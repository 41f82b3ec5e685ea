"""factory_boy factories shared by every test module."""

import datetime

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from exportctl.accounts.models import Firm, User
from exportctl.accounts.roles import Role
from notifications import calendar
from notifications.models import (
    Classification,
    EndUseCategory,
    Item,
    ItemKind,
    Notification,
    Party,
    PartyKind,
    PartyRole,
)
from notifications.readiness import CHECKLIST_SIZE
from notifications.workflow import Status

# Real, check-digit-valid corporate numbers (法人番号) of Japanese public bodies.
VALID_CORPORATE_NUMBERS = ["7000012050002", "4000012090001", "1000013050238"]


def _corporate_number(n: int) -> str:
    """A valid 13-digit corporate number for the n-th factory firm."""
    from stdnum.jp import cn

    body = f"{(n + 1) * 7919 % 10**12:012d}"
    return cn.calc_check_digit(body) + body


class FirmFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Firm

    name = factory.Sequence(lambda n: f"Precision Instruments {n} K.K.")
    name_local = factory.Sequence(lambda n: f"精密機器{n}株式会社")
    corporate_number = factory.Sequence(_corporate_number)
    address = "1-3-1 Kasumigaseki, Chiyoda-ku, Tokyo"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.django.Password("correct-horse-battery-2026")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            _add_roles(self, extracted)


def _add_roles(user: User, roles) -> None:
    names = {str(r) for r in roles}
    groups = list(Group.objects.filter(name__in=names))
    # A missing group would silently give the user fewer roles than the test asked for.
    assert len(groups) == len(names), f"no group for {names - {g.name for g in groups}}"
    user.groups.add(*groups)
    user.__dict__.pop("roles", None)  # drop the cached role set


class ExporterFactory(UserFactory):
    firm = factory.SubFactory(FirmFactory)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create:
            _add_roles(self, extracted or (Role.EXPORTER,))


def full_checklist(answer: str = "yes") -> dict:
    return {str(n): {"answer": answer, "note": ""} for n in range(1, CHECKLIST_SIZE + 1)}


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    firm = factory.SubFactory(FirmFactory)
    created_by = factory.SubFactory(ExporterFactory, firm=factory.SelfAttribute("..firm"))
    status = Status.DRAFT
    title = "CNC machine tools for an automotive plant"
    destination_country = "TH"
    end_use_description = "Machining of engine blocks in a passenger-car plant."
    end_use_category = EndUseCategory.INDUSTRIAL
    checklist = factory.LazyFunction(full_checklist)
    #: Well ahead of the ministry's review (``notifications.planning``): not flagged late.
    planned_date = factory.LazyFunction(lambda: calendar.add_working_days(timezone.localdate(), 40))


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item

    notification = factory.SubFactory(NotificationFactory)
    kind = ItemKind.GOODS
    description = "5-axis machining centre"
    classification = Classification.SPECIFIED_16_1
    hs_code = "8457.10"
    quantity = 2
    unit = "units"
    value_jpy = 48_000_000


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party

    notification = factory.SubFactory(NotificationFactory)
    role = PartyRole.END_USER
    kind = PartyKind.ORGANIZATION
    name = "Siam Motor Works Co., Ltd."
    address = "99 Bangna-Trad Road, Bangkok"
    country = "TH"


def ready_notification(**kwargs) -> Notification:
    """A draft with everything the readiness check asks for."""
    notification = NotificationFactory(**kwargs)
    ItemFactory(notification=notification)
    PartyFactory(notification=notification, country=notification.destination_country or "TH")
    return notification


def submitted_at(status: str, **kwargs) -> Notification:
    """A notification placed directly in ``status`` (for testing moves out of that status)."""
    notification = ready_notification(**kwargs)
    if status != Status.DRAFT:
        notification.status = status
        notification.reference = f"EXN-2026-{notification.pk:07d}"
        notification.submitted_at = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)
        notification.save()
    return notification
