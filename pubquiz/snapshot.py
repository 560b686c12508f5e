"""Everything the host console, the projector and the phones show of one game, built once per
change (never once per client), inside the change's own transaction: build() takes the game row
that transaction holds. A GET page, which changes nothing, load()s one."""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import cached_property
from typing import NamedTuple

from . import contents, db, rules, scoring

QUESTION_PHASES = ("question", "closed", "reveal", "leaderboard")
# The team names the projector's lobby holds even when each has the 30 characters a name may have
# (two to a row at every 16:9 size, tests/e2e/test_projector.py); a fuller pub sees the rest counted.
LOBBY_NAMES = 24


class Said(NamedTuple):
    """A team's answer to the current question, as its result shows it."""

    choice: int | None
    text: str | None
    number: object
    correct: bool | None


class JokerRound(NamedTuple):
    id: int
    title: str


class TeamResult(NamedTuple):
    """Everything of one team that its own result fragment (play/_result.html) shows, and nothing
    else: the fragment reads a team only through this, so teams with equal results see the same
    fragment and a reveal renders it once per distinct result, not once per team. (A NamedTuple:
    one is made per team per change, and a tuple is the cheapest hashable record to make.)"""

    rank: int | None
    total: object
    answer: Said | None
    points: object  # what the current question gave the team (None: nothing yet)
    joker_doubles: bool  # its joker doubles the round being played
    joker_title: str | None  # the round it played its joker on
    open_joker_rounds: tuple[JokerRound, ...]
    in_tiebreak: bool
    tiebreak_guess: object


