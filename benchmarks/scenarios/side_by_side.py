"""Side by side, pubquiz's part: hosts click on a fixed schedule while the teams' streams listen.
The other two designs (polling, flask-sse) run on stacks of their own in benchmarks/compare.py."""

import asyncio
import time

from ..night import NEXT_ACTION, cpu_per_delivery
from ..stack import Window


async def _drive(night, game, first_click_at, rounds, interval, clicks, failures):
    """`game`'s host clicks the next console button every `interval` s from `first_click_at`
    until `rounds` clicks or the last question; send times go to clicks[game]."""
    for k in range(rounds):
        await asyncio.sleep(max(0.0, first_click_at + k * interval - time.monotonic()))
        action = NEXT_ACTION[game.phase]
        if action == "open_question" and game.question_index + 1 >= len(game.host.question_ids):
            break
        sent, failed, _ = await night.clicks([game], action)
        if failed:
            failures.extend(failed)
        else:
            clicks[game].append(sent[game])


def _per_minute(count, window):
    return round(count * 60 / window.seconds)


async def compare_window(night, games, seconds, interval):
    """Each game's host clicks the next console button every `interval` s (games staggered), for
    `seconds`; the teams' streams receive them."""
    marks = night.mark(games)
    clicks = {g: [] for g in games}
    failures = []
    start = time.monotonic() + 0.5
    rounds = int(seconds / interval)
    streams = [s for g in games for s in night.team_streams[g]]
    window = Window(night.stack, "compare").start()
    rss = night.stack.rss()
    redis_clients = night.stack.redis_clients()
    # Staggered: game i's first click comes i/len(games) of an interval after the first game's.
    await asyncio.gather(
        *(
            _drive(night, g, start + i * interval / len(games), rounds, interval, clicks, failures)
            for i, g in enumerate(games)
        )
    )
    await night.settle(streams, timeout=10, quiet=night.p["quiet"])
    window.stop()
    result, notes = night.check(games, marks, clicks, streams_of=lambda g: night.team_streams[g])
    db = window.db_delta(night.p["db_settle"])
    summary = result.summary()
    return {
        "design": "pubquiz (SSE, Redis bus, one subscription per process)",
        "clients": len(streams),
        "games": len(games),
        "updates": sum(len(c) for c in clicks.values()),
        "failed_clicks": len(failures),
        "delivered": summary["delivered"],
        "lost": summary["lost"],
        "latency_ms": summary["click_to_arrival_ms"],
        **cpu_per_delivery(window, summary["delivered"]),
        "db_statements_per_minute": _per_minute(
            sum(v for k, v in window.statements.items() if not k.startswith("sql:")), window
        ),
        "db_round_trips_per_minute": _per_minute(window.round_trips, window),
        "db_xact_commit_per_minute": _per_minute(db["xact_commit"], window),
        "redis_connections": redis_clients,
        "rss_mb": {k: round(v / 2**20, 1) for k, v in rss.items()},
        "window": window.summary(),
        "notes": notes,
    }
