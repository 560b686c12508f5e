"""Tie-breaks: when teams share a podium place at the end, the host asks those teams one numeric
question; the closest guess wins the better place. Shown on the projector as it happens."""
from flask import Blueprint, redirect, request, url_for

from . import db, errors, games, live, snapshot, teams
from .auth import login_required
from .host import actor, done, own_game
from .validation import Validation

bp = Blueprint("tiebreak", __name__)
SECONDS = 60


@bp.post("/host/<code>/tiebreak")
@login_required
def start(code):
    row = own_game(code)
    snap = snapshot.load(row["id"])
    v = Validation(request.form)
    prompt = v.text("prompt", "The tie-break question", max_length=300)
    answer = v.number("answer", "The answer")
    tied = {int(t) for t in request.form.getlist("team") if t.isdigit()}
    if snap.phase != "ended" or not any(tied == set(group) for group in snap.podium_ties):
        return done(row, "A tie-break is for teams that share a podium place at the end.")
    if not v.ok:
        return done(row, next(iter(v.errors.values())))
    with db.transaction() as tx:
        if tx.one("lock_game", id=row["id"])["phase"] != "ended":
            return done(row, "The game is not at its end.")
        tx.run("insert_tiebreak", game_id=row["id"], prompt=prompt, answer=answer, team_ids=sorted(tied),
               seconds=SECONDS)
        moved = tx.one("set_phase", id=row["id"], phase="tiebreak")
        games.audit(tx, row["id"], actor(), "tie-break", f"{prompt} (answer {answer})")
    games.remember(moved)
    return done(row)


@bp.post("/host/<code>/tiebreak/close")
@login_required
def close(code):
    row = own_game(code)
    with db.transaction() as tx:
        if tx.one("lock_game", id=row["id"])["phase"] != "tiebreak":
            return done(row, "There is no tie-break running.")
        tx.run("close_tiebreak", game_id=row["id"])
        moved = tx.one("set_phase", id=row["id"], phase="ended")
    games.remember(moved)
    return done(row)


@bp.post("/play/<code>/tiebreak")
def answer(code):
    row, member = teams.member_or_join(code)
    v = Validation(request.form)
    number = v.number("number", "Your guess")
    if not v.ok or not db.one("insert_tiebreak_answer", game_id=row["id"], team_id=member["id"], number=number):
        return errors.refused("Only the tied teams answer a tie-break, once, while it is open.",
                              url_for("play.show", code=row["code"]))
    live.publish_state(row["id"])
    if request.headers.get("HX-Request"):
        return "", 204
    return redirect(url_for("play.show", code=row["code"]), 303)


