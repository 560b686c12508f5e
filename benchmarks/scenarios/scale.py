"""Scale: 1,000 small games held at once, each a projector and a few teams; every host starts its
game (spread over a few seconds); every event must arrive. Memory per open stream."""

import asyncio
import time

from ..night import Night, cpu_per_delivery, log
from ..stack import Window
from .idle import idle_memory


async def _start_all(night, streams, marks, spread):
    """Every host clicks start; returns the figures of that window."""
    window = Window(night.stack, "scale").start()
    sent, failed, post_latency = await night.clicks(night.games, "start", spread=spread)
    await night.settle(streams, timeout=30, quiet=night.p["quiet"])
    window.stop()
    result, notes = night.check(night.games, marks, {g: [t] for g, t in sent.items()})
    summary = result.summary()
    return {
        "start_clicks": len(sent),
        "failed_clicks": failed[:5],
        "host_post_ms": post_latency,
        **summary,
        **cpu_per_delivery(window, summary["delivered"]),
        "window": window.summary(),
        "notes": notes,
    }


async def run_scale(stack, params):
    """On a stack of its own (or, quick, after the other scenarios); returns its figures."""
    p = params
    night = Night(stack, params)
    out = {}
    try:
        started = time.monotonic()
        await night.start_hosts(p["scale_hosts"], p["scale_games"], 2, "scale")
        joined, seconds = await night.join(p["scale_teams"])
        log(f"scale: {len(night.games)} games, {len(joined)} teams joined in {seconds:.1f}s")
        # Streams open in the lobby: the games are started during the measurement.
        marks = night.prepare_streams(joined)
        streams = night.all_streams()
        await asyncio.sleep(1)
        baseline = stack.workers_rss()
        out["open"] = await night.open_streams(streams, f"scale: open {len(streams)} streams")
        out["idle_memory"] = await idle_memory(night, night.fleet.open_count, baseline)
        start = await _start_all(night, streams, marks, p["scale_start_spread"])
        out.update(
            {
                "games": len(night.games),
                "streams": len(streams),
                "streams_open": night.fleet.open_count,
                "setup_seconds": round(time.monotonic() - started, 1),
                **start,
            }
        )
        log(
            f"scale: {night.fleet.open_count} streams over {len(night.games)} games, lost {start['lost']}, "
            f"click->team p99 {start['click_to_arrival_ms']['p99']} ms, "
            f"{out['idle_memory']['rss_per_stream_kb']} KB/stream"
        )
    finally:
        await night.close()
    return out
