"""Fan-out: every game's host opens a question at once ("burst") or one game after another
("spread"); the delay from each host's POST to the event at each of its teams."""

import asyncio

from ..night import cpu_per_delivery, log
from ..stack import Window


async def fanout(night, kind):
    """ "spread": one game every spread_gap s; "burst": all games at the same instant."""
    games = night.games
    await night.bring_to(games, ("intro", "reveal", "leaderboard"))
    marks = night.mark(games)
    streams = night.all_streams()
    await asyncio.sleep(0.5)
    window = Window(night.stack, "fanout-" + kind).start()
    spread = night.p["spread_gap"] * len(games) if kind == "spread" else 0.0
    sent, failed, post_latency = await night.clicks(games, "open_question", spread=spread)
    await night.settle(streams, timeout=20, quiet=night.p["quiet"])
    window.stop()
    result, notes = night.check(games, marks, {g: [t] for g, t in sent.items()})
    summary = result.summary()
    latency = summary["click_to_arrival_ms"]
    log(
        f"fan-out {kind}: {summary['delivered']}/{summary['expected']} delivered, lost {summary['lost']}, "
        f"click->team p50/p99 {latency['p50']}/{latency['p99']} ms"
    )
    return {
        "games": len(games),
        "streams": len(streams),
        "clicks": len(sent),
        "failed_clicks": failed[:5],
        "host_post_ms": post_latency,
        **summary,
        **cpu_per_delivery(window, summary["delivered"]),
        "window": window.summary(),
        "notes": notes,
    }
