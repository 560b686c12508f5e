"""Side by side, same client count and update schedule: (a) the seed's polling design and
(b) flask-sse as published, each on its own stack (gunicorn gevent workers from
deploy/gunicorn.conf.py behind the same Nginx); pubquiz's part runs inside the Night
(benchmarks/scenarios/side_by_side.py) on its own stack.

Schedule: `games` games of `clients / games` clients; every game gets one update every `interval`
seconds (games staggered evenly), for `seconds`. An update is whatever that design does when the
host changes something: (a) one UPDATE of the game's state row, (b) sse.publish of a 1.5 KB
fragment, (c) a host console click (transaction, render once per audience, publish).
"""

import asyncio
import json
import time

import redis

from . import lean
from .analysis import percentiles
from .night import cpu_per_delivery, log
from .stack import Stack, Window

FRAGMENT_HTML = "<section id='stage'>" + "x" * 1500 + "</section>"
# The polling rival's table (benchmarks/rival_poll.py is never imported here: it monkey-patches).
SCHEMA = "create table bench_state (id int primary key, version int not null default 0, html text not null)"


async def _updates(port, games, seconds, interval, path_of):
    """Fire each game's updates on schedule; returns [(game, send time, response body)]."""
    done = []
    start = time.monotonic() + 0.5
    rounds = int(seconds / interval)

    async def drive(index, game):
        for k in range(rounds):
            at = start + index * interval / len(games) + k * interval
            await asyncio.sleep(max(0.0, at - time.monotonic()))
            request = lean.Request(game, lean.post_bytes(path_of(game), {}, htmx=False))
            await lean.run_requests(port, [request], timeout=30)
            if request.status == 200:
                done.append((game, request.sent, request.body))

    await asyncio.gather(*(drive(i, g) for i, g in enumerate(games)))
    return done


def _common(stack, window, clients, games, updates, delivered, lost, latencies, rss, redis_clients, settle):
    db = window.db_delta(settle) if stack.database else {}
    return {
        "clients": clients,
        "games": games,
        "updates": updates,
        "delivered": delivered,
        "lost": lost,
        "latency_ms": percentiles(latencies),
        **cpu_per_delivery(window, delivered),
        "db_statements_per_minute": round(
            sum(v for k, v in window.statements.items() if k not in ("sql:begin", "sql:commit", "sql:empty"))
            * 60
            / window.seconds
        ),
        "db_round_trips_per_minute": round(window.round_trips * 60 / window.seconds),
        "db_xact_commit_per_minute": round(db.get("xact_commit", 0) * 60 / window.seconds) if db else 0,
        "redis_connections": redis_clients,
        "rss_mb": {k: round(v / 2**20, 1) for k, v in rss.items()},
        "window": window.summary(),
    }


def _first_arrivals(events):
    """{event id: when it first arrived} of one stream's [(id, time)]."""
    seen = {}
    for event_id, at in events:
        seen.setdefault(event_id, at)
    return seen


def _deliveries(sent, seen_by_client):
    """sent: {(game, update): send time}; seen_by_client: {client: {update: arrival}}, a client's
    key being its game. Returns (latencies, delivered, lost) over every client and its game's updates."""
    latencies, delivered, lost = [], 0, 0
    for client, seen in seen_by_client.items():
        for (game, update), at in sent.items():
            if game != client.key:
                continue
            if update in seen:
                delivered += 1
                latencies.append(seen[update] - at)
            else:
                lost += 1
    return latencies, delivered, lost


