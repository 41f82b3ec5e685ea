from django.urls import path

from exportctl.accounts import two_factor

app_name = "accounts_2fa"

urlpatterns = [
    path("setup/", two_factor.setup, name="setup"),
    path("verify/", two_factor.verify, name="verify"),
]
