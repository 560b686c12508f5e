"""What per-game channels save: 20 app processes' buses, 1,000 games whose viewers sit on 1-3
of the processes, one event published per game, counted at the subscribers and in Redis.

"before" is the global channel the bus had until per-game channels: every process received every
event. It is measured with the same code by subscribing every bus to every game, which delivers
exactly what the one global channel delivered. "after" subscribes each bus to the games it has
viewers of. Each bus is the real RedisBus (its own listener thread and pub/sub connection, the
Hub's subscribe and its confirmed subscription), 20 of them in this one process, on a private
redis-server so that Redis's own counters are ours alone.

Then, on a real 3-master Redis Cluster (harness/redis_cluster.py), what a publish costs with and
without `WAIT 1` after it (the replica has the event before the publish returns).

`python -m benchmarks.channels` prints the figures as JSON (under a minute); benchmarks/SCALE.md
uses them. Not part of `make bench`.
"""

import json
import random
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

from harness.processes import answers_on, free_port
from harness.redis_cluster import RedisCluster
from pubquiz.events import Hub
from pubquiz.redis_bus import RedisBus

PROCESSES = 20
GAMES = 1000
TEAMS = 20  # a result event carries one fragment per team


def event_parts():
    """About the size of a closed question's event in a 20-team game (host console, projector,
    players' stage, and each team's own result)."""
    parts = {"host": "h" * 3000, "screen": "s" * 3000, "player": "p" * 1500}
    parts.update({"team:%d" % team: "t" * 400 for team in range(TEAMS)})
    return parts


def private_redis(workdir):
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        + ["--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not answers_on(port):
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("redis-server did not start")
        time.sleep(0.05)
    return process, "redis://127.0.0.1:%d/0" % port


def redis_counters(client):
    stats, cpu = client.info("stats"), client.info("cpu")
    return stats["total_net_output_bytes"], cpu["used_cpu_user"] + cpu["used_cpu_sys"]


def measure(url, mode, seed=7):
    """mode "before": every bus receives every game; "after": only the games it has viewers of."""
    prefix = "bench-channels-" + secrets.token_hex(4)
    buses = [RedisBus(Hub(), url, prefix=prefix) for _ in range(PROCESSES)]
    try:
        for bus in buses:
            assert bus.connected.wait(10), "a bus did not connect"
        rng = random.Random(seed)
        viewers = 0
        started = time.monotonic()
        for game_id in range(1, GAMES + 1):
            holding = rng.sample(buses, rng.randint(1, 3))
            for bus in holding:
                bus.hub.subscribe(game_id, ("player",))
                viewers += 1
            if mode == "before":
                for bus in buses:
                    if bus not in holding:
                        bus.watch(game_id)
        subscribe_s = time.monotonic() - started
        expected = GAMES * PROCESSES if mode == "before" else viewers
        client = redis.Redis.from_url(url)
        out_before, redis_cpu_before = redis_counters(client)
        cpu_before = time.process_time()
        parts = event_parts()
        for game_id in range(1, GAMES + 1):
            buses[0].publish(game_id, parts)
        deadline = time.monotonic() + 60
        while sum(bus.received for bus in buses) < expected:
            assert time.monotonic() < deadline, "not every message arrived"
            time.sleep(0.05)
        cpu = time.process_time() - cpu_before
        out_after, redis_cpu_after = redis_counters(client)
        channels = [buses[0].channel(game_id) for game_id in range(1, GAMES + 1)]
        received = sum(bus.received for bus in buses)
        decoded = sum(bus.received_bytes for bus in buses)
        return {
            "mode": mode,
            "processes": PROCESSES,
            "games": GAMES,
            "processes_with_viewers_per_game": round(viewers / GAMES, 2),
            "events": GAMES,
            "event_bytes": len(json.dumps({"g": 1, "p": parts}, separators=(",", ":"))),
            "messages_per_event": round(received / GAMES, 2),
            "bytes_decoded_per_event": round(decoded / GAMES),
            "redis_bytes_out_per_event": round((out_after - out_before) / GAMES),
            "redis_cpu_us_per_event": round((redis_cpu_after - redis_cpu_before) / GAMES * 1e6, 1),
            "subscribers_cpu_us_per_event": round(cpu / GAMES * 1e6, 1),
            "subscriptions": sum(count for _, count in client.pubsub_numsub(*channels)),
            "subscribe_ms_per_stream": round(subscribe_s / viewers * 1000, 3),
        }
    finally:
        for bus in buses:
            bus.close()


def wait_cost(workdir, publishes=500):
    """µs per publish on a 3-master cluster without and with WAIT 1 (one replica has it)."""
    servers = RedisCluster(workdir)
    servers.start()
    try:
        bus = RedisBus(Hub(), servers.url, prefix="bench-wait")
        assert bus.connected.wait(10)
        parts = event_parts()
        node = bus.redis.get_node_from_key(bus.channel(1))
        out = {}
        for label, wait in (("publish_us", False), ("publish_and_wait_us", True)):
            started = time.perf_counter()
            for _ in range(publishes):
                bus.publish(1, parts)
                if wait:
                    bus.redis.execute_command("WAIT", 1, 1000, target_nodes=node)
            out[label] = round((time.perf_counter() - started) / publishes * 1e6, 1)
        bus.close()
        return out
    finally:
        servers.stop()


def main():
    with tempfile.TemporaryDirectory() as workdir:
        process, url = private_redis(workdir)
        try:
            results = [measure(url, "before"), measure(url, "after")]
        finally:
            process.kill()
            process.wait()
        cluster_dir = Path(workdir) / "cluster"
        cluster_dir.mkdir()
        results.append(dict(mode="cluster WAIT 1", **wait_cost(cluster_dir)))
    json.dump(results, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
