"""What /metrics tells an operator beyond traffic: publish-to-deliver latency, deadline lateness,
readiness of PostgreSQL and Redis, unhandled errors, and the game in every JSON log line."""

import json
import logging
import re

import pytest
from helpers import CHOICE, Stream
from prometheus_client import REGISTRY

from pubquiz import db, games
from pubquiz.ops import JsonFormatter


def sample(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scraped(client, name):
    """The values of one metric's samples in a scrape of /metrics, by their label text."""
    text = client.get("/metrics").get_data(as_text=True)
    return {
        match.group(1) or "": float(match.group(2))
        for match in re.finditer(rf"^{name}(\{{[^}}]*\}})? (\S+)$", text, re.MULTILINE)
    }


@pytest.mark.parametrize("backend", ["memory", "redis"], indirect=True)
def test_publish_to_deliver_is_observed_once_per_event_not_per_stream(host, new_team, backend):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    console = Stream(host.get(f"/host/{code}/events", buffered=False))
    projector = Stream(host.get(f"/screen/{code}/events", buffered=False))
    new_team().join(code, "Watchers")
    for stream in (console, projector):  # the join's event, pushed to both
        stream.read_until("Watchers")
    count = sample("pubquiz_publish_deliver_seconds_count")
    total = sample("pubquiz_publish_deliver_seconds_sum")

    host.act(code, "start")
    for stream in (console, projector):
        stream.read_until("id: ", start=len(stream.text))
        stream.response.close()

    # One event reached two streams of this process: one observation, of a few milliseconds.
    assert sample("pubquiz_publish_deliver_seconds_count") - count == 1
    assert 0 <= sample("pubquiz_publish_deliver_seconds_sum") - total < 1


def test_a_question_closed_by_its_deadline_observes_how_late(app, host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE, CHOICE]))
    new_team().join(code, "Late")
    host.act(code, "start")
    host.act(code, "open_question")
    host.act(code, "close_question")  # closed by the host: no deadline was missed
    host.act(code, "reveal")
    host.act(code, "open_question")
    before = {le: sample("pubquiz_deadline_lateness_seconds_bucket", le=le) for le in ("1.5", "3.0")}
    count = sample("pubquiz_deadline_lateness_seconds_count")

    with app.app_context():
        with db.transaction() as tx:  # the deadline passed two seconds ago, and nothing closed it
            tx.conn.execute("update game set deadline_at = now() - interval '2 s' where code = %s", (code,))
        assert len(games.close_due()) == 1
        assert games.close_due() == []

    # Once, about two seconds late (the host's close earlier was no lateness at all).
    assert sample("pubquiz_deadline_lateness_seconds_count") - count == 1
    assert sample("pubquiz_deadline_lateness_seconds_bucket", le="1.5") == before["1.5"]
    assert sample("pubquiz_deadline_lateness_seconds_bucket", le="3.0") == before["3.0"] + 1


@pytest.mark.parametrize("backend", ["memory", "redis"], indirect=True)
def test_each_scrape_says_whether_postgresql_and_redis_answer(app, client, backend):
    ready = scraped(client, "pubquiz_service_ready")
    expected = {'{service="postgresql"}': 1.0}
    if backend == "redis":
        expected['{service="redis"}'] = 1.0
    assert ready == expected

    app.extensions["db_pool"].close()
    assert scraped(client, "pubquiz_service_ready")['{service="postgresql"}'] == 0.0


def test_unhandled_errors_are_counted_where_they_happen(app, client):
    def broken():
        raise RuntimeError("the projector cable is on fire")

    app.add_url_rule("/broken", view_func=broken)
    before = scraped(client, "pubquiz_errors_total")
    assert before.keys() == {'{where="request"}', '{where="background"}'}

    page = client.get("/broken")
    assert page.status_code == 500 and "Something went wrong on our side" in page.get_data(as_text=True)
    app.extensions["background"].republish([987654])  # a game that does not exist: the work fails

    after = scraped(client, "pubquiz_errors_total")
    assert after['{where="request"}'] - before['{where="request"}'] == 1
    assert after['{where="background"}'] - before['{where="background"}'] == 1


def test_json_log_lines_name_the_game_of_the_request(app, host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    team = new_team()
    app.config["ACCESS_LOG"] = True
    records = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(json.loads(JsonFormatter().format(record)))
    logging.getLogger("pubquiz.access").addHandler(handler)
    try:
        team.join(code, "Logged")
        team.get(f"/play/{code}")
    finally:
        logging.getLogger("pubquiz.access").removeHandler(handler)
    by_path = {entry["path"]: entry for entry in records}
    assert by_path[f"/play/{code}"]["game"] == code
    assert "game" not in by_path["/join"]  # the code is in the form there, not in the URL
