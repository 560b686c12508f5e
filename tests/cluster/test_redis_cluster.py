"""REDIS_URL naming a Redis Cluster (three masters, a replica each, started here): a game's
history and channel on one shard, sharded pub/sub, the rate limits in the cluster, and a master
failing over mid-game with nothing accepted lost."""

import asyncio
import secrets
import shutil
from datetime import UTC, datetime, timedelta

import pytest
from helpers import CHOICE, HostActions, Stream, TeamActions, require

from harness.history import events_key, history
from harness.people import close_all
from harness.redis_cluster import RedisCluster
from pubquiz import create_app, games, limits
from pubquiz.redis_client import connect
from pubquiz.stream_peaks import RedisPeaks

from .conftest import Cluster
from .test_cluster import answer_and_close, answers_of, game_row, open_game


@pytest.fixture
def redis_shards(tmp_path):
    require(shutil.which("redis-server") and shutil.which("redis-cli"), "no redis-server/redis-cli on PATH")
    workdir = tmp_path / "redis-cluster"
    workdir.mkdir()
    servers = RedisCluster(workdir)
    try:
        servers.start()
        yield servers
    finally:
        servers.stop()


@pytest.fixture
def cluster_app(redis_shards, clean_db, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "REDIS_URL": redis_shards.url,
            "REDIS_PREFIX": "pubquiz-test-" + secrets.token_hex(4),
            "DATABASE_URL": clean_db,
            "SECRET_KEY": "test-secret-" + secrets.token_hex(8),
            "INSTANCE_DIR": str(tmp_path),
            "DEADLINE_SWEEP_SECONDS": 0,
            "LIMIT_LOOKUP": "3 per minute",
        }
    )
    limits.limiter.reset()
    yield app
    app.extensions["background"].stop()
    app.extensions["hub"].stop()
    app.extensions["bus"].close()
    app.extensions["db_pool"].close()


def _masters(servers):
    return [port for port in servers.alive() if servers.client(port).info("replication")["role"] == "master"]


def _shard_subscribers(servers, port, channel):
    return servers.client(port).pubsub_shardnumsub(channel)[0][1]


def test_a_game_on_a_redis_cluster_keeps_its_history_and_channel_on_one_shard(cluster_app, redis_shards):
    host = HostActions(cluster_app)
    assert host.register().status_code == 303
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    team = TeamActions(cluster_app)
    team.join(code, "Shards")
    with cluster_app.app_context():
        game_id = games.by_code(code)["id"]
    bus = cluster_app.extensions["bus"]
    stream = Stream(team.get(f"/play/{code}/events?after=", buffered=False))
    stream.read_until("You're in!")
    host.act(code, "start")
    host.act(code, "open_question")
    stream.read_until("Which planet is red?")

    shard_port = redis_shards.master_of_key(bus.channel(game_id))
    assert redis_shards.master_of_key(events_key(bus.prefix, game_id)) == shard_port
    # The join, the start and the question, in the history on that shard.
    assert len(history(redis_shards.client(shard_port), bus.prefix, game_id)) == 3
    # Sharded pub/sub: this process's subscription is on the game's shard, and only there.
    subscribers = {
        port: _shard_subscribers(redis_shards, port, bus.channel(game_id)) for port in _masters(redis_shards)
    }
    assert subscribers.pop(shard_port) == 1
    assert list(subscribers.values()) == [0, 0]
    stream.close()


def test_rate_limits_count_in_the_cluster(cluster_app, redis_shards):
    client = cluster_app.test_client()
    statuses = [client.get(f"/play/WRONG{n}").status_code for n in range(4)]
    assert 429 not in statuses[:3] and statuses[3] == 429
    prefix = cluster_app.config["REDIS_PREFIX"] + ":limits"
    assert any(redis_shards.client(port).keys(prefix + "*") for port in _masters(redis_shards))


def test_a_master_failing_over_mid_game_loses_nothing(cluster_workdir, cluster_db, redis_shards):
    """The master holding the game's slot is killed with streams open: its replica takes over,
    the host's next click publishes (waiting for the failover), every stream reconnects and
    replays what it missed, every answer counts."""
    cluster = Cluster(cluster_workdir, cluster_db, redis_shards.url, instances=2, workers=1)
    prefix = cluster.env["PUBQUIZ_REDIS_PREFIX"]
    try:

        async def scenario():
            host, host_stream, code, people, streams = await open_game(cluster, teams=4)
            assert await host.act(code, "start") == 200
            for stream in streams:
                await stream.wait_for("Get ready")
            game_id = game_row(cluster_db, code)[0]
            redis_shards.kill(redis_shards.master_of_key(events_key(prefix, game_id)))
            assert await host.act(code, "open_question") == 200
            for stream in [host_stream, *streams]:
                await stream.wait_for("Which planet is red?", timeout=30)
            await answer_and_close(host, code, host_stream, streams, people)
            await close_all(host_stream, *streams, host, *people)
            return code, game_id, streams

        code, game_id, streams = asyncio.run(scenario())
    finally:
        cluster.stop()
    redis_shards.wait_until_ok()
    assert game_row(cluster_db, code)[1:] == ("closed", 3)
    assert answers_of(cluster_db, game_id) == (4, 4, 4)
    shard = redis_shards.client(redis_shards.master_of_key(events_key(prefix, game_id)))
    published = [
        event_id.decode() for event_id, parts, _ in history(shard, prefix, game_id) if "player" in parts
    ]
    for stream in streams:
        assert stream.connects >= 2  # dropped when the shard went, back by Last-Event-ID
        assert stream.ids()[-1] == published[-1]


def test_the_operators_stream_peak_is_counted_on_a_cluster(redis_shards):
    """Each worker's report and the day's peak are written by one script: on a cluster its keys
    must share a shard, or every heartbeat fails and the operator's page shows nothing."""
    client, prefix = connect(redis_shards.url, timeout=2), "pubquiz-test-" + secrets.token_hex(4)
    one, two = (RedisPeaks(client, prefix, heartbeat_seconds=15, worker=w) for w in ("one", "two"))
    one.report(3)
    two.report(4)
    today = datetime.now(UTC).date()
    assert one.now() == 7
    assert one.peaks([today, today - timedelta(days=1)]) == {today: 7}
