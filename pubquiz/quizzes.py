"""Authoring: a host's quizzes, their rounds and their questions."""

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from . import confirm, db, library, questions, seasons, snapshot, standings, used_before
from .accounts import login_required, owned
from .validation import Validation

bp = Blueprint("quizzes", __name__)


def _index_page(form=None, errors=None, status=200):
    """The host's quizzes and games; an ended game with its podium, as its results page has it."""
    games = db.all("games_of_host", host_id=g.host["id"])
    with db.transaction() as tx:
        podiums = {
            game["id"]: standings.podium(snapshot.read(tx, game["id"]))
            for game in games
            if game["phase"] == "ended"
        }
    return render_template(
        "quizzes/index.html",
        quizzes=db.all("quizzes_of_host", host_id=g.host["id"]),
        games=games,
        podiums=podiums,
        seasons=seasons.own(g.host["id"]),
        form=form or {},
        errors=errors or {},
    ), status


@bp.get("/quizzes")
@login_required
def index():
    return _index_page()


@bp.post("/quizzes")
@login_required
def create_quiz():
    v = Validation(request.form)
    title = v.text("title", _("Title"), max_length=120)
    if not v.ok:
        return _index_page(request.form, v.errors, 422)
    with db.transaction() as tx:
        quiz_id = tx.value("insert_quiz", host_id=g.host["id"], title=title)
        tx.run("insert_round", quiz_id=quiz_id, title="Round 1")
    return redirect(url_for("quizzes.edit", quiz_id=quiz_id), 303)


def _quiz_page(quiz, errors=None, form=None, status=200):
    rounds = db.all("rounds_of_quiz", quiz_id=quiz["id"])
    by_round = {r["id"]: [] for r in rounds}
    for question in db.all("questions_of_quiz", quiz_id=quiz["id"]):
        by_round[question["round_id"]].append(question)
    return render_template(
        "quizzes/edit.html",
        quiz=quiz,
        rounds=rounds,
        by_round=by_round,
        kinds=questions.KINDS,
        difficulties=questions.DIFFICULTIES,
        errors=errors or {},
        form=form or quiz,
        confirm_delete_quiz=confirm.delete_quiz(db.one("quiz_contents", id=quiz["id"])),
        confirm_delete_round=confirm.delete_round,
        used=used_before.for_quiz(g.host["id"], quiz["id"], request.args.get("venue")),
    ), status


@bp.get("/quizzes/<int:quiz_id>")
@login_required
def edit(quiz_id):
    return _quiz_page(owned(db.one("quiz_by_id", id=quiz_id)))


@bp.post("/quizzes/<int:quiz_id>")
@login_required
def update_quiz(quiz_id):
    quiz = owned(db.one("quiz_by_id", id=quiz_id))
    values, errors = questions.parse_quiz(request.form)
    if errors:
        return _quiz_page(quiz, errors, request.form, 422)
    db.run("update_quiz", id=quiz_id, **values)
    flash(_("Quiz saved."))
    return redirect(url_for("quizzes.edit", quiz_id=quiz_id), 303)


@bp.post("/quizzes/<int:quiz_id>/duplicate")
@login_required
def duplicate_quiz(quiz_id):
    """A copy of the whole quiz (settings, rounds, questions, pictures and sounds) to change
    for another night, written in one transaction."""
    owned(db.one("quiz_by_id", id=quiz_id))
    quiz = library.load(quiz_id)
    suffix = " (copy)"
    quiz.values["title"] = quiz.values["title"][: 120 - len(suffix)] + suffix
    copy_id = library.save(g.host["id"], quiz)
    flash(_("This is a copy: “%(quiz)s”.", quiz=quiz.values["title"]))
    return redirect(url_for("quizzes.edit", quiz_id=copy_id), 303)


@bp.get("/quizzes/<int:quiz_id>/delete/confirm")
@login_required
def confirm_delete_quiz(quiz_id):
    quiz = owned(db.one("quiz_by_id", id=quiz_id))
    return confirm.page(
        _("Delete the quiz “%(quiz)s”?", quiz=quiz["title"]),
        confirm.delete_quiz(db.one("quiz_contents", id=quiz_id)),
        url_for("quizzes.delete_quiz", quiz_id=quiz_id),
        _("Delete the quiz"),
        url_for("quizzes.edit", quiz_id=quiz_id),
    )


@bp.post("/quizzes/<int:quiz_id>/delete")
@login_required
def delete_quiz(quiz_id):
    owned(db.one("quiz_by_id", id=quiz_id))
    if not confirm.confirmed():
        return confirm.ask(url_for("quizzes.confirm_delete_quiz", quiz_id=quiz_id))
    db.run("delete_quiz", id=quiz_id)
    flash(_("Quiz deleted."))
    return redirect(url_for("quizzes.index"), 303)


@bp.post("/quizzes/<int:quiz_id>/rounds")
@login_required
def add_round(quiz_id):
    quiz = owned(db.one("quiz_by_id", id=quiz_id))
    v = Validation(request.form)
    title = v.text("round_title", _("Round title"), max_length=120)
    if not v.ok:
        return _quiz_page(quiz, v.errors, request.form, 422)
    db.one("insert_round", quiz_id=quiz_id, title=title)
    return redirect(url_for("quizzes.edit", quiz_id=quiz_id), 303)


