"""Games in PostgreSQL: create one, move it (one transaction per transition, exactly once, with its
audit row), pause it, close questions at their deadlines, and (re)score a question. Each change
returns the snapshot its transaction built, for the publisher to render from."""

import datetime
import secrets
import time

from flask import current_app

from . import db, metrics, rules, scoring, snapshot
from .contents import quiz_contents, to_scoring_answer, to_scoring_question
from .rules import N_

# No 0/O, 1/I/L: a code read off a projector across a pub is typed right the first time.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


def new_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw):
    return "".join((raw or "").split()).upper()[:20]


def create(quiz_id, host_id, venue=None, season_id=None, language="en"):
    while True:  # a clash among ~887 million codes is rare; the unique index catches it
        row = db.one(
            "insert_game",
            quiz_id=quiz_id,
            host_id=host_id,
            code=new_code(),
            venue=venue,
            season_id=season_id,
            language=language,
        )
        if row:
            return remember(row)


# What requests need of a game without reading the database: who owns it, where it is, when it
# was created (the partition of its answers; see created_at()) and the language it speaks.
CACHED = ("id", "code", "host_id", "quiz_id", "phase", "version", "deadline_ms", "created_at", "language")


def remember(row):
    """Store a game's committed state in the cache (call after commit)."""
    deadline = row.get("deadline_at")
    state = dict(
        {k: row[k] for k in CACHED if k in row},
        deadline_ms=int(deadline.timestamp() * 1000) if deadline else 0,
        created_at=row["created_at"].isoformat(),  # the cache holds JSON
    )
    current_app.extensions["cache"].put("game:" + row["code"], state)
    return state


def created_at(game):
    """When a game was created, from its row or its cached state: the key of its answers'
    partition (migration 0013), which every statement on answers names."""
    value = game["created_at"]
    return datetime.datetime.fromisoformat(value) if isinstance(value, str) else value


def by_code(code):
    """A game's cached state (CACHED fields) by its join code, or None when there is no such game.
    Transitions store their new state after commit, so this is never older than the last one."""
    code = normalise_code(code)
    if not code:
        return None
    state = current_app.extensions["cache"].get("game:" + code)
    if state is None or "created_at" not in state:  # none, or cached by a version before 0013
        row = db.one("game_by_code", code=code)
        state = row and remember(row)
    return state


def transition(game_id, action, expected_version=None, *, actor):
    """Apply a host action (one of rules.ACTIONS, or "next": rules.next_action); actor: who, for
    the audit log. Returns the snapshot of the moved game (its game row has seconds_left when a
    question opened). Raises rules.IllegalMove when the action does not fit the current state
    (e.g. a double click)."""
    with db.transaction() as tx:
        row = tx.one("lock_game", id=game_id)
        if expected_version is not None and row["version"] != expected_version:
            raise rules.IllegalMove(N_("The game had already moved on; the console now shows where it is."))
        if row["paused_at"] is not None:
            raise rules.IllegalMove(N_("The game is paused: resume it first."))
        snap = _move(tx, row, action, actor)
    remember(snap.game)
    return snap


def _move(tx, row, action, actor):
    contents = quiz_contents(tx, row["quiz_id"], row["quiz_revision"])
    outline = contents.outline
    mode = contents.quiz["leaderboard_mode"]
    if action == "next":  # one button for all (the API's): chosen here, under the game's lock
        action = rules.next_action(rules.position(row), outline.question_ids, mode)
        if action is None:
            raise rules.IllegalMove(f"There is nothing next to do (the game is at {row['phase']}).")
    new = rules.apply(action, rules.position(row), outline.question_ids, leaderboard=mode)
    question_id = rules.question_id(new, outline.question_ids)
    opens = action == "open_question"
    time_limit = contents.questions[question_id]["time_limit"] if opens else 0
    answers = None  # read with the snapshot
    if opens:
        answers = []  # a question opened by this change has no answers yet
    elif new.phase == "closed":
        answers = rescore(tx, row, row["question_id"])
    moved = tx.one(
        "move_game",
        id=row["id"],
        phase=new.phase,
        round_index=new.round_index,
        question_index=new.question_index,
        question_id=question_id,
        opens=opens,
        time_limit=time_limit,
        # Its audit row: what the host pressed, and where it took the game: "open",
        # "R1 Q2 “Capital of France?”".
        actor=actor,
        action=action.removesuffix("_question").replace("_", " "),
        detail=_described(contents, new, question_id),
    )
    return snapshot.build(tx, moved, answers)


