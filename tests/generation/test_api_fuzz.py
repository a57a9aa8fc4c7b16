"""A bounded schemathesis run against /api/schema/: requests drawn from the schema (valid and
invalid) against the app in-process, as an editor. No server error, no status or body the
schema does not document, and a body the schema calls valid is refused only for what the
database decides (an id that names no row), never for a rule the schema could have stated."""

import itertools
import re
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = 12  # per operation and mode: the run stays within about 30 s

# What only the database can say about a body that fits the schema; the one rule the schema
# states in its description rather than on each string (no NUL, no lone surrogate); and the
# plan's total over three fields, which OpenAPI 3.0 cannot express.
DATABASE_REASONS = re.compile(
    r"is not a known (id|edge case)|is inactive|No .* matches the given query"
    r"|NUL character or a lone surrogate|A plan has 1 to \d+ conversations"
)


def refusal_messages(body: Any) -> list[str]:
    if isinstance(body, dict):
        return [m for value in body.values() for m in refusal_messages(value)]
    if isinstance(body, list):
        return [m for value in body for m in refusal_messages(value)]
    return [str(body)]


@schemathesis.check
def valid_bodies_are_refused_only_for_unknown_rows(ctx, response, case) -> bool | None:
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    if response.status_code != 400:
        return None
    unstated = [m for m in refusal_messages(response.json()) if not DATABASE_REASONS.search(m)]
    assert not unstated, f"a body the schema accepts was refused for: {unstated}"
    return True


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    valid_bodies_are_refused_only_for_unknown_rows,
]


def has_inputs(operation) -> bool:
    return "{" in operation.path or len(operation.body) > 0


@pytest.fixture
def wsgi_app():
    # As Django's test client does: a request must not close the test's transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def auth(editor, scaffolding) -> dict[str, str]:
    return {"Authorization": f"Token {Token.objects.create(user=editor).key}"}


@pytest.fixture
def job_id(submit) -> str:
    return str(submit(count=3, run=False).pk)


@pytest.fixture
def api_schema(wsgi_app, auth):
    return schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app, headers=auth)


_alternate = itertools.count()


# schemathesis' own pytest collection (`@schema.parametrize()`) does not run under pytest 9,
# so each operation's strategy is drawn from directly, in both modes.
@pytest.mark.django_db
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_keeps_to_its_schema(api_schema, auth, job_id, mode):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 10
    for operation in operations:
        if mode is GenerationMode.NEGATIVE and not has_inputs(operation):
            continue  # nothing in the request can be made invalid

        @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
        @hypothesis.settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(hypothesis.HealthCheck),
        )
        def call(case):
            if "id" in (case.path_parameters or {}) and next(_alternate) % 2:
                case.path_parameters["id"] = job_id  # half the calls on a job that exists
            case.call_and_validate(headers=auth, checks=CHECKS)

        call()
