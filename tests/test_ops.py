"""Operators' endpoints: health, readiness, metrics, request ids, JSON logs without secrets."""

import json
import logging

import pytest
from helpers import CHOICE, csrf_token

pytestmark = pytest.mark.parametrize("backend", ["memory", "redis"], indirect=True)


def test_healthz_and_readyz(client, backend):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    checks = ready.get_json()["checks"]
    assert checks["postgresql"] == "ok"
    assert checks.get("redis") == ("ok" if backend == "redis" else None)


def test_readyz_says_which_service_is_down(app, client):
    app.extensions["db_pool"].close()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["postgresql"].startswith("unavailable")


def test_metrics_count_requests_answers_and_streams(host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    team = new_team()
    team.join(code, "Counted")
    host.act(code, "start")
    host.act(code, "open_question")
    page = team.get(f"/play/{code}").get_data(as_text=True)
    question_id = page.split('name="question_id" value="')[1].split('"')[0]
    team.answer(code, question_id, choice="1")
    team.answer(code, question_id, choice="0")
    stream = team.get(f"/play/{code}/events", buffered=False)
    next(iter(stream.response))
    text = host.get("/metrics").get_data(as_text=True)
    stream.close()

    def value(sample):
        line = next(line for line in text.splitlines() if line.startswith(sample + " "))
        return float(line.split()[-1])

    assert value('pubquiz_answers_total{result="accepted"}') >= 1
    assert value('pubquiz_answers_total{result="refused"}') >= 1
    assert value("pubquiz_open_streams") >= 1
    assert value("pubquiz_events_published_total") >= 3
    assert 'pubquiz_requests_total{endpoint="play.join_game",method="POST",status="303"}' in text


def test_json_logs_carry_the_request_id_and_no_secrets(app, host):
    """A real login (its form's CSRF token, so the login code runs), a wrong password and then the
    right one, and a page with the session cookie: no log line of any logger holds the passwords,
    the cookie or the query string."""
    from pubquiz.ops import JsonFormatter

    app.config["ACCESS_LOG"] = True
    records = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(JsonFormatter().format(record))
    logging.getLogger().addHandler(handler)  # every logger's records, not only the access log's
    try:
        browser = app.test_client()
        token = csrf_token(browser, "/login")
        wrong = browser.post(
            "/login?next=/x",
            headers={"X-Request-ID": "abc123"},
            data={"email": "host@example.org", "password": "hunter2-secret", "csrf_token": token},
        )
        right = browser.post(
            "/login",
            data={"email": "host@example.org", "password": "correct horse battery", "csrf_token": token},
        )
        sent = browser.get_cookie("session").value  # what the next request sends
        assert browser.get("/quizzes").status_code == 200  # signed in: the cookie was sent
    finally:
        logging.getLogger().removeHandler(handler)
    assert wrong.status_code == 422 and right.status_code == 303
    assert wrong.headers["X-Request-ID"] == "abc123"
    entries = [json.loads(record) for record in records]
    assert {"request_id": "abc123", "path": "/login", "status": 422}.items() <= next(
        e for e in entries if e.get("request_id") == "abc123"
    ).items()
    logged = "\n".join(records)
    assert len(sent) > 20 and sent not in logged and "session=" not in logged
    assert "hunter2" not in logged and "correct horse" not in logged and "next=" not in logged
