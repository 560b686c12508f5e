"""A quiz's contents as its games play them: the outline (rounds and their questions, in order),
every question, kept per process under the quiz's revision (nothing to invalidate: an edit gives
the quiz a new revision), and its rows as the scoring rules take them."""

from dataclasses import dataclass
from decimal import Decimal

from flask import current_app

from . import scoring


@dataclass
class Outline:
    """The quiz as played: rounds that have questions, in order."""

    rounds: list  # round rows: id, title, joker_eligible, negative_marking
    question_ids: list  # one tuple of question ids per round

    @classmethod
    def from_rows(cls, rows):
        """From rows with round_id, round_title, joker_eligible, negative_marking and question_id
        (or id), in quiz order."""
        rounds, ids = [], []
        for row in rows:
            if not rounds or rounds[-1]["id"] != row["round_id"]:
                rounds.append(
                    {
                        "id": row["round_id"],
                        "title": row["round_title"],
                        "joker_eligible": row["joker_eligible"],
                        "negative_marking": row["negative_marking"],
                    }
                )
                ids.append([])
            ids[-1].append(row.get("question_id", row.get("id")))
        return cls(rounds, [tuple(r) for r in ids])

    @property
    def round_of(self):
        return {q: r["id"] for r, qs in zip(self.rounds, self.question_ids, strict=True) for q in qs}

    def numbered(self, question_id):
        """A question's place as people say it: "R2 Q1" (round 2, its first question)."""
        for number, ids in enumerate(self.question_ids, start=1):
            if question_id in ids:
                return f"R{number} Q{ids.index(question_id) + 1}"
        return "a question no longer in the quiz"

    def describe(self, question):
        """A question for the audit log: R2 Q1 “Capital of France?”."""
        return f"{self.numbered(question['id'])} “{question['prompt'][:60]}”"

    def round_number(self, round_id):
        return next(n for n, r in enumerate(self.rounds, start=1) if r["id"] == round_id)

    def describe_round(self, round_id):
        """A round for the audit log: round 2 “Music”."""
        number = self.round_number(round_id)
        return f"round {number} “{self.rounds[number - 1]['title']}”"


@dataclass(frozen=True)
class QuizContents:
    """What a quiz holds at one revision: shared by every snapshot of its games, never changed."""

    quiz: dict
    questions: dict  # every question by id, in quiz order
    outline: Outline


def quiz_contents(tx, quiz_id, revision):
    """A quiz's contents at the revision the caller's transaction read with the game row
    (quiz_revision): from this process's cache, or read in that transaction and kept."""
    cache = current_app.extensions["quizzes"]
    contents = cache.get(quiz_id, revision)
    if contents is None:
        quiz = tx.one("quiz_by_id", id=quiz_id)
        questions = tx.all("questions_of_quiz", quiz_id=quiz_id)
        contents = QuizContents(quiz, {q["id"]: q for q in questions}, Outline.from_rows(questions))
        # Kept under the revision of the quiz row: the questions, read after it, are of that
        # revision or a newer one, never an older one.
        cache.put(quiz_id, quiz["revision"], contents)
    return contents


def to_scoring_question(q):
    return scoring.Question(
        kind=q["kind"],
        points=q["points"],
        time_limit=q["time_limit"],
        correct_option=q["correct_option"],
        accepted=tuple(q["accepted"]),
        numeric_answer=q["numeric_answer"],
        tolerance=q["tolerance"] or Decimal(0),
    )


def to_scoring_answer(a):
    return scoring.Answer(
        id=a["id"],
        choice=a["choice"],
        text=a["text"],
        number=a["number"],
        seconds_taken=float(a.get("seconds_taken") or 0),
    )