async def _subscribed(client, channels, wanted, timeout=120):
    """Wait (bounded) until `wanted` subscriptions to `channels` exist; returns how many do."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        subscribed = sum(n for _, n in client.pubsub_numsub(*channels))
        if subscribed >= wanted:
            break
        await asyncio.sleep(0.2)
    return subscribed


async def polling(workdir, clients, games, seconds, interval, quiet=1.0):
    """(a) Every client GETs its game's state once a second; each poll is one SELECT."""

    def prepare(url):
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(SCHEMA)
            with conn.cursor() as cursor:
                cursor.executemany(
                    "insert into bench_state (id, html) values (%s, %s)",
                    [(g, FRAGMENT_HTML) for g in range(1, games + 1)],
                )

    stack = Stack("compare-polling", workdir, app="benchmarks.rival_poll:app", redis=False)
    try:
        stack.start(prepare_database=prepare)
        ids = list(range(1, games + 1))
        pollers = [lean.Poller(ids[i % games], f"/poll/{ids[i % games]}/state") for i in range(clients)]
        fleet = lean.PollFleet(stack.http_port, interval=1.0)
        await fleet.start(pollers)
        await asyncio.sleep(1.3 + quiet)
        log(f"side by side, polling: {clients} clients polling once a second for {seconds}s")
        window = Window(stack).start()
        rss = stack.rss()
        done = await _updates(stack.http_port, ids, seconds, interval, lambda g: f"/poll/{g}/update")
        await asyncio.sleep(1.2 + quiet / 2)  # every client polls once more
        rss_end = stack.rss()
        window.stop()
        fleet.stop()
        sent = {(game, json.loads(body)["v"]): at for game, at, body in done}
        latencies, delivered, lost = _deliveries(sent, {p: dict(p.seen) for p in pollers})
        polls = sum(p.polls for p in pollers)
        out = _common(
            stack,
            window,
            clients,
            games,
            len(done),
            delivered,
            lost,
            latencies,
            {k: max(v, rss_end.get(k, 0)) for k, v in rss.items()},
            0,
            1.2 * quiet,
        )
        out.update(
            {
                "design": "polling (seed): GET state once a second, one SELECT per poll",
                "polls": polls,
                "polls_per_second": round(polls / window.seconds, 1),
                "poll_errors": sum(p.errors for p in pollers),
                "note": "lost = versions a client never saw (superseded between two polls)",
            }
        )
        log(
            f"  polling: {delivered} delivered, missed {lost}, p99 {out['latency_ms']['p99']} ms, "
            f"{out['cpu_us_per_delivered_stack']} us/update, {out['db_statements_per_minute']} queries/min"
        )
        return out
    finally:
        stack.close()


async def flask_sse(workdir, clients, games, seconds, interval, quiet=1.0):
    """(b) flask-sse 1.0.0: each client's stream is its own Redis subscription."""
    stack = Stack(
        "compare-flask-sse",
        workdir,
        app="benchmarks.rival_flasksse:app",
        database=False,
        env={"BENCH_FRAGMENT": FRAGMENT_HTML},
    )
    fleet = None
    try:
        stack.start()
        ids = list(range(1, games + 1))
        streams = [
            lean.Stream(ids[i % games], f"/screen/x/events?channel=g{ids[i % games]}") for i in range(clients)
        ]
        fleet = lean.SseFleet(stack.http_port)
        await fleet.open(streams, timeout=0)
        client = redis.Redis.from_url(stack.redis_url)
        subscribed = await _subscribed(client, [f"g{g}" for g in ids], clients)
        log(f"side by side, flask-sse: {subscribed}/{clients} subscribed, updates for {seconds}s")
        # flask-sse sends the response head with the first event: one warm-up event per game.
        for g in ids:
            warm_up = lean.Request(g, lean.post_bytes(f"/publish/{g}", {}, htmx=False))
            await lean.run_requests(stack.http_port, [warm_up])
        await asyncio.sleep(0.5 + quiet)
        window = Window(stack).start()
        rss = stack.rss()
        redis_clients = stack.redis_clients()
        done = await _updates(stack.http_port, ids, seconds, interval, lambda g: f"/publish/{g}")
        await asyncio.sleep(0.5 + quiet)
        window.stop()
        sent = {(game, str(json.loads(body)["id"]).encode()): at for game, at, body in done}
        latencies, delivered, lost = _deliveries(sent, {s: _first_arrivals(s.events) for s in streams})
        out = _common(
            stack, window, clients, games, len(done), delivered, lost, latencies, rss, redis_clients, 0
        )
        out.update(
            {
                "design": "flask-sse 1.0.0 (one Redis subscription and connection per client)",
                "subscribed": subscribed,
            }
        )
        client.close()
        log(
            f"  flask-sse: {delivered} delivered, lost {lost}, p99 {out['latency_ms']['p99']} ms, "
            f"{out['cpu_us_per_delivered_stack']} us/update, {redis_clients} Redis connections"
        )
        return out
    finally:
        if fleet is not None:
            fleet.close()
        stack.close()
