"""The production shape on loopback: two app instances (gunicorn, two gevent workers each) behind
Nginx, PostgreSQL and Redis. Teams connect through Nginx, the host drives through one instance."""

import asyncio
import json
import signal
import time

import psycopg
import pytest
import redis

from harness.history import events_key
from harness.people import Host, Stream, Team, close_all
from harness.quiz import RED_PLANET

# The streams open as pages rendered before the game's first event do: from the start.
from pubquiz.events import START

QUESTION = dict(RED_PLANET, time_limit="12")


def player_event_ids(redis_client, prefix, game_id):
    """The ids of every event that carried the players' fragment, from the game's history."""
    entries = redis_client.xrange(events_key(prefix, game_id))
    return [entry_id.decode() for entry_id, fields in entries if "player" in json.loads(fields[b"e"])["p"]]


def game_row(database_url, code):
    with psycopg.connect(database_url) as conn:
        return conn.execute("select id, phase, version from game where code = %s", (code,)).fetchone()


def answers_of(database_url, game_id):
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "select count(*), count(correct), sum(points) from answer where game_id = %s", (game_id,)
        ).fetchone()


async def answer_until_recorded(team, code, question_id, attempts=5):
    """Like a person: a tap that failed (a proxy error while an instance died) is tapped again."""
    for _ in range(attempts):
        status, body = await team.answer(code, question_id, choice="1")
        if status == 200 and ("Answer locked in" in body or "already answered" in body):
            return body
        await asyncio.sleep(0.3)
    raise AssertionError(f"answer not accepted: {status} {body[:200]}")


async def answer_and_close(host, code, host_stream, streams, people):
    """Every team answers the question its stream shows, the console counts them all, and the
    host closes it: every phone says so."""
    question_id = int(streams[0].text().split('name="question_id" value="')[1].split('"')[0])
    for team in people:
        await answer_until_recorded(team, code, question_id)
    await host_stream.wait_for(f"{len(people)}</strong> of {len(people)} teams answered", timeout=10)
    assert await host.act(code, "close_question") == 200
    for stream in streams:
        await stream.wait_for("Answers are closed", timeout=10)


async def open_game(cluster, teams):
    host = Host(cluster.instances[0].base)
    await host.register("host@cluster.test")
    quiz_id = await host.create_quiz("Cluster night", [QUESTION])
    code = await host.start_game(quiz_id)
    host_stream = Stream(host, f"/host/{code}/events?after={START}").start()
    people = [Team(cluster.base) for _ in range(teams)]
    for number, team in enumerate(people):
        await team.join(code, f"Team {number}")
    streams = [Stream(team, f"/play/{code}/events?after={START}").start() for team in people]
    for stream in streams:
        await stream.wait_for("You're in!")
    return host, host_stream, code, people, streams


def busiest_worker(instance):
    """The worker of this instance that holds the most connections from Nginx."""

    def held(process):
        return sum(
            1
            for c in process.net_connections("tcp")
            if c.status == "ESTABLISHED" and c.laddr.port == instance.port
        )

    return max(instance.workers(), key=held)


def test_every_team_sees_every_event_and_a_killed_worker_loses_nothing(cluster, cluster_db):
    async def scenario():
        host, host_stream, code, people, streams = await open_game(cluster, teams=12)
        assert await host.act(code, "start") == 200
        assert await host.act(code, "open_question") == 200
        for stream in streams:
            await stream.wait_for("Which planet is red?")
        game_id = game_row(cluster_db, code)[0]

        victim = busiest_worker(cluster.instances[1])
        victim.send_signal(signal.SIGKILL)
        question_id = int(streams[0].text().split('name="question_id" value="')[1].split('"')[0])
        for team in people:
            await answer_until_recorded(team, code, question_id)
        # Nobody presses anything: the deadline closes the question, once, in some process.
        for stream in streams:
            await stream.wait_for("Answers are closed", timeout=20)
        await host_stream.wait_for('data-phase="closed"', timeout=5)
        await host.act(code, "reveal")
        for stream in streams:
            await stream.wait_for("Right! +1 point")

        client = redis.Redis.from_url(cluster.env["REDIS_URL"])
        expected = player_event_ids(client, cluster.env["PUBQUIZ_REDIS_PREFIX"], game_id)
        reconnected = sum(1 for s in streams if s.connects > 1)
        for stream in streams:
            assert stream.ids() == expected, "a team missed an event or got one out of order"
        closes = [data for _, data, _ in host_stream.messages if 'data-phase="closed"' in data]
        await close_all(host_stream, *streams, host, *people)
        return game_id, reconnected, len(closes)

    game_id, reconnected, closes = asyncio.run(scenario())
    assert reconnected >= 1, "the killed worker held no team stream: the test proved nothing"
    assert closes == 1
    _, phase, version = game_row(cluster_db, _code_of(cluster_db, game_id))
    assert (phase, version) == ("reveal", 4)  # start, open, close (exactly once), reveal
    assert answers_of(cluster_db, game_id) == (12, 12, 12)