@dataclass
class Snapshot:
    game: dict
    quiz: dict
    outline: contents.Outline
    teams: list  # in play (kicked teams left out), paper teams included
    question: dict | None = None
    answers: list = field(default_factory=list)  # to the current question
    leaderboard: list = field(default_factory=list)  # [(rank, team row with total)]
    points: dict = field(default_factory=dict)  # (team id, question id) -> effective points
    corrected: dict = field(default_factory=dict)  # (team id, question id) -> what a correction changed
    jokers: dict = field(default_factory=dict)  # team id -> round id
    paper: dict = field(default_factory=dict)  # (team id, round id) -> points typed in
    tiebreak: dict | None = None  # the latest tie-break, with its guesses
    allowed: list = field(default_factory=list)
    questions: dict = field(default_factory=dict)  # every question of the quiz by id

    @property
    def phase(self):
        return self.game["phase"]

    @property
    def paused(self):
        return self.game["paused_at"] is not None

    @property
    def answered(self):
        return len(self.answers)

    @property
    def phone_teams(self):
        return [t for t in self.teams if not t["paper"]]

    @property
    def waiting_names(self):
        """The names of the phone teams that have not answered the current question."""
        answered = self._answer_of
        return [t["name"] for t in self.teams if not t["paper"] and t["id"] not in answered]

    @property
    def lobby_names(self):
        """The first LOBBY_NAMES teams to join, in name order, and how many more there are."""
        first = set(sorted(t["id"] for t in self.teams)[:LOBBY_NAMES])
        return [t for t in self.teams if t["id"] in first], len(self.teams) - len(first)

    @property
    def round(self):
        rounds = self.outline.rounds
        return rounds[self.game["round_index"]] if rounds else None

    @property
    def round_number(self):
        return self.game["round_index"] + 1

    @property
    def round_title(self):
        return self.round["title"] if self.round else ""

    @property
    def question_number(self):
        return self.game["question_index"] + 1

    @property
    def questions_in_round(self):
        ids = self.outline.question_ids
        return len(ids[self.game["round_index"]]) if ids else 0

    @property
    def is_last_question(self):
        return rules.is_last_question(rules.position(self.game), self.outline.question_ids)

    @property
    def jokers_this_round(self):
        round_id = self.round and self.round["id"]
        return [t for t in self.teams if self.jokers.get(t["id"]) == round_id]

    def joker_doubles(self, team_id):
        """Whether this team's joker doubles the points of the round being played."""
        return self.round is not None and self.jokers.get(team_id) == self.round["id"]

    @property
    def points_scored(self):
        """Whether any team has any points (or lost some) yet: before that a rank means nothing."""
        return any(row["total"] for _, row in self.leaderboard)

    @property
    def first_places(self):
        return sum(1 for rank, _ in self.leaderboard if rank == 1)

    def joker_rounds_open_for(self, team_id):
        """The joker-eligible rounds this team may still play its joker on (none once played)."""
        return [] if team_id in self.jokers else self._joker_rounds_open

    @cached_property
    def _joker_rounds_open(self):
        """The joker-eligible rounds still ahead: open to every team that has not played its joker."""
        current = self.game["round_index"]
        started = self.phase not in ("lobby", "intro") or self.game["question_index"] >= 0
        return [
            r
            for index, r in enumerate(self.outline.rounds)
            if r["joker_eligible"]
            and (index > current or (index == current and not started))
            and self.phase != "ended"
        ]

    @property
    def seconds_left(self):
        deadline = self.game["deadline_at"]
        if deadline is None:
            return 0.0
        now = self.game["paused_at"] or datetime.now(UTC)
        return max(0.0, (deadline - now).total_seconds())

    @property
    def deadline_ms(self):
        deadline = self.game["deadline_at"]
        return int(deadline.timestamp() * 1000) if deadline else 0

    @property
    def spread(self):
        if not self.question:
            return []
        return scoring.spread(
            contents.to_scoring_question(self.question),
            self.question["options"],
            [contents.to_scoring_answer(a) for a in self.answers],
        )

    @property
    def podium_ties(self):
        return scoring.podium_ties([(rank, row["id"], row["total"]) for rank, row in self.leaderboard])

    def played(self):
        """[(round, question)] of the questions that have been opened, in quiz order."""
        reached = (self.game["round_index"], self.game["question_index"])
        over = self.phase in ("ended", "tiebreak")
        return [
            (round_, self.questions[q])
            for index, (round_, ids) in enumerate(
                zip(self.outline.rounds, self.outline.question_ids, strict=True)
            )
            for position, q in enumerate(ids)
            if over or (index, position) <= reached
        ]

    def closed_text_questions(self):
        """Free-text questions whose answers are in (ready for marking), newest first."""
        current = self.question and self.question["id"]
        return [
            q
            for _, q in reversed(self.played())
            if q["kind"] == "text" and not (q["id"] == current and self.phase == "question")
        ]

    def round_points(self, team_id):
        """{round id: points} of one team: its answers (as corrected) and its paper sheet in each
        round, before its joker counts one of them twice. The leaderboard's total is their sum
        plus joker_bonus; the scores page and the results add them up the same way."""
        return {
            round_["id"]: self.paper.get((team_id, round_["id"]), 0)
            + sum(self.points.get((team_id, q), 0) for q in ids)
            for round_, ids in zip(self.outline.rounds, self.outline.question_ids, strict=True)
        }

    def joker_bonus(self, team_id):
        """What the team's joker added (its round's points once more), None without a joker."""
        round_id = self.jokers.get(team_id)
        return self.round_points(team_id).get(round_id, 0) if round_id else None

    def team_name(self, team_id):
        return next((t["name"] for t in self.teams if t["id"] == team_id), "?")

    @cached_property
    def _standings(self):
        return {row["id"]: (rank, row["total"]) for rank, row in self.leaderboard}

    @cached_property
    def _answer_of(self):
        return {a["team_id"]: a for a in self.answers}

    def rank_of(self, team_id):
        return self._standings.get(team_id, (None, 0))

    @cached_property
    def _round_titles(self):
        return {r["id"]: r["title"] for r in self.outline.rounds}

    @cached_property
    def _joker_rounds_for_all(self):
        return tuple(JokerRound(r["id"], r["title"]) for r in self._joker_rounds_open)

    def result_of(self, team_id):
        """What this team's own result fragment shows now. Called for every team on every change
        that shows results: what all teams share is worked out once per snapshot."""
        rank, total = self.rank_of(team_id)
        answer = self._answer_of.get(team_id)
        joker_round = self.jokers.get(team_id)
        tb = self.tiebreak
        in_tiebreak = self.phase == "tiebreak" and tb is not None and team_id in tb["team_ids"]
        return TeamResult(
            rank=rank,
            total=total,
            answer=answer and Said(answer["choice"], answer["text"], answer["number"], answer["correct"]),
            points=self.question and self.points.get((team_id, self.question["id"])),
            joker_doubles=joker_round is not None and self.joker_doubles(team_id),
            joker_title=joker_round and self._round_titles.get(joker_round, "a round"),
            open_joker_rounds=() if joker_round is not None else self._joker_rounds_for_all,
            in_tiebreak=in_tiebreak,
            tiebreak_guess=tb["guesses"].get(team_id) if in_tiebreak else None,
        )

    def shown_leaderboard(self, limit=None):
        """The leaderboard as the projector may show it: the quiz's top N at most."""
        top = self.quiz["leaderboard_top"]
        limit = min(limit or top or 1000, top or 1000)
        return self.leaderboard[:limit]


