"""Token authentication for the API: knox's, with one query per request instead of two.

Knox finds the token by its first characters, compares the SHA-512 digest of the presented
secret in constant time (a fast hash suits a random 256-bit secret: there is nothing to guess
from a dictionary, so no slow password hasher is needed, and none is used per request). On every
request it also reads all of the user's other tokens to delete the expired ones. That sweep is an
extra query on each API call; here only the presented token is checked: an expired token is
refused and deleted when it is presented, exactly as knox does. The user's other expired tokens
authenticate nobody (each is refused by this same check) and are deleted when presented; the
token page lists them as expired until then.

The one query is knox's own (``AuthToken`` by ``token_key``, with its user), compiled by the ORM
once per process and then only run (``exportctl.compiled``): every API request makes it, and
compiling it cost more CPU than running it.
"""

import binascii
from hmac import compare_digest

from django.db import router
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox import auth
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework import exceptions

from exportctl import compiled


def _tokens_with_user(token_key: str) -> list:
    """The tokens whose key is ``token_key``, each with its user loaded: knox's query, compiled
    once (``exportctl.compiled``), and its rows made into the same model instances."""
    model = get_token_model()
    user_model = model.user.field.related_model
    alias = router.db_for_read(model)
    statement = compiled.statement(
        "knox.token_with_user",
        lambda: model.objects.select_related("user").filter(token_key="").order_by(),
        probe=[""],
        using=alias,
    )
    klass_info = statement.compiler.klass_info
    token_columns = klass_info["select_fields"]
    (user_info,) = klass_info["related_klass_infos"]
    user_columns = user_info["select_fields"]
    tokens = []
    for values in statement.convert(statement.execute([token_key], using=alias)):
        token = model.from_db(alias, None, [values[i] for i in token_columns])
        user = user_model.from_db(alias, None, [values[i] for i in user_columns])
        model.user.field.set_cached_value(token, user)
        tokens.append(token)
    return tokens


class TokenAuthentication(auth.TokenAuthentication):
    def authenticate_credentials(self, token):
        """Knox's check, step for step, over the compiled query."""
        msg = _("Invalid token.")
        token = token.decode("utf-8")
        for auth_token in _tokens_with_user(token[: CONSTANTS.TOKEN_KEY_LENGTH]):
            if self._cleanup_token(auth_token):
                continue
            try:
                digest = hash_token(token)
            except (TypeError, binascii.Error) as exc:
                raise exceptions.AuthenticationFailed(msg) from exc
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(msg)

    def _cleanup_token(self, auth_token) -> bool:
        """True when the presented token has expired (it is deleted then)."""
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False


class TokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme stays knox's (same name, same header)."""

    target_class = "exportctl.accounts.token_auth.TokenAuthentication"
