"""Games in PostgreSQL: create one, move it (one transaction per transition, exactly once),
close questions at their deadlines, and read a snapshot for rendering."""
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal

from flask import current_app

from . import db, game, scoring

# No 0/O, 1/I/L: a code read off a projector across a pub is typed right the first time.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


def new_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw):
    return "".join((raw or "").split()).upper()[:20]


def create(quiz_id, host_id):
    while True:  # a clash among ~887 million codes is rare; the unique index catches it
        row = db.one("insert_game", quiz_id=quiz_id, host_id=host_id, code=new_code())
        if row:
            return _remember(row)


# What requests need of a game without reading the database: who owns it, where it is.
CACHED = ("id", "code", "host_id", "quiz_id", "phase", "version", "deadline_ms")


def _remember(row):
    deadline = row.get("deadline_at")
    state = dict({k: row[k] for k in CACHED if k in row},
                 deadline_ms=int(deadline.timestamp() * 1000) if deadline else 0)
    current_app.extensions["cache"].put("game:" + row["code"], state)
    return state


def by_code(code):
    """A game's cached state (CACHED fields) by its join code, or None when there is no such game.
    Transitions store their new state after commit, so this is never older than the last one."""
    code = normalise_code(code)
    if not code:
        return None
    state = current_app.extensions["cache"].get("game:" + code)
    if state is None:
        row = db.one("game_by_code", code=code)
        state = row and _remember(row)
    return state


@dataclass
class Outline:
    """The quiz as played: rounds that have questions, in order."""
    round_titles: list
    question_ids: list  # one tuple of question ids per round

    @classmethod
    def load(cls, tx, quiz_id):
        titles, ids = [], []
        current = None
        for row in tx.all("quiz_outline", quiz_id=quiz_id):
            if row["round_id"] != current:
                current = row["round_id"]
                titles.append(row["round_title"])
                ids.append([])
            ids[-1].append(row["question_id"])
        return cls(titles, [tuple(r) for r in ids])


def position(row):
    return game.Position(row["phase"], row["round_index"], row["question_index"])


def transition(game_id, action, expected_version=None):
    """Apply a host action. Returns the new version and the seconds left when a question opened.
    Raises game.IllegalMove when the action does not fit the current state (e.g. a double click)."""
    with db.transaction() as tx:
        row = tx.one("lock_game", id=game_id)
        if expected_version is not None and row["version"] != expected_version:
            raise game.IllegalMove("The game had already moved on; the console now shows where it is.")
        moved = _move(tx, row, action)
    _remember(moved)
    return moved


def _move(tx, row, action):
    outline = Outline.load(tx, row["quiz_id"])
    new = game.apply(action, position(row), outline.question_ids)
    question_id = game.question_id(new, outline.question_ids)
    opens = action == "open_question"
    time_limit = tx.one("question_by_id", id=question_id)["time_limit"] if opens else 0
    if new.phase == "closed":
        _score(tx, row)
    return tx.one("move_game", id=row["id"], phase=new.phase, round_index=new.round_index,
                  question_index=new.question_index, question_id=question_id, opens=opens,
                  time_limit=time_limit)


def _score(tx, row):
    question = tx.one("question_by_id", id=row["question_id"])
    quiz = tx.one("quiz_by_id", id=row["quiz_id"])
    answers = tx.all("answers_to_question", game_id=row["id"], question_id=row["question_id"])
    scores = scoring.score(to_scoring_question(question), [to_scoring_answer(a) for a in answers],
                           speed_bonus=quiz["speed_bonus"])
    if scores:
        ids = list(scores)
        tx.run("set_scores", ids=ids, correct=[scores[i][0] for i in ids],
               points=[scores[i][1] for i in ids])


def close_due():
    """Close every question whose deadline has passed; ids of the games closed by this call.
    Any number of processes may call this at once: each due game is closed exactly once."""
    closed = []
    with db.transaction() as tx:
        for due in tx.all("due_games"):
            closed.append(_move(tx, tx.one("game_by_id", id=due["id"]), "close_question"))
    for row in closed:
        _remember(row)
    return [row["id"] for row in closed]


def to_scoring_question(q):
    return scoring.Question(kind=q["kind"], points=q["points"], time_limit=q["time_limit"],
                            correct_option=q["correct_option"], accepted=tuple(q["accepted"]),
                            numeric_answer=q["numeric_answer"], tolerance=q["tolerance"] or Decimal(0))


def to_scoring_answer(a):
    return scoring.Answer(id=a["id"], choice=a["choice"], text=a["text"], number=a["number"],
                          seconds_taken=float(a.get("seconds_taken") or 0))


@dataclass
class Snapshot:
    """Everything the host console, the projector and the phones show of one game."""
    game: dict
    quiz: dict
    outline: Outline
    teams: list
    question: dict | None = None
    answered: int = 0
    answers: list = field(default_factory=list)
    leaderboard: list = field(default_factory=list)  # [(rank, row)]
    allowed: list = field(default_factory=list)

    @property
    def phase(self):
        return self.game["phase"]

    @property
    def round_number(self):
        return self.game["round_index"] + 1

    @property
    def round_title(self):
        titles = self.outline.round_titles
        return titles[self.game["round_index"]] if titles else ""

    @property
    def question_number(self):
        return self.game["question_index"] + 1

    @property
    def questions_in_round(self):
        ids = self.outline.question_ids
        return len(ids[self.game["round_index"]]) if ids else 0

    @property
    def is_last_question(self):
        return game.is_last_question(position(self.game), self.outline.question_ids)

    @property
    def seconds_left(self):
        deadline = self.game["deadline_at"]
        if deadline is None:
            return 0.0
        return max(0.0, (deadline - datetime.now(timezone.utc)).total_seconds())

    @property
    def deadline_ms(self):
        deadline = self.game["deadline_at"]
        return int(deadline.timestamp() * 1000) if deadline else 0

    @property
    def spread(self):
        if not self.question:
            return []
        return scoring.spread(to_scoring_question(self.question), self.question["options"],
                              [to_scoring_answer(a) for a in self.answers])

    def rank_of(self, team_id):
        for rank, row in self.leaderboard:
            if row["id"] == team_id:
                return rank, row["total"]
        return None, 0


def snapshot(game_id):
    with db.transaction() as tx:
        row = tx.one("game_by_id", id=game_id)
        snap = Snapshot(game=row, quiz=tx.one("quiz_by_id", id=row["quiz_id"]),
                        outline=Outline.load(tx, row["quiz_id"]),
                        teams=tx.all("teams_of_game", game_id=game_id))
        if row["question_id"] and row["phase"] in ("question", "closed", "reveal", "leaderboard"):
            snap.question = tx.one("question_by_id", id=row["question_id"])
            snap.answers = tx.all("answers_to_question", game_id=game_id, question_id=row["question_id"])
            snap.answered = len(snap.answers)
        leaderboard = tx.all("leaderboard", game_id=game_id)
    totals = {r["id"]: r["total"] for r in leaderboard}
    rows = {r["id"]: r for r in leaderboard}
    snap.leaderboard = [(rank, rows[team_id]) for rank, team_id, _ in scoring.rank(totals)]
    snap.allowed = game.allowed_actions(position(row), snap.outline.question_ids)
    return snap
