"""``exportctl.compiled``: a statement compiled once gives what its queryset gives, rows read
fresh on every run, with the parameters of each run in place of the probe it was built with."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from exportctl import compiled
from exportctl.accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_statements():
    compiled.clear()
    yield
    compiled.clear()


def _user_row(pk: int) -> list[tuple]:
    return compiled.rows(
        "test.user_row",
        lambda: User.objects.filter(pk=0).values_list("email", "is_active", "last_login"),
        probe=[0],
        params=[pk],
    )


def test_each_run_gives_what_the_queryset_gives_with_its_own_parameters():
    signed_in, never = UserFactory(), UserFactory(is_active=False)
    User.objects.filter(pk=signed_in.pk).update(last_login=timezone.now())
    for user in (signed_in, never, signed_in):
        expected = list(
            User.objects.filter(pk=user.pk).values_list("email", "is_active", "last_login")
        )
        assert _user_row(user.pk) == expected
    assert _user_row(signed_in.pk)[0][2] is not None  # a datetime, converted as the ORM does
    assert _user_row(-1) == []


def test_rows_are_read_fresh_and_only_the_sql_is_kept():
    user = UserFactory()
    group = Group.objects.create(name="compiled-test")

    def names():
        return compiled.rows(
            "test.group_names",
            lambda: Group.objects.filter(user=0).values_list("name"),
            probe=[0],
            params=[user.pk],
        )

    assert names() == []
    user.groups.add(group)
    assert names() == [("compiled-test",)] == list(user.groups.values_list("name"))


def test_a_statement_whose_parameters_are_not_the_probe_is_refused():
    with pytest.raises(ImproperlyConfigured):
        compiled.statement(
            "test.wrong_probe",
            lambda: User.objects.filter(pk=0, email="x@example.com").values_list("email"),
            probe=[0],
        )
    with pytest.raises(TypeError):
        compiled.rows("test.half", lambda: User.objects.values_list("email"), probe=[0])


def test_a_statement_without_probe_runs_with_the_parameters_it_was_compiled_with():
    user = UserFactory(email="fixed@example.com")
    found = compiled.rows(
        ("test.fixed", "fixed@example.com"),
        lambda: User.objects.filter(email="fixed@example.com").values_list("pk"),
    )
    assert found == [(user.pk,)]


def test_objects_are_the_querysets_instances_without_its_related_ones():
    users = [UserFactory(), UserFactory(is_active=False)]
    statement = compiled.statement(
        "test.user_objects",
        lambda: User.objects.select_related("firm").filter(pk=0).order_by(),
        probe=[0],
    )
    for user in users:
        (made,) = statement.objects([user.pk])
        (expected,) = User.objects.filter(pk=user.pk)
        assert type(made) is User
        assert made.pk == expected.pk
        assert {f.attname: getattr(made, f.attname) for f in User._meta.concrete_fields} == {
            f.attname: getattr(expected, f.attname) for f in User._meta.concrete_fields
        }
        assert not made._state.adding and made._state.db == "default"
    assert statement.objects([-1]) == []
