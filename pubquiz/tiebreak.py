"""Tie-breaks: when teams share a podium place at the end, the host asks those teams one numeric
question; the closest guess wins the better place. Shown on the projector as it happens."""

from flask import Blueprint, request, url_for
from flask_babel import gettext as _

from . import db, errors, games, live, snapshot, teams, views
from .accounts import login_required
from .validation import Validation

bp = Blueprint("tiebreak", __name__)
SECONDS = 60


@bp.post("/host/<code>/tiebreak")
@login_required
def start(code):
    game = views.own_game(code)
    snap = snapshot.load(game["id"])
    v = Validation(request.form)
    prompt = v.text("prompt", "The tie-break question", max_length=300)
    answer = v.number("answer", "The answer")
    tied = {int(t) for t in request.form.getlist("team") if t.isdigit()}
    if snap.phase != "ended" or not any(tied == set(group) for group in snap.podium_ties):
        return views.done(game, message=_("A tie-break is for teams that share a podium place at the end."))
    if not v.ok:
        return views.done(game, message=next(iter(v.errors.values())))
    with db.transaction() as tx:
        if tx.one("lock_game", id=game["id"])["phase"] != "ended":
            return views.done(game, message=_("The game is not at its end."))
        tx.run(
            "insert_tiebreak",
            game_id=game["id"],
            prompt=prompt,
            answer=answer,
            team_ids=sorted(tied),
            seconds=SECONDS,
        )
        moved = tx.one("set_phase", id=game["id"], phase="tiebreak")
        games.audit(tx, game["id"], views.actor(), "tie-break", f"{prompt} (answer {answer})")
        snap = snapshot.build(tx, moved)
    games.remember(moved)
    return views.done(game, snap)


@bp.post("/host/<code>/tiebreak/close")
@login_required
def close(code):
    game = views.own_game(code)
    with db.transaction() as tx:
        if tx.one("lock_game", id=game["id"])["phase"] != "tiebreak":
            return views.done(game, message=_("There is no tie-break running."))
        tx.run("close_tiebreak", game_id=game["id"])
        moved = tx.one("set_phase", id=game["id"], phase="ended")
        games.audit(tx, game["id"], views.actor(), "close tie-break", "")
        snap = snapshot.build(tx, moved)
    games.remember(moved)
    return views.done(game, snap)


@bp.post("/play/<code>/tiebreak")
def answer(code):
    game, member = teams.member_or_join(code)
    v = Validation(request.form)
    number = v.number("number", "Your guess")
    refused = _("Only the tied teams answer a tie-break, once, while it is open.")
    if not v.ok:
        return errors.refused(refused, url_for("play.show", code=game["code"]))
    with db.transaction() as tx:
        answered = tx.one("insert_tiebreak_answer", game_id=game["id"], team_id=member["id"], number=number)
        snap = answered and snapshot.read(tx, game["id"])
    if not answered:
        return errors.refused(refused, url_for("play.show", code=game["code"]))
    live.publish(snap)
    return views.reply(url_for("play.show", code=game["code"]))
