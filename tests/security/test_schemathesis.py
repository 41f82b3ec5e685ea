"""API fuzzing: schemathesis generates requests from ``/api/v1/schema/`` and sends them through
the WSGI application in-process, as an exporter (the exporter API) and as a reviewer (the review
API). No request may end in a server error, and every response must match the schema.

Path parameters are pointed at real objects of the signed-in user's firm (or the review queue)
half of the time, so the generated bodies reach the views' real work, not only the 404 path.
Both generation modes run: positive data (any unicode the schema allows, NUL included) and
negative data (wrong types, missing fields, values out of range), in the coverage phase (the
boundary and negation cases the schema defines) as well as fuzzing. Every answer, to negative
data too, must not be a server error and must match the schema, so a refusal carries the
standard error body. (``negative_data_rejection`` is not among the checks: it also flags inputs
the API deliberately tolerates, such as an empty filter parameter or a form-encoded ``0`` for a
boolean.) Deterministic (derandomised) and modest, to keep CI time low."""

import pytest
import schemathesis
from django.core.cache import cache
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from exportctl.accounts.tokens import api_token_create
from exportctl.wsgi import application
from tests.security.world import build_world

CHECKS = [not_a_server_error, response_schema_conformance]
FUZZ = settings(
    max_examples=6,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Requests go through the WSGI handler itself, which closes old database connections at
    the start and end of each request; Django's test client switches that off so a test's
    transaction survives its requests, and so does this (on PostgreSQL it would be closed)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(db, settings):
    settings.EXPORTCTL_MINISTRY_2FA = False  # a reviewer's token straight from the page
    cache.clear()
    return build_world()


@pytest.fixture
def tokens(world) -> dict[str, str]:
    """One token each, made once: every generated example of a test reuses them."""
    return {
        role: api_token_create(actor=world.users[role], expires_in_days=None, via="test")[1]
        for role in ("exporter", "senior")
    }


def _real_objects(case, world, side, example: int) -> None:
    """Point the path at real objects in every other example (the rest stay random)."""
    if not case.path_parameters or example % 2:
        return
    under_review = "/review/" in case.path
    notification = side.case if under_review else side.draft
    attachment = side.case_attachment if under_review else side.draft_attachment
    party = notification.parties.first()  # an earlier example may have deleted it
    real = {
        "public_id": str(notification.public_id),
        "party_id": str(party.public_id) if party else None,
        "attachment_id": str(attachment.public_id),
        "document_id": str(side.permit_document.public_id),
        "hit_id": str(side.hit.public_id),
        "permit_id": str(side.permit.public_id),
        "position": "1",
        "disclosure_id": str(side.disclosure.public_id),
    }
    for name in case.path_parameters:
        if real.get(name):
            case.path_parameters[name] = real[name]


# Loaded when the module is collected: the schema view reads no database.
SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
SCHEMA.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], allow_x00=True, codec="utf-8"
)
SCHEMA.config.phases.update(phases=["examples", "coverage", "fuzzing"])
exporter_api = SCHEMA.include(path_regex=r"^/api/v1/(notifications|screening|disclosures)/")
review_api = SCHEMA.include(path_regex=r"^/api/v1/review/")
EXAMPLES = iter(range(10**9))


@exporter_api.parametrize()
@FUZZ
def test_exporter_api(case, world, tokens):
    cache.clear()  # the fuzzer must not be stopped by the throttles
    _real_objects(case, world, world.a, next(EXAMPLES))
    case.call_and_validate(headers={"Authorization": f"Token {tokens['exporter']}"}, checks=CHECKS)


@review_api.parametrize()
@FUZZ
def test_review_api(case, world, tokens):
    cache.clear()
    _real_objects(case, world, world.b, next(EXAMPLES))
    case.call_and_validate(headers={"Authorization": f"Token {tokens['senior']}"}, checks=CHECKS)
