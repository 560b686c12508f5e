"""Paper answer sheets of a quiz, for teams without a phone: a page per round with a line for the
team's name and a numbered line per question (the letters to circle for multiple choice), and a
round's pictures as a numbered handout on a page of their own. Printed from the browser."""

from flask import Blueprint, render_template

from . import contents, db
from .accounts import login_required, owned

bp = Blueprint("answer_sheets", __name__)


@bp.get("/quizzes/<int:quiz_id>/sheets")
@login_required
def show(quiz_id):
    quiz = owned(db.one("quiz_by_id", id=quiz_id))
    rows = db.all("questions_of_quiz", quiz_id=quiz_id)
    by_id = {q["id"]: q for q in rows}
    outline = contents.Outline.from_rows(rows)
    rounds = [
        (round_, [by_id[q] for q in ids])
        for round_, ids in zip(outline.rounds, outline.question_ids, strict=True)
    ]
    return render_template("answer_sheets/show.html", quiz=quiz, rounds=rounds)