def load(game_id):
    """The game as it is now, for a page that shows it; None when there is no such game (on a
    read replica, not yet)."""
    with db.transaction() as tx:
        row = tx.one("game_by_id", id=game_id)
        return row and build(tx, row)


def read(tx, game_id):
    """The snapshot of a game read in this transaction: after a change's writes, or for a page."""
    return build(tx, tx.one("game_by_id", id=game_id))


def build(tx, row, answers=None):
    """The snapshot of a game from its row (with quiz_revision) as this transaction holds it: the
    quiz's contents come from the cache, the rest is read here, in one statement. answers: the
    current question's answers when the caller knows them already (none for a question this
    change opened), so they are not read again."""
    game_id = row["id"]
    quiz = contents.quiz_contents(tx, row["quiz_id"], row["quiz_revision"])
    current = row["question_id"] if row["phase"] in QUESTION_PHASES else None
    state = tx.one(
        "game_state",
        game_id=game_id,
        game_created_at=row["created_at"],
        question_id=current if answers is None else None,
    )
    snap = Snapshot(
        game=row,
        quiz=quiz.quiz,
        outline=quiz.outline,
        teams=_json(state["teams"]),
        questions=quiz.questions,
    )
    if current:
        snap.question = snap.questions[current]
        snap.answers = _json(state["answers"]) if answers is None else answers
    scored = [{"team_id": t, "question_id": q, "points": p} for t, q, p in _json(state["scored"])]
    extras = _json(state["extras"])
    closed = []
    if row["phase"] in ("tiebreak", "ended"):  # tie-breaks only happen at the end
        snap.tiebreak = tx.one("latest_tiebreak", game_id=game_id)
        if snap.tiebreak:
            snap.tiebreak["guesses"] = _guesses(tx, snap.tiebreak)
        # Every closed tie-break decides places, not only the latest (see _rank).
        closed = tx.all("closed_tiebreaks", game_id=game_id)
        for tb in closed:
            tb["guesses"] = _guesses(tx, tb)
    snap.jokers = {e["team_id"]: e["round_id"] for e in extras if e["kind"] == "joker"}
    _rank(
        snap,
        scored,
        [e for e in extras if e["kind"] == "correction"],
        [e for e in extras if e["kind"] == "paper"],
        closed,
    )
    snap.allowed = rules.allowed_actions(
        rules.position(row), snap.outline.question_ids, snap.quiz["leaderboard_mode"]
    )
    return snap


def _json(text):
    """game_state's JSON: numbers with a fraction as Decimal, like psycopg reads a numeric."""
    return json.loads(text, parse_float=Decimal)


def _guesses(tx, tiebreak):
    return {a["team_id"]: a["number"] for a in tx.all("tiebreak_answers", tiebreak_id=tiebreak["id"])}


def _rank(snap, scored, corrections, paper, closed_tiebreaks=()):
    round_of = snap.outline.round_of
    points = {(a["team_id"], a["question_id"]): a["points"] for a in scored if a["question_id"] in round_of}
    fixed = {
        (c["team_id"], c["question_id"]): c["points"] for c in corrections if c["question_id"] in round_of
    }
    snap.points = {**points, **fixed}
    snap.corrected = {key: value - points.get(key, 0) for key, value in fixed.items()}
    snap.paper = {(p["team_id"], p["round_id"]): p["points"] for p in paper}
    totals = scoring.totals(points, round_of, fixed, snap.jokers, snap.paper)
    # Each team's standing is its places in the closed tie-breaks it played, in order; equal
    # standings share a place. (With only the latest counting, settling a tie for third would
    # undo the one for first.)
    standing = {}
    for tb in closed_tiebreaks:
        found = scoring.tiebreak_places(tb["answer"], tb["guesses"])
        for team in tb["team_ids"]:
            standing[team] = standing.get(team, ()) + (found.get(team, len(tb["team_ids"]) + 1),)
    order = sorted(set(standing.values()))
    places = {team: order.index(key) + 1 for team, key in standing.items()}
    teams = {t["id"]: t for t in snap.teams}
    ranked = scoring.rank({team_id: totals.get(team_id, 0) for team_id in teams}, places)
    snap.leaderboard = [(rank, dict(teams[team_id], total=total)) for rank, team_id, total in ranked]
