from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "exportctl.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # django-axes and Django report sign-in attempts only through signals; the receivers
        # are thin and call the per-account throttle and ``services.account_lock_notify``.
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from exportctl.accounts import throttle

        user_login_failed.connect(throttle.on_login_failed, dispatch_uid="accounts-throttle-fail")
        user_logged_in.connect(throttle.on_logged_in, dispatch_uid="accounts-throttle-ok")
        user_locked_out.connect(throttle.on_axes_locked_out, dispatch_uid="accounts-lock-mail")
