"""Busy: every game at ~10 updates/s, after an app restart with a shorter count interval that
every stream must survive on its own."""

import asyncio
import random
import time

from .. import analysis, lean
from ..analysis import percentiles
from ..night import NEXT_ACTION, accepted_answers, answer_request, cpu_per_delivery, log, not_accepted
from ..stack import Window


async def restart(night, env):
    """Restart gunicorn with new settings (graceful: the workers end their streams); every
    stream must come back on its own, with Last-Event-ID."""
    streams = night.all_streams()
    marks = night.mark(night.games)
    connects = {id(s): s.connects for s in streams}
    night.fleet.reconnect_delay = 0.5
    started = time.monotonic()
    # In a thread: the clients keep reading (and reconnecting) meanwhile.
    await asyncio.get_running_loop().run_in_executor(None, night.stack.restart_app, env)
    restarted = time.monotonic() - started

    def came_back():
        return sum(1 for s in streams if s.state == 1 and s.connects > connects[id(s)])

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and came_back() < len(streams):
        await asyncio.sleep(0.1)
    back = time.monotonic() - started
    streams_back = came_back()
    await asyncio.sleep(night.p["quiet"])
    result, notes = night.check(night.games, marks)
    log(
        f"app restarted with {env} in {restarted:.1f}s; {streams_back}/{len(streams)} streams back "
        f"after {back:.1f}s"
    )
    return {
        "settings": env,
        "seconds_app_restart": round(restarted, 1),
        "seconds_to_all_streams_back": round(back, 1),
        "streams": len(streams),
        "streams_back": streams_back,
        "lost": result.summary()["lost"],
        "errors_seen_by_clients": dict(night.fleet.errors),
    }


async def _answer_open_question(night, game, answers):
    """The game's first teams answer its open question at busy_answer_rate a second."""
    p = night.p
    question_id = game.host.question_ids[game.question_index]
    teams = game.teams[: p["busy_answers_per_question"]]
    batch = [answer_request((game, t), game, t, question_id) for t in teams]
    await lean.run_requests(
        night.port, batch, timeout=60, spread=len(batch) / p["busy_answer_rate"], preconnect=False
    )
    answers.extend(batch)


async def _play_busily(night, game, end, clicks, answers, failures):
    """Until `end`: answers while a question is open, then the host's next click, a short gap
    between the clicks after a question; stops at the last question or a refused click."""
    await asyncio.sleep(random.random())
    while time.monotonic() < end:
        if game.phase == "question":
            await _answer_open_question(night, game, answers)
        action = NEXT_ACTION[game.phase]
        if action == "open_question" and game.question_index + 1 >= len(game.host.question_ids):
            break
        if time.monotonic() >= end:
            break
        sent, failed, _ = await night.clicks([game], action)
        if failed:
            failures.extend(failed)
            break
        clicks[game].append(sent[game])
        if game.phase != "question":
            await asyncio.sleep(night.p["busy_click_gap"])


async def busy(night):
    """Teams answer the open question (10 answers/s per game, so "N answered" is pushed about
    every COUNT_INTERVAL) and hosts move on (close, reveal, leaderboard, open the next question)
    about once a second between questions."""
    p, games = night.p, night.games
    clicks, answers, failures = {g: [] for g in games}, [], []
    # The busy_seconds count from here: bringing the games to a break is part of them.
    end = time.monotonic() + p["busy_seconds"]
    await night.bring_to(games, ("closed", "reveal", "leaderboard", "intro"))
    marks = night.mark(games)
    window = Window(night.stack, "busy").start()
    started = time.monotonic()
    players = [_play_busily(night, g, end, clicks, answers, failures) for g in games]
    await asyncio.wait_for(asyncio.gather(*players), p["busy_seconds"] + 120)
    driven = time.monotonic() - started
    await night.settle(night.all_streams(), timeout=15, quiet=p["quiet"])
    window.stop()
    result, notes = night.check(games, marks, clicks)
    summary = result.summary()
    published = sum(len(analysis.history(night.redis, night.prefix, g.id, marks[g])) for g in games)
    accepted = accepted_answers(answers)
    out = {
        "games": len(games),
        "streams": summary["streams"],
        "seconds": round(driven, 1),
        "published_events": published,
        "updates_per_game_per_second": round(published / len(games) / max(driven, 1e-9), 2),
        "host_clicks": sum(len(c) for c in clicks.values()),
        "failed_clicks": failures[:5],
        "answers_sent": len(answers),
        "answers_accepted": len(accepted),
        "answers_lost": len(answers) - len(accepted),
        "answers_not_accepted_why": not_accepted(answers),
        "answer_post_ms": percentiles([r.latency for r in accepted]),
        **summary,
        **cpu_per_delivery(window, summary["delivered"]),
        "window": window.summary(),
        "notes": notes,
    }
    log(
        f"busy: {published} events ({out['updates_per_game_per_second']}/game/s), lost {summary['lost']}, "
        f"click->team p99 {summary['click_to_arrival_ms']['p99']} ms, answers {len(accepted)}/{len(answers)}"
        + (f", not accepted: {out['answers_not_accepted_why']}" if out["answers_not_accepted_why"] else "")
    )
    return out