@bp.post("/rounds/<int:round_id>")
@login_required
def update_round(round_id):
    round_ = owned(db.one("round_by_id", id=round_id))
    values, errors = questions.parse_round(request.form)
    if errors:
        flash(errors["title"], "error")
    else:
        db.run("update_round", id=round_id, **values)
    return redirect(url_for("quizzes.edit", quiz_id=round_["quiz_id"]), 303)


@bp.get("/rounds/<int:round_id>/delete/confirm")
@login_required
def confirm_delete_round(round_id):
    round_ = owned(db.one("round_by_id", id=round_id))
    questions_in_round = len(db.all("questions_of_round", round_id=round_id))
    return confirm.page(
        _("Delete the round “%(round)s”?", round=round_["title"]),
        confirm.delete_round(questions_in_round),
        url_for("quizzes.delete_round", round_id=round_id),
        _("Delete the round"),
        url_for("quizzes.edit", quiz_id=round_["quiz_id"]) + f"#round-{round_id}",
    )


@bp.post("/rounds/<int:round_id>/delete")
@login_required
def delete_round(round_id):
    round_ = owned(db.one("round_by_id", id=round_id))
    if not confirm.confirmed():
        return confirm.ask(url_for("quizzes.confirm_delete_round", round_id=round_id))
    db.run("delete_round", id=round_id)
    flash(_("Round “%(round)s” deleted.", round=round_["title"]))
    return redirect(url_for("quizzes.edit", quiz_id=round_["quiz_id"]), 303)


def _moved(ids, item_id, direction):
    """ids with item_id swapped with its neighbour up (-1) or down (+1)."""
    ids = list(ids)
    i = ids.index(item_id)
    j = i + direction
    if 0 <= j < len(ids):
        ids[i], ids[j] = ids[j], ids[i]
    return ids


def _direction():
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400, _("Move up or down."))
    return -1 if direction == "up" else 1


@bp.post("/rounds/<int:round_id>/move")
@login_required
def move_round(round_id):
    round_ = owned(db.one("round_by_id", id=round_id))
    with db.transaction() as tx:
        ids = [r["id"] for r in tx.all("rounds_of_quiz", quiz_id=round_["quiz_id"])]
        tx.run("set_round_positions", ids=_moved(ids, round_id, _direction()))
    return redirect(url_for("quizzes.edit", quiz_id=round_["quiz_id"]), 303)


def _question_page(round_, question, form, errors=None):
    """The question form: empty for a new question, filled in to edit one, or sent back with
    what was typed and what is wrong with it (422)."""
    page = render_template(
        "quizzes/question.html",
        round=round_,
        question=question,
        form=form,
        kinds=questions.KINDS,
        difficulties=questions.DIFFICULTIES,
        errors=errors or {},
    )
    return (page, 422) if errors else page


@bp.get("/rounds/<int:round_id>/questions/new")
@login_required
def new_question(round_id):
    round_ = owned(db.one("round_by_id", id=round_id))
    return _question_page(round_, None, questions.blank(request.args.get("kind", "choice")))


@bp.post("/rounds/<int:round_id>/questions")
@login_required
def create_question(round_id):
    round_ = owned(db.one("round_by_id", id=round_id))
    values, errors = questions.parse(request.form)
    if errors:
        return _question_page(round_, None, values, errors)
    db.one("insert_question", round_id=round_id, **values)
    flash(_("Question added."))
    return redirect(url_for("quizzes.edit", quiz_id=round_["quiz_id"]) + f"#round-{round_id}", 303)


@bp.get("/questions/<int:question_id>")
@login_required
def edit_question(question_id):
    question = owned(db.one("question_by_id", id=question_id))
    round_ = db.one("round_by_id", id=question["round_id"])
    return _question_page(round_, question, question)


@bp.post("/questions/<int:question_id>")
@login_required
def update_question(question_id):
    question = owned(db.one("question_by_id", id=question_id))
    values, errors = questions.parse(request.form)
    if errors:
        return _question_page(db.one("round_by_id", id=question["round_id"]), question, values, errors)
    db.run("update_question", id=question_id, **values)
    flash(_("Question saved."))
    return redirect(
        url_for("quizzes.edit", quiz_id=question["quiz_id"]) + f"#round-{question['round_id']}", 303
    )


@bp.post("/questions/<int:question_id>/delete")
@login_required
def delete_question(question_id):
    question = owned(db.one("question_by_id", id=question_id))
    db.run("delete_question", id=question_id)
    flash(_("Question deleted."))
    return redirect(url_for("quizzes.edit", quiz_id=question["quiz_id"]), 303)


@bp.post("/questions/<int:question_id>/move")
@login_required
def move_question(question_id):
    question = owned(db.one("question_by_id", id=question_id))
    with db.transaction() as tx:
        ids = [q["id"] for q in tx.all("questions_of_round", round_id=question["round_id"])]
        tx.run("set_question_positions", ids=_moved(ids, question_id, _direction()))
    return redirect(
        url_for("quizzes.edit", quiz_id=question["quiz_id"]) + f"#round-{question['round_id']}", 303
    )
