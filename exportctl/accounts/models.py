import uuid

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, Group, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from stdnum.jp import cn as corporate_number

from exportctl import access, compiled
from exportctl.accounts.identity import normalise_email
from exportctl.accounts.roles import Role


def validate_corporate_number(value: str) -> None:
    """A Japanese corporate number (法人番号): 13 digits whose first digit is a check digit."""
    if not corporate_number.is_valid(value):
        raise ValidationError(
            _(
                "Enter a valid 13-digit corporate number (法人番号); the check digit does not match."
            ),
            code="invalid_corporate_number",
        )


class Firm(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    name_local = models.CharField(_("name in Japanese"), max_length=200, blank=True)
    corporate_number = models.CharField(
        _("corporate number"), max_length=13, unique=True, validators=[validate_corporate_number]
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    compliance_programme_filed = models.BooleanField(
        _("compliance programme filed with the ministry"), default=False
    )
    compliance_programme_filed_on = models.DateField(
        _("compliance programme filed on"), null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("firm")
        verbose_name_plural = _("firms")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(corporate_number__regex=r"^[0-9]{13}$"),
                name="firm_corporate_number_13_digits",
            ),
            models.CheckConstraint(
                condition=models.Q(compliance_programme_filed=True)
                | models.Q(compliance_programme_filed_on__isnull=True),
                name="firm_cp_date_only_when_filed",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=normalise_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> "User":
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str) -> "User":
        # Addresses are stored normalised, so an exact match on the normalised input finds the
        # one account every spelling of it means (and uses the unique index).
        return self.get(email=normalise_email(username))


def _group_names(user: "User") -> list[str]:
    """The names of ``user``'s groups. Every request asks them (``User.roles``): the query is
    compiled once (``exportctl.compiled``), as the ORM would compile the same join each time, at
    several times the CPU of running it."""
    return [
        name
        for (name,) in compiled.rows(
            "accounts.group_names",
            lambda: Group.objects.filter(user=0).values_list("name"),
            probe=[0],
            params=[user.pk],
            using=user._state.db or DEFAULT_DB_ALIAS,
        )
    ]


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an e-mail address. Firm users belong to one firm; ministry
    staff belong to none."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("e-mail address"), max_length=254, unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    firm = models.ForeignKey(
        Firm,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("firm"),
    )
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=[("ja", "日本語"), ("en", "English")],
        default="ja",
    )
    #: A firm user hears by e-mail about the filings they made; with this set, about every
    #: filing of their firm too (``notifications.emails.status_recipients``). Off by default: a
    #: firm of forty exporters would otherwise get forty e-mails per status change.
    email_all_firm_notifications = models.BooleanField(
        _("e-mail about all my firm's notifications"), default=False
    )
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    #: Raised to end every session of the user at once (see ``_get_session_auth_hash``).
    session_generation = models.PositiveIntegerField(_("session generation"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email", "pk"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # Stored lower-case so that uniqueness is case-insensitive.
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")), name="user_email_lowercase"
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = normalise_email(self.email)

    def _get_session_auth_hash(self, secret=None) -> str:
        """Django ends a session whose stored hash no longer matches this one. It hashes the
        password; the generation is added so that deactivation or a change of roles can end
        every session too. Generation 0 hashes exactly as Django does, so sessions opened
        before the field existed stay valid."""
        if not self.session_generation:
            return super()._get_session_auth_hash(secret=secret)
        return salted_hmac(
            "exportctl.accounts.User.session_auth_hash",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @cached_property
    def roles(self) -> frozenset[Role]:
        if not self.is_active:
            return frozenset()
        return access.roles_of_groups(_group_names(self))

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_firm_user(self) -> bool:
        return access.is_firm_user(self)

    @property
    def is_ministry(self) -> bool:
        return access.is_ministry(self)


class SignupRequest(models.Model):
    """A firm sign-up waiting for its e-mail address to be confirmed.

    Nothing is created until the link sent to the address is followed: so the sign-up form answers
    the same whether or not the address already has an account (it never reveals which), and a firm
    cannot be registered in the name of a mailbox its applicant does not read."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("e-mail address"), max_length=254)
    full_name = models.CharField(_("full name"), max_length=150)
    password = models.CharField(_("password"), max_length=128)  # a hash, never the password
    preferred_language = models.CharField(_("preferred language"), max_length=8, default="ja")
    firm_name = models.CharField(_("firm name"), max_length=200)
    firm_name_local = models.CharField(_("firm name in Japanese"), max_length=200, blank=True)
    corporate_number = models.CharField(
        _("corporate number"), max_length=13, validators=[validate_corporate_number]
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    expires_at = models.DateTimeField(_("expires at"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    firm = models.ForeignKey(
        Firm, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = _("sign-up request")
        verbose_name_plural = _("sign-up requests")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(corporate_number__regex=r"^[0-9]{13}$"),
                name="signup_corporate_number_13_digits",
            ),
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")), name="signup_email_lowercase"
            ),
            # A completed request names the firm it created, and only then.
            models.CheckConstraint(
                condition=models.Q(completed_at__isnull=True, firm__isnull=True)
                | models.Q(completed_at__isnull=False, firm__isnull=False),
                name="signup_firm_iff_completed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.firm_name} <{self.email}>"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REVOKED = "revoked", _("Revoked")


class Invitation(models.Model):
    """A firm admin's invitation of a colleague, by e-mail link.

    The link carries a signature over (public_id, send_count): resending bumps the count, so only
    the newest link works; accepting or revoking ends the pending state, so a link works once."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    firm = models.ForeignKey(
        Firm, on_delete=models.PROTECT, related_name="invitations", verbose_name=_("firm")
    )
    email = models.EmailField(_("e-mail address"), max_length=254)
    status = models.CharField(
        _("status"), max_length=16, choices=InvitationStatus.choices, default="pending"
    )
    invited_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("invited by")
    )
    send_count = models.PositiveIntegerField(_("times sent"), default=1)
    last_sent_at = models.DateTimeField(_("last sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_user = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=InvitationStatus.values),
                name="invitation_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")), name="invitation_email_lowercase"
            ),
            # One live invitation per person and firm: a second "invite" is a resend.
            models.UniqueConstraint(
                fields=["firm", "email"],
                condition=models.Q(status="pending"),
                name="invitation_one_pending_per_firm_email",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="accepted")
                | models.Q(accepted_at__isnull=False, accepted_user__isnull=False),
                name="invitation_accepted_has_user",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()
