"""A firm administrator hands over the role and reactivates a colleague; audited, refusals change
nothing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from exportctl.accounts import services
from exportctl.accounts.roles import Role
from exportctl.audit.models import AuditEvent
from tests.factories import ExporterFactory, FirmFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def admin():
    return UserFactory(roles=[Role.FIRM_ADMIN, Role.EXPORTER], firm=FirmFactory())


def _fresh(user):
    user.refresh_from_db()
    user.__dict__.pop("roles", None)  # a cached property
    return user


def test_an_admin_makes_a_colleague_administrator_who_can_then_let_them_go(admin):
    colleague = ExporterFactory(firm=admin.firm)

    services.colleague_make_admin(actor=admin, colleague=colleague)

    assert _fresh(colleague).has_role(Role.FIRM_ADMIN)
    event = AuditEvent.objects.get(action="user.made_admin")
    assert (event.actor, event.data) == (admin, {"email": colleague.email})
    # Now the first administrator may deactivate their own account: the firm keeps one.
    services.colleague_deactivate(actor=admin, colleague=admin)
    assert not _fresh(admin).is_active


def test_making_an_admin_twice_or_an_inactive_colleague_is_refused(admin):
    other_admin = UserFactory(roles=[Role.FIRM_ADMIN], firm=admin.firm)
    inactive = ExporterFactory(firm=admin.firm, is_active=False)
    for colleague, code in ((other_admin, "already_admin"), (inactive, "inactive")):
        with pytest.raises(ValidationError) as refused:
            services.colleague_make_admin(actor=admin, colleague=colleague)
        assert refused.value.code == code
    assert not _fresh(inactive).groups.filter(name=Role.FIRM_ADMIN).exists()
    assert not AuditEvent.objects.exists()


def test_only_an_admin_of_the_same_firm_may_do_either(admin):
    colleague = ExporterFactory(firm=admin.firm, is_active=False)
    exporter = ExporterFactory(firm=admin.firm)
    stranger = UserFactory(roles=[Role.FIRM_ADMIN], firm=FirmFactory())
    for actor in (exporter, stranger):
        with pytest.raises(PermissionDenied):
            services.colleague_reactivate(actor=actor, colleague=colleague)
        with pytest.raises(PermissionDenied):
            services.colleague_make_admin(actor=actor, colleague=exporter)
    assert not _fresh(colleague).is_active
    assert not _fresh(exporter).has_role(Role.FIRM_ADMIN)
    assert not AuditEvent.objects.exists()


def test_reactivating_lets_the_colleague_sign_in_again(admin):
    colleague = ExporterFactory(firm=admin.firm)
    services.colleague_deactivate(actor=admin, colleague=colleague)

    services.colleague_reactivate(actor=admin, colleague=colleague)

    assert _fresh(colleague).is_active
    assert _fresh(colleague).roles == frozenset({Role.EXPORTER})
    assert list(AuditEvent.objects.order_by("seq").values_list("action", flat=True)) == [
        "user.deactivated",
        "credentials.revoked",  # deactivation ends sessions and tokens (issue 19)
        "user.reactivated",
    ]
    with pytest.raises(ValidationError) as refused:
        services.colleague_reactivate(actor=admin, colleague=colleague)
    assert refused.value.code == "active"


def test_the_colleagues_page_offers_both_actions_and_they_work(client, admin):
    colleague = ExporterFactory(firm=admin.firm, full_name="Jiro Newcomer")
    gone = ExporterFactory(firm=admin.firm, is_active=False)
    client.force_login(admin)

    page = client.get(reverse("accounts:colleagues")).content.decode()
    assert reverse("accounts:colleague_make_admin", args=[colleague.public_id]) in page
    assert reverse("accounts:colleague_reactivate", args=[gone.public_id]) in page
    assert reverse("accounts:colleague_make_admin", args=[admin.public_id]) not in page

    response = client.post(
        reverse("accounts:colleague_make_admin", args=[colleague.public_id]),
        headers={"accept-language": "en"},
        follow=True,
    )
    assert "Jiro Newcomer is now an administrator of the firm." in response.content.decode()
    assert _fresh(colleague).has_role(Role.FIRM_ADMIN)
    assert (
        client.get(reverse("accounts:colleague_reactivate", args=[gone.public_id])).status_code
        == 405
    )
    client.post(reverse("accounts:colleague_reactivate", args=[gone.public_id]))
    assert _fresh(gone).is_active
