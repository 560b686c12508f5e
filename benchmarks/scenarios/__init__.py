"""The pubquiz scenarios, driven like real people over real HTTP through Nginx.

One Night on one stack (benchmarks/night.py): hosts write a quiz and start games, teams join and
each hold one SSE stream (plus one projector stream per game), then, in order: the side-by-side
window (pubquiz's part, side_by_side.py), the idle-stream memory and heartbeats (idle.py), fan-out
"spread" and "burst" (fanout.py), the answer burst (answers.py), the reconnect storm
(reconnect.py) and "busy" (busy.py). The scale scenario (scale.py: 1,000 small games) runs on a
fresh stack so its memory baseline is clean. Every wait is bounded; every window records server
CPU, database round trips and what the clients received, checked against the bus's history in Redis.
"""

from ..night import Night, log
from .answers import answer_burst
from .busy import busy, restart
from .fanout import fanout
from .idle import heartbeats, idle_memory, memory_snapshot
from .reconnect import reconnect_storm
from .side_by_side import compare_window


async def _side_by_side(night, out):
    """The first games' team streams open; with compare, pubquiz's part of the side by side."""
    p = night.p
    compare_games = night.games[: p["compare_games"]]
    first = [s for g in compare_games for s in night.team_streams[g]]
    out["open_first"] = await night.open_streams(first, f"open {len(first)} streams")
    if night.wants("compare"):
        log(f"side by side, pubquiz: {len(first)} clients for {p['compare_seconds']}s")
        c = await compare_window(night, compare_games, p["compare_seconds"], p["compare_interval"])
        out["compare_pubquiz"] = c
        log(
            f"  pubquiz: {c['delivered']} delivered, lost {c['lost']}, p99 {c['latency_ms']['p99']} ms, "
            f"{c['cpu_us_per_delivered_stack']} us/update"
        )
    return first


async def _idle(night, out, first, baseline):
    """Every other stream opens; the workers' memory per idle stream."""
    rest = [s for g in night.games for s in night.streams_of(g) if s not in set(first)]
    await memory_snapshot(night, "before")
    out["open_rest"] = await night.open_streams(rest, f"open {len(rest)} more streams")
    memory = await memory_snapshot(night, "streams", len(rest))
    if memory:
        out["open_rest"]["tracemalloc_per_stream"] = memory
    out["idle_memory"] = await idle_memory(night, night.fleet.open_count, baseline)
    out["idle_memory"]["window_opening_streams"] = out["open_rest"]["window"]
    log(
        f"idle: {night.fleet.open_count}/{len(first) + len(rest)} streams open, "
        f"{out['idle_memory']['rss_per_stream_kb']} KB RSS per stream"
    )


async def _under_load(night, out):
    """The scenarios that change the games, each if it was asked for."""
    if night.wants("fanout"):
        out["fanout_spread"] = await fanout(night, "spread")
        out["fanout_burst"] = await fanout(night, "burst")
    if night.wants("answers"):
        out["answer_burst"] = await answer_burst(night)
    if night.wants("reconnect"):
        out["reconnect_storm"] = await reconnect_storm(night)
    if night.wants("busy"):
        # Busy games push "N answered" up to 10 times a second: the app restarts with
        # PUBQUIZ_COUNT_INTERVAL=0.1 (default 0.25), which also shows a restart under 5,000 streams.
        if night.p["busy_restart"]:
            out["app_restart"] = await restart(night, night.p["busy_env"])
        out["busy"] = await busy(night)


async def run_night(stack, params, only=None):
    """Everything on the main stack; returns {scenario: figures}."""
    night = Night(stack, params, only)
    out = {}
    try:
        out["setup"] = await night.setup(params["games"], params["teams"], params["hosts"])
        baseline = stack.workers_rss()
        first = await _side_by_side(night, out)
        await _idle(night, out, first, baseline)
        if params["heartbeat_window"] and only in (None, "fanout"):
            out["heartbeats"] = await heartbeats(night, params["heartbeat_window"])
        await _under_load(night, out)
        out["streams_still_open"] = night.fleet.open_count
    finally:
        await night.close()
    return out
