"""The host's scores page: every team's points for every question, corrections with a reason,
fixing a wrong answer key after the fact (re-scoring everyone), and the audit log."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from . import db, games, live, questions, snapshot, templating, views
from .accounts import login_required
from .validation import Validation

bp = Blueprint("corrections", __name__)


def _page(game, errors=None, form=None, status=200):
    snap = snapshot.load(game["id"])
    corrections = {
        (c["team_id"], c["question_id"]): c for c in db.all("current_corrections", game_id=game["id"])
    }
    played = snap.played()
    return render_template(
        "corrections/table.html",
        snap=snap,
        played=played,
        lines=lines(snap, played),
        corrections=corrections,
        kinds=questions.KINDS,
        errors=errors or {},
        form=form or {},
    ), status


def lines(snap, played):
    """Each team's game, best first: the points of every question played, its paper sheets and
    what its joker added; together they make its total, so a host can check the sum by eye."""
    result = []
    for _rank, team in snap.leaderboard:
        paper = [v for (t, _round), v in snap.paper.items() if t == team["id"]]
        line = {
            "team": team,
            "points": [snap.points.get((team["id"], q["id"])) for _, q in played],
            "paper": sum(paper) if team["paper"] else None,
            "joker": snap.joker_bonus(team["id"]),
        }
        joker_round = snap.jokers.get(team["id"])
        if joker_round:  # the joker's round counts twice: once in its cells, once more here
            line["joker_round"] = (
                f"R{snap.outline.round_number(joker_round)}",
                snap.outline.describe_round(joker_round),
            )
        result.append(line)
    return result


@bp.get("/host/<code>/scores")
@login_required
def table(code):
    return _page(views.own_game(code))


@bp.post("/host/<code>/scores/correct")
@login_required
def correct(code):
    """Set a team's points for a question, with a reason. The newest correction counts."""
    game = views.own_game(code)
    v = Validation(request.form)
    team_id = v.integer("team_id", _("Team"), minimum=1, maximum=2**62)
    question_id = v.integer("question_id", _("Question"), minimum=1, maximum=2**62)
    points = v.points("points", _("Points"))
    reason = v.text("reason", _("A reason"), max_length=200)
    team = v.ok and db.one("team_by_id", id=team_id, game_id=game["id"])
    question = v.ok and db.one("question_by_id", id=question_id)
    if v.ok and (not team or team["kicked_at"] or not question or question["quiz_id"] != game["quiz_id"]):
        v.error("team_id", _("That team or question is not part of this game."))
    if not v.ok:
        return _page(game, v.errors, request.form, 422)
    with db.transaction() as tx:
        tx.run(
            "insert_correction",
            game_id=game["id"],
            team_id=team_id,
            question_id=question_id,
            points=points,
            reason=reason,
            actor=views.actor(),
        )
        snap = snapshot.read(tx, game["id"])
        said = templating.points_said(points)
        games.audit(
            tx,
            game["id"],
            views.actor(),
            "correct points",
            f"{team['name']}, {snap.outline.describe(question)}: {said} ({reason})",
        )
    live.publish(snap)
    flash(f"{team['name']} now has {said} for {snap.outline.numbered(question_id)}.")
    return redirect(url_for("corrections.table", code=game["code"]), 303)


@bp.post("/host/<code>/scores/key/<int:question_id>")
@login_required
def fix_key(code, question_id):
    """The answer key was wrong: change it and score every team's answer again."""
    game = views.own_game(code)
    question = db.one("question_by_id", id=question_id)
    if question is None or question["quiz_id"] != game["quiz_id"]:
        abort(404)
    # Only the key changes: the question's text, options, time and points stay as they are.
    form = dict(
        request.form,
        kind=question["kind"],
        prompt=question["prompt"],
        time_limit=str(question["time_limit"]),
        points=str(question["points"]),
        **{f"option_{i}": option for i, option in enumerate(question["options"])},
    )
    values, errors = questions.parse(form)
    if errors:
        return _page(game, {f"key-{question_id}": next(iter(errors.values()))}, request.form, 422)
    with db.transaction() as tx:
        tx.run(
            "update_answer_key",
            id=question_id,
            correct_option=values["correct_option"],
            accepted=values["accepted"],
            numeric_answer=values["numeric_answer"],
            tolerance=values["tolerance"],
        )
        # Read after the key changed: the row's quiz_revision is the new one, so rescoring and the
        # snapshot use the new key, in this process and (at their next change) in every other.
        game_row = tx.one("game_by_id", id=game["id"])
        games.rescore(tx, game_row, question_id)
        snap = snapshot.build(tx, game_row)
        games.audit(tx, game["id"], views.actor(), "fix answer key", snap.outline.describe(question))
    live.publish(snap)
    flash(_("Answer key changed; every team's answer was scored again."))
    return redirect(url_for("corrections.table", code=game["code"]), 303)


@bp.get("/host/<code>/audit")
@login_required
def audit_log(code):
    game = views.own_game(code)
    return render_template(
        "corrections/audit.html", code=game["code"], entries=db.all("audit_of_game", game_id=game["id"])
    )
