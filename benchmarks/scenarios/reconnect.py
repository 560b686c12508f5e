"""The reconnect storm: a fifth of the team streams drop at once; while they are away every host
clicks (so they miss an event); they come back within about a second with Last-Event-ID and must
end with exactly the ids the others saw."""

import asyncio
import random
import time

from .. import analysis
from ..night import audiences_of, log
from ..stack import Window


def _expected_ids(night, games, marks):
    """{team stream: the ids published for it since the mark}, in the bus's order."""
    expected = {}
    for game in games:
        events = analysis.history(night.redis, night.prefix, game.id, marks[game])
        for stream in night.team_streams[game]:
            wanted = audiences_of(stream)
            expected[stream] = [e for e, a, _ in events if a & wanted]
    return expected


async def _all_recovered(night, dropped, games, marks, timeout=60):
    """When the last dropped stream held every id published for it since the mark (kernel
    receive time), or None if that did not happen within `timeout` s."""
    expected = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        if any(s.state != 1 for s in dropped):
            continue
        if expected is None:
            expected = {s: set(ids) for s, ids in _expected_ids(night, games, marks).items()}
        if all(expected[s] <= {e for e, _ in s.events} for s in dropped):
            return max(max(t for e, t in s.events if e in expected[s]) for s in dropped)
    return None


def _replayed_exactly(night, dropped, games, marks):
    """How many dropped streams ended with exactly the ids published for them, in order."""
    exact = 0
    for stream, expected in _expected_ids(night, games, marks).items():
        if stream in dropped:
            got = analysis.collapse([e for e, _ in stream.events if e in set(expected)])
            exact += got == analysis.collapse(expected)
    return exact


async def reconnect_storm(night):
    games, p = night.games, night.p
    await night.bring_to(games, ("question", "reveal", "leaderboard", "intro", "closed"))
    marks = night.mark(games)
    teams = [s for g in games for s in night.team_streams[g]]
    dropped = random.sample(teams, int(len(teams) * p["storm_fraction"]))
    window = Window(night.stack, "reconnect").start()
    night.fleet.reconnect_delay = p["storm_reconnect_delay"]
    dropped_at = time.time()
    for stream in dropped:
        night.fleet.drop(stream)
    await asyncio.sleep(0.1)
    sent = await night.click_next(games, spread=lambda group: 0.2)
    recovered_at = await _all_recovered(night, dropped, games, marks)
    await night.settle(night.all_streams(), timeout=5, quiet=p["quiet"] / 2)
    window.stop()
    result, notes = night.check(games, marks, {g: [t] for g, t in sent.items()})
    replay_exact = _replayed_exactly(night, set(dropped), games, marks)
    summary = result.summary()
    delay = p["storm_reconnect_delay"]
    out = {
        "streams": len(teams) + len(night.screen_streams),
        "dropped": len(dropped),
        "reconnected": sum(1 for s in dropped if s.state == 1),
        "reconnect_delay_s": f"{delay * 0.5:.2f}-{delay * 1.5:.2f}",
        "replayed_exactly": replay_exact,
        "replay_wrong": len(dropped) - replay_exact,
        "seconds_to_all_recovered": round(recovered_at - dropped_at, 2) if recovered_at else None,
        "lost": summary["lost"],
        "duplicates": summary["duplicates"],
        "click_to_arrival_ms_all": summary["click_to_arrival_ms"],
        "server_cpu_seconds_app": window.app_cpu,
        "server_cpu_seconds_stack": window.stack_cpu,
        "window": window.summary(),
        "notes": notes,
        **({"loss_examples": summary["loss_examples"]} if "loss_examples" in summary else {}),
    }
    log(
        f"reconnect storm: {out['reconnected']}/{len(dropped)} back, replay exact {replay_exact}, "
        f"recovered in {out['seconds_to_all_recovered']} s, lost {summary['lost']}"
    )
    return out
