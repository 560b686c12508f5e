"""The question bank: every question the host has written, in whichever quiz it sits, found by
its words (accents ignored), kind, category and difficulty, and copied into a round."""

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from . import db, questions
from .accounts import login_required, owned

bp = Blueprint("bank", __name__)
PAGE_SIZE = 50
SEARCH_ARGS = ("q", "kind", "category", "difficulty")


def search_filters(args):
    """The search's filters from the query string: None for each one left empty or unknown."""

    def clean(name, allowed=None):
        value = " ".join((args.get(name) or "").split())[:200] or None
        return value if allowed is None or value in allowed else None

    return {
        "words": clean("q"),
        "kind": clean("kind", questions.KINDS),
        "category": clean("category"),
        "difficulty": clean("difficulty", questions.DIFFICULTIES),
    }


def _page_number(args):
    try:
        return max(1, int(args.get("page", 1)))
    except ValueError:
        return 1


@bp.get("/quizzes/bank")
@login_required
def search():
    filters = search_filters(request.args)
    page = _page_number(request.args)
    to_round = None
    if request.args.get("to_round"):
        to_round = owned(db.one("round_by_id", id=_round_id(request.args)))
    # One row more than a page tells whether there is a next page.
    rows = db.may_be_stale(
        db.all,
        "bank_questions",
        host_id=g.host["id"],
        limit=PAGE_SIZE + 1,
        offset=(page - 1) * PAGE_SIZE,
        **filters,
    )
    return render_template(
        "quizzes/bank.html",
        results=rows[:PAGE_SIZE],
        more=len(rows) > PAGE_SIZE,
        page=page,
        page_size=PAGE_SIZE,
        filters=filters,
        args={k: request.args[k] for k in SEARCH_ARGS if request.args.get(k)},
        categories=[r["category"] for r in db.may_be_stale(db.all, "bank_categories", host_id=g.host["id"])],
        kinds=questions.KINDS,
        difficulties=questions.DIFFICULTIES,
        to_round=to_round,
    )


def _round_id(values):
    try:
        return int(values.get("to_round", ""))
    except ValueError:
        abort(400, _("Choose the round to add the question to (from the editor's “Add from the bank”)."))


@bp.post("/quizzes/bank/<int:question_id>/copy")
@login_required
def copy(question_id):
    """Appends a copy of one of the host's questions to one of their rounds."""
    question = owned(db.one("question_by_id", id=question_id))
    round_ = owned(db.one("round_by_id", id=_round_id(request.form)))
    db.one("copy_question", id=question["id"], round_id=round_["id"])
    flash(_("“%(question)s” added to %(round)s.", question=question["prompt"], round=round_["title"]))
    # Back to the same search, for the next question to add.
    search_args = {k: request.form[k] for k in (*SEARCH_ARGS, "page") if request.form.get(k)}
    return redirect(url_for("bank.search", to_round=round_["id"], **search_args), 303)