def _described(contents, new, question_id):
    """Where a transition took the game, for the audit log: round 2 “Music”, R2 Q1 “Capital…”."""
    if new.phase == "intro":
        return contents.outline.describe_round(contents.outline.rounds[new.round_index]["id"])
    if question_id and new.phase != "ended":
        return contents.outline.describe(contents.questions[question_id])
    return ""


def set_paused(game_id, paused, expected_version, actor):
    """Pause (deadlines freeze, answers wait) or resume (the deadline moves by the pause), with its
    audit row; expected_version None: whatever the version is now (an API's button). Returns the
    snapshot (its game row has seconds_left on resuming)."""
    with db.transaction() as tx:
        row = tx.one("lock_game", id=game_id)
        if expected_version is not None and row["version"] != expected_version:
            raise rules.IllegalMove(N_("The game had already moved on; the console now shows where it is."))
        if paused == (row["paused_at"] is not None) or row["phase"] == "ended":
            raise rules.IllegalMove(
                N_("The game is already paused.") if paused else N_("The game is not paused.")
            )
        moved = tx.one("pause_game" if paused else "resume_game", id=game_id)
        audit(tx, game_id, actor, "pause" if paused else "resume", "")
        snap = snapshot.build(tx, moved)
    remember(snap.game)
    return snap


def rescore(tx, row, question_id):
    """Score every answer to one question of this game from the answer key, the markers'
    verdicts and the quiz's rules. Run at close, and again whenever a verdict or the key changes.
    Returns the answers as they now are."""
    contents = quiz_contents(tx, row["quiz_id"], row["quiz_revision"])
    question, quiz = contents.questions[question_id], contents.quiz
    answers = tx.all(
        "answers_to_question", game_id=row["id"], game_created_at=row["created_at"], question_id=question_id
    )
    verdicts = {
        m["answer_key"]: m["verdict"]
        for m in tx.all("current_markings", game_id=row["id"], question_id=question_id)
    }
    scores = scoring.score(
        to_scoring_question(question),
        [to_scoring_answer(a) for a in answers],
        speed_bonus=quiz["speed_bonus"],
        negative=question["negative_marking"],
        verdicts=verdicts,
    )
    if scores:
        ids = list(scores)
        tx.run(
            "set_scores",
            game_created_at=row["created_at"],
            ids=ids,
            correct=[scores[i][0] for i in ids],
            points=[scores[i][1] for i in ids],
        )
    for answer in answers:
        if answer["id"] in scores:
            answer["correct"], answer["points"] = scores[answer["id"]]
    return answers


def close_due():
    """Close every question whose deadline has passed, by the clock (actor "timer"); the snapshots
    of the games closed by this call. Any number of processes may call this at once: each due game
    is closed exactly once."""
    with db.transaction() as tx:
        due = tx.all("due_games")
        closed = [_move(tx, row, "close_question", "timer") for row in due]
    # Closed means committed: answers are refused from here on. (The deadline is PostgreSQL's
    # clock, this is the app's: on one machine, or with NTP, they differ by far less than a bucket.)
    closed_at = time.time()
    for row, snap in zip(due, closed, strict=True):
        metrics.DEADLINE_LATENESS.observe(closed_at - row["deadline_at"].timestamp())
        remember(snap.game)
    return closed


def audit(tx, game_id, actor, action, detail):
    tx.run("insert_audit", game_id=game_id, actor=actor, action=action, detail=detail)
