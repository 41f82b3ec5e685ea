"""The personal API token page, mounted at /accounts/tokens/."""

from django.urls import path

from exportctl.accounts import tokens

app_name = "tokens"

urlpatterns = [
    path("", tokens.token_list, name="list"),
    path("<str:token_key>/revoke/", tokens.token_revoke, name="revoke"),
]
