"""schemathesis against the API: requests generated from /api/openapi.json (random codes,
bodies, files; and, as often, the real game and quiz of the token's host) sent to the real app
with a live token. No answer may be a server error, and every answer must be what the document
says it is (status, JSON schema)."""

import re

import pytest
import schemathesis
from helpers import CHOICE, HostActions, app_with_environment
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error, response_schema_conformance

from pubquiz import api

EXAMPLES = 30


@pytest.fixture
def api_app(request, monkeypatch):
    # Thousands of requests in a few seconds, most with a made-up game code: no budget may end
    # the run early (tests/test_api.py tests the limits).
    return app_with_environment(
        request, monkeypatch, PUBQUIZ_LIMIT_API="100000 per minute", PUBQUIZ_LIMIT_LOOKUP="100000 per minute"
    )


@pytest.fixture
def hosted(api_app):
    """(token, quiz id, game code) of a host with a quiz, a game of it and a token for everything."""
    host = HostActions(api_app)
    assert host.register().status_code == 303
    quiz_id = host.create_quiz(questions=[CHOICE, CHOICE])
    code = host.start_game(quiz_id)
    scopes = ["games:control", "games:create", "results:read", "quizzes:import"]
    page = host.post("/account/api-tokens", {"name": "schemathesis", "scope": scopes}).get_data(as_text=True)
    return re.search(r'value="(pq_[^"]+)"', page).group(1), quiz_id, code


OPERATIONS = [
    (path, method.upper()) for path, operations in api.OPENAPI["paths"].items() for method in operations
]


# schemathesis' own pytest plugin (schemathesis.pytest) does not run under pytest 9 yet; each
# operation's strategy, driven by hypothesis here, is what it would run.
@pytest.mark.parametrize("path, method", OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_the_api_keeps_to_its_openapi_document(api_app, hosted, path, method):
    token, quiz_id, code = hosted
    operation = schemathesis.openapi.from_wsgi("/api/openapi.json", api_app)[path][method]

    @given(case=operation.as_strategy(), real=st.booleans())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    def keeps_to_it(case, real):
        if real and "code" in (case.path_parameters or {}):
            case.path_parameters["code"] = code
        if real and isinstance(case.body, dict) and "quiz_id" in case.body:
            case.body["quiz_id"] = quiz_id
        case.call_and_validate(
            headers={"Authorization": f"Bearer {token}"},
            checks=[not_a_server_error, response_schema_conformance],
        )

    keeps_to_it()
