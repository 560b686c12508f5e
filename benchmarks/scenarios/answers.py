"""The answer burst: every team answers the open question within the same second."""

import random
import time

from .. import lean
from ..analysis import percentiles
from ..night import accepted_answers, answer_request, log, refusal_text
from ..stack import Window

# Statements the app sends off the answer's path (the coalesced count push, the deadline sweep,
# the host's clicks): not counted as reads on the answer path.
BACKGROUND = {
    "count_answers",
    "teams_of_game",
    "game_state",
    "due_games",
    "game_by_id",
    "lock_game",
    "move_game",
    "question_by_id",
    "answers_to_question",
    "quiz_by_id",
    "leaderboard",
    "set_scores",
}


def _every_team_answers(games):
    """One answer request per team of `games` to its open question, in random order."""
    requests = []
    for game in games:
        question_id = game.host.question_ids[game.question_index]
        requests.extend(
            answer_request((game, team, question_id), game, team, question_id) for team in game.teams
        )
    random.shuffle(requests)
    return requests


def _stored(stack, games):
    """Answers in the database to the open question of each of `games`."""
    return stack.sql(
        "select count(*) from answer where (game_id, question_id) in "
        "(select unnest(%s::bigint[]), unnest(%s::bigint[]))",
        ([g.id for g in games], [g.host.question_ids[g.question_index] for g in games]),
    )[0][0]


def _db_figures(window, accepted, db):
    """Statements and round trips of the answers, from the statement meter."""
    answer_checkouts = {k: v for k, v in window.checkouts.items() if "insert_answer" in k}
    answer_trips = sum(window.checkout_trips.get(k, 0) for k in answer_checkouts)
    inserts = window.statements.get("insert_answer", 0)
    reads_on_path = {
        k: v
        for k, v in window.statements.items()
        if not k.startswith("sql:") and k != "insert_answer" and k not in BACKGROUND
    }
    return {
        "method": "statement meter (benchmarks/pgmeter.py) between the app and PostgreSQL",
        "insert_answer_statements": inserts,
        "statements_per_accepted_answer": round(inserts / max(accepted, 1), 3),
        "answer_checkouts": answer_checkouts,
        "round_trips_per_accepted_answer": round(answer_trips / max(accepted, 1), 2),
        "other_reads_in_window": reads_on_path,
        "pg_stat_database_delta": db,
    }


async def answer_burst(night):
    await night.bring_to(night.games, ("question",))
    games = [g for g in night.games if g.phase == "question"]
    requests = _every_team_answers(games)
    marks = night.mark(games)
    window = Window(night.stack, "answers").start()
    started = time.monotonic()
    await lean.run_requests(
        night.port, requests, timeout=180, spread=night.p["answer_spread"], preconnect=False
    )
    seconds = time.monotonic() - started
    screens_of = {g: [night.screen_streams[g]] if g in night.screen_streams else [] for g in games}
    await night.settle(
        [s for streams in screens_of.values() for s in streams], timeout=5, quiet=night.p["quiet"]
    )
    window.stop()
    db = window.db_delta(night.p["db_settle"])
    accepted = accepted_answers(requests)
    refused = [r for r in requests if r not in accepted]
    screens, _ = night.check(games, marks, streams_of=screens_of.get)
    result = {
        "sent": len(requests),
        "accepted": len(accepted),
        "stored_in_db": _stored(night.stack, games),
        "refused": len(refused),
        "lost": len(requests) - len(accepted),
        "refusal_examples": sorted({(r.status, r.error or refusal_text(r.body)) for r in refused})[:5],
        "send_spread_s": night.p["answer_spread"],
        "seconds_to_last_response": round(seconds, 2),
        "answer_post_ms": percentiles([r.latency for r in accepted]),
        "accepted_per_second": round(len(accepted) / max(seconds, 1e-9), 1),
        "db": _db_figures(window, len(accepted), db),
        "count_updates_on_screens": {
            k: v
            for k, v in screens.summary().items()
            if k in ("expected", "delivered", "lost", "publish_to_arrival_ms")
        },
        "cpu_ms_per_accepted_answer_app": round(window.app_cpu * 1000 / max(len(accepted), 1), 2),
        "window": window.summary(),
    }
    log(
        f"answers: {len(accepted)}/{len(requests)} accepted, stored {result['stored_in_db']}, POST p50/p99 "
        f"{result['answer_post_ms']['p50']}/{result['answer_post_ms']['p99']} ms, "
        f"round trips/answer {result['db']['round_trips_per_accepted_answer']}"
    )
    return result