def _code_of(database_url, game_id):
    with psycopg.connect(database_url) as conn:
        return conn.execute("select code from game where id = %s", (game_id,)).fetchone()[0]


def test_failed_joins_are_limited_across_instances(cluster):
    """Limits live in Redis and key on the client's address as Nginx saw it, whichever instance
    serves the request."""

    async def scenario():
        guesser = Team(cluster.base)
        statuses = []
        for attempt in range(11):
            status, _, _ = await guesser.post("/join", {"code": f"BAD{attempt:03d}", "name": "Guess"})
            statuses.append(status)
        await guesser.close()
        return statuses

    statuses = asyncio.run(scenario())
    assert statuses[:10] == [422] * 10  # the default: 10 wrong joins a minute per client
    assert statuses[10] == 429


@pytest.fixture
def redis_cluster(cluster_workdir, cluster_db, private_redis):
    from .conftest import Cluster

    group = Cluster(cluster_workdir, cluster_db, private_redis.url)
    yield group, private_redis
    group.stop()


def test_the_game_goes_on_after_redis_restarts(redis_cluster, cluster_db):
    cluster, redis_server = redis_cluster

    async def scenario():
        host, host_stream, code, people, streams = await open_game(cluster, teams=4)
        assert await host.act(code, "start") == 200
        for stream in streams:
            await stream.wait_for("Get ready")

        redis_server.stop()
        deadline = time.monotonic() + 10
        while (await host.get("/readyz"))[0] != 503:  # the app sees Redis gone
            assert time.monotonic() < deadline, "the app never noticed Redis was down"
            await asyncio.sleep(0.1)
        # The host goes on: the action is committed even though it cannot be pushed yet.
        assert await host.act(code, "open_question") == 200
        status, body = await people[0].get(f"/play/{code}/events")
        assert status == 503 and "Live updates are reconnecting" in body

        redis_server.start()  # empty: the history is gone, the streams get the full state
        for stream in streams:
            await stream.wait_for("Which planet is red?", timeout=20)
        await answer_and_close(host, code, host_stream, streams, people)
        await close_all(host_stream, *streams, host, *people)
        return code

    code = asyncio.run(scenario())
    game_id, phase, version = game_row(cluster_db, code)
    assert (phase, version) == ("closed", 3)
    assert answers_of(cluster_db, game_id) == (4, 4, 4)


def test_a_whole_instance_killed_and_a_deploy_mid_question(cluster, cluster_db):
    """kill -9 of one instance (master and workers), then a graceful restart (SIGHUP: new
    workers) of the other, both while a question is open: the streams move through Nginx, every
    answer counts, the host console keeps working, and the deadline closes the question once."""
    import os

    async def scenario():
        host, host_stream, code, people, streams = await open_game(cluster, teams=8)
        assert await host.act(code, "start") == 200
        assert await host.act(code, "open_question") == 200
        for stream in streams:
            await stream.wait_for("Which planet is red?")
        question_id = int(streams[0].text().split('name="question_id" value="')[1].split('"')[0])

        os.killpg(cluster.instances[1].process.pid, signal.SIGKILL)  # the host drives through [0]
        for team in people[:4]:
            await answer_until_recorded(team, code, question_id)
        cluster.instances[0].process.send_signal(signal.SIGHUP)  # a deploy: new workers
        for team in people[4:]:
            await answer_until_recorded(team, code, question_id)
        for stream in streams:
            await stream.wait_for("Answers are closed", timeout=25)
        assert await host.act(code, "reveal") == 200
        for stream in streams:
            await stream.wait_for("Right! +1 point", timeout=10)
        await close_all(host_stream, *streams, host, *people)
        return code

    code = asyncio.run(scenario())
    with psycopg.connect(cluster_db) as conn:
        game_id, phase, version = conn.execute(
            "select id, phase, version from game where code = %s", (code,)
        ).fetchone()
    assert (phase, version) == ("reveal", 4)  # start, open, close (exactly once), reveal
    assert answers_of(cluster_db, game_id) == (8, 8, 8)
