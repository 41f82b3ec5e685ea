"""A firm user's choice to hear about all of the firm's notifications (issue 23): on their own
profile page only, off by default, audited."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from exportctl.accounts import services
from exportctl.accounts.forms import ProfileForm
from exportctl.accounts.models import User
from exportctl.accounts.roles import Role
from exportctl.audit.models import AuditEvent
from tests.accounts.conftest import PASSWORD, audit_actions
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FIELD = "email_all_firm_notifications"


def _signed_in(user, language="en") -> Client:
    client = Client(headers={"accept-language": language})
    assert client.login(username=user.email, password=PASSWORD)
    return client


def _post(client, **extra):
    data = {"full_name": "Taro Exporter", "preferred_language": "en", **extra}
    return client.post("/accounts/profile/", data)


def test_the_preference_is_off_by_default(colleague):
    assert colleague.email_all_firm_notifications is False


def test_a_firm_user_turns_it_on_and_off_on_their_profile_audited(colleague):
    User.objects.filter(pk=colleague.pk).update(preferred_language="en")
    client = _signed_in(colleague)

    response = _post(client, **{FIELD: "on"})

    assert response.status_code == 302
    colleague.refresh_from_db()
    assert colleague.email_all_firm_notifications is True
    event = AuditEvent.objects.get(action="user.updated")
    assert event.actor_id == colleague.pk
    assert event.data == {FIELD: [False, True]}

    page = client.get("/accounts/profile/").content.decode()
    assert f'name="{FIELD}"' in page
    assert "checked" in page.split(f'name="{FIELD}"')[1].split(">")[0]

    _post(client)  # the box unticked

    colleague.refresh_from_db()
    assert colleague.email_all_firm_notifications is False
    assert audit_actions() == ["user.updated", "user.updated"]


def test_the_page_changes_only_the_signed_in_users_own_preference(colleague, admin):
    client = _signed_in(colleague)

    # There is no user in the address or the form: whatever is posted, it is one's own row.
    response = client.post(
        "/accounts/profile/",
        {
            "full_name": "Taro Exporter",
            "preferred_language": "ja",
            FIELD: "on",
            "user": admin.pk,
            "email": admin.email,
        },
    )

    assert response.status_code == 302
    admin.refresh_from_db()
    colleague.refresh_from_db()
    assert admin.email_all_firm_notifications is False
    assert colleague.email_all_firm_notifications is True
    assert list(AuditEvent.objects.values_list("object_id", flat=True)) == [
        str(colleague.public_id)
    ]


def test_a_visitor_who_is_not_signed_in_changes_nothing(colleague):
    response = Client().post(
        "/accounts/profile/",
        {"full_name": "X", "preferred_language": "en", FIELD: "on"},
    )

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    colleague.refresh_from_db()
    assert colleague.email_all_firm_notifications is False
    assert audit_actions() == []


def test_ministry_staff_are_not_offered_the_choice_and_cannot_set_it():
    reviewer = UserFactory(roles=[Role.REVIEWER], full_name="Rei Reviewer")
    client = _signed_in(reviewer)

    page = client.get("/accounts/profile/").content.decode()
    assert f'name="{FIELD}"' not in page
    response = client.post(
        "/accounts/profile/",
        {"full_name": "Rei Reviewer", "preferred_language": "en", FIELD: "on"},
    )

    assert response.status_code == 302
    reviewer.refresh_from_db()
    assert reviewer.email_all_firm_notifications is False
    with pytest.raises(ValidationError):
        services.profile_update(
            actor=reviewer,
            full_name="Rei Reviewer",
            preferred_language="en",
            email_all_firm_notifications=True,
        )
    reviewer.refresh_from_db()
    assert reviewer.email_all_firm_notifications is False


NEW_STRINGS = (
    "Send me e-mail about all my firm's notifications",
    "You always get e-mail about the notifications you filed. Tick this to also hear about "
    "every status change of your colleagues' notifications.",
    "Only a firm's users can receive their firm's e-mail.",
    "e-mail about all my firm's notifications",
    "E-mail about notifications",
)


def test_the_choice_is_labelled_in_english_and_japanese():
    with translation.override("en"):
        form = ProfileForm(firm_user=True)
        assert str(form.fields[FIELD].label) == NEW_STRINGS[0]
        assert str(form.fields[FIELD].help_text) == NEW_STRINGS[1]
    with translation.override("ja"):
        for msgid in NEW_STRINGS:
            assert gettext(msgid) != msgid, f"no Japanese for {msgid!r}"
        form = ProfileForm(firm_user=True)
        assert str(form.fields[FIELD].label) == "所属企業のすべての届出についてメールを受け取る"
