import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from exportctl.accounts.models import Firm, User, validate_corporate_number
from exportctl.accounts.roles import Role
from tests.factories import ExporterFactory, FirmFactory, UserFactory


@pytest.mark.parametrize("number", ["7000012050002", "4000012090001", "8999999999901"])
def test_valid_corporate_numbers_pass(number):
    validate_corporate_number(number)


@pytest.mark.parametrize(
    "number", ["7000012050003", "700001205000", "70000120500021", "A000012050002"]
)
def test_corporate_number_with_a_wrong_check_digit_or_shape_is_refused(number):
    with pytest.raises(ValidationError) as error:
        validate_corporate_number(number)
    assert error.value.code == "invalid_corporate_number"


@pytest.mark.django_db
def test_firm_full_clean_names_the_corporate_number_field():
    firm = Firm(name="Bad K.K.", corporate_number="7000012050003")
    with pytest.raises(ValidationError) as error:
        firm.full_clean()
    assert list(error.value.message_dict) == ["corporate_number"]


@pytest.mark.django_db
def test_database_refuses_a_non_digit_corporate_number():
    with pytest.raises(IntegrityError), transaction.atomic():
        Firm.objects.create(name="Raw insert K.K.", corporate_number="ABCDEFGHIJKLM")
    assert not Firm.objects.filter(name="Raw insert K.K.").exists()


@pytest.mark.django_db
def test_database_refuses_a_programme_date_without_a_filed_programme():
    import datetime

    with pytest.raises(IntegrityError), transaction.atomic():
        FirmFactory(
            compliance_programme_filed=False,
            compliance_programme_filed_on=datetime.date(2026, 4, 1),
        )


@pytest.mark.django_db
def test_emails_are_stored_lower_case_and_unique_regardless_of_case():
    user = User.objects.create_user(email="Mixed.Case@Example.COM", password="x" * 12)
    assert user.email == "mixed.case@example.com"
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(email="MIXED.case@example.com", password="x" * 12)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=user.pk).update(email="Upper@Example.com")
    assert User.objects.get(email__iexact="mixed.case@example.com") == user


@pytest.mark.django_db
def test_roles_come_from_groups_and_vanish_when_inactive():
    exporter = ExporterFactory()
    senior = UserFactory(roles=[Role.REVIEWER, Role.SENIOR_REVIEWER])
    assert exporter.roles == {Role.EXPORTER}
    assert exporter.is_firm_user and not exporter.is_ministry
    assert senior.roles == {Role.REVIEWER, Role.SENIOR_REVIEWER}
    assert senior.is_ministry and not senior.is_firm_user
    inactive = UserFactory(roles=[Role.AUDITOR], is_active=False)
    assert inactive.roles == frozenset()


@pytest.mark.django_db
def test_role_groups_exist_after_migrations():
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}
