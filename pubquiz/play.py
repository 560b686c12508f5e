"""Teams: join a game by code, come back as the same team, and answer."""
import secrets

from flask import (Blueprint, abort, current_app, redirect, render_template, request, session,
                   url_for)

from . import db, games, limits, live, metrics, questions, stream
from .validation import Validation

bp = Blueprint("play", __name__)
MAX_TEAM_NAME = 30
MAX_TEXT_ANSWER = 200
def team_for(row):
    """The team this browser plays as in this game (from the signed cookie), or None.
    A cookie for another game, a forged or an outdated one simply finds no team."""
    saved = session.get("teams", {}).get(row["code"])
    if not saved or not isinstance(saved, list) or len(saved) != 2:
        return None
    cache = current_app.extensions["cache"]
    team = cache.get("team:%s" % saved[0])
    if team is None:
        team = db.one("team_in_game", team_id=saved[0], game_id=row["id"], token=saved[1])
        if team is None:
            return None
        team = {"id": team["id"], "game_id": team["game_id"], "name": team["name"],
                "token": team["token"], "version": 0}
        cache.put("team:%s" % team["id"], team)
    if team["game_id"] != row["id"] or team["token"] != saved[1]:
        return None
    return team


def _remember(code, team):
    current_app.extensions["cache"].put("team:%s" % team["id"], team)
    teams = dict(session.get("teams", {}))
    teams[code] = [team["id"], team["token"]]
    # Only the latest few games: the cookie must stay small.
    session["teams"] = dict(list(teams.items())[-5:])
    session.permanent = True


def _game_or_404(code):
    row = games.by_code(code)
    if row is None:
        abort(404, "There is no game with this code. Check the code on the screen.")
    return row


@bp.get("/")
def home():
    return render_template("play/join.html", form={"code": request.args.get("code", "")}, errors={})


@bp.get("/join/<code>")
def join(code):
    row = games.by_code(code)
    if row and team_for(row):
        return redirect(url_for("play.show", code=row["code"]), 303)
    return render_template("play/join.html", form={"code": games.normalise_code(code)}, errors={})


@bp.post("/join")
@limits.failed_join
def join_game():
    v = Validation(request.form)
    code = games.normalise_code(request.form.get("code"))
    name = v.text("name", "Team name", max_length=MAX_TEAM_NAME)
    row = games.by_code(code)
    if not code:
        v.error("code", "Enter the game code shown on the screen.")
    elif row is None:
        v.error("code", "There is no game with this code. Check the code on the screen.")
    elif row["phase"] == "ended":
        v.error("code", "This game has ended.")
    if v.ok and team_for(row):
        return redirect(url_for("play.show", code=row["code"]), 303)
    if v.ok:
        token = secrets.token_urlsafe(16)
        team = db.one("insert_team", game_id=row["id"], name=name, token=token)
        if team is None:
            v.error("name", "A team with this name has already joined. Pick another name.")
        else:
            _remember(row["code"], {"id": team["id"], "game_id": row["id"], "name": team["name"],
                                    "token": token, "version": 0})
            live.publish_state(row["id"])
            return redirect(url_for("play.show", code=row["code"]), 303)
    form = {"code": code, "name": request.form.get("name", "")[:MAX_TEAM_NAME * 2]}
    return render_template("play/join.html", form=form, errors=v.errors), 422


@bp.get("/play/<code>")
@limits.failed_lookup
def show(code):
    row = _game_or_404(code)
    team = team_for(row)
    if team is None:
        return redirect(url_for("play.join", code=row["code"]), 303)
    after = live.last_event_id(row["id"])
    return render_template("play/game.html", after=after, **_team_state(row["id"], team))


def _team_state(game_id, team):
    snap = games.snapshot(game_id)
    answer = None
    if snap.question:
        answer = next((a for a in snap.answers if a["team_id"] == team["id"]), None)
    return {"s": snap, "team": team, "answer": answer}


@bp.post("/play/<code>/answer")
@limits.answers
def submit_answer(code):
    code = games.normalise_code(code)
    saved = session.get("teams", {}).get(code)
    if not saved:
        return redirect(url_for("play.join", code=code), 303)
    v = Validation(request.form)
    question_id = v.integer("question_id", "Question", minimum=1, maximum=2**62)
    answer = {"choice": None, "text": None, "number": None}
    if "choice" in request.form:
        answer["choice"] = v.integer("choice", "Your choice", minimum=0, maximum=questions.MAX_OPTIONS - 1)
    elif "number" in request.form:
        answer["number"] = v.number("number", "Your answer")
    else:
        answer["text"] = v.text("text", "Your answer", max_length=MAX_TEXT_ANSWER)
    # The accepted path is this one insert: no reads before it.
    accepted = v.ok and db.one("insert_answer", code=code, team_id=saved[0], token=saved[1],
                               question_id=question_id, **answer)
    metrics.ANSWERS.labels("accepted" if accepted else "refused").inc()
    if accepted:
        current_app.extensions["background"].answer_accepted(accepted["game_id"], question_id)
        problem = None
    else:
        row = db.one("game_by_id", id=_game_or_404(code)["id"])
        team = team_for(row)
        problem = next(iter(v.errors.values()), None) or _refusal(row, team, question_id)
        answer = team and db.one("answer_of_team", team_id=team["id"], question_id=question_id)
    if request.headers.get("HX-Request"):
        return render_template("play/_answer_box.html", question_id=question_id, answer=answer,
                               problem=problem)
    if problem:
        if team is None:
            return redirect(url_for("play.join", code=code), 303)
        return render_template("play/game.html", after="", problem=problem,
                               **_team_state(row["id"], team)), 409
    return redirect(url_for("play.show", code=code), 303)


def _refusal(row, team, question_id):
    """Why an answer was not accepted, in words a team understands (only on the refused path)."""
    if team is None:
        return "Your team is not part of this game any more. Join again."
    if row["question_id"] != question_id:
        return "That question is no longer open."
    if db.one("answer_of_team", team_id=team["id"], question_id=question_id):
        return "Your team has already answered this question: the first answer counts."
    if row["phase"] == "question" and row["deadline_at"] > db.one("now")["now"]:
        return "That answer does not fit this question. Reload the page and try again."
    return "Too late: answers for this question have closed."


@bp.get("/play/<code>/events")
@limits.failed_lookup
def events(code):
    row = _game_or_404(code)
    team = team_for(row)
    if team is None:
        abort(403, "Join the game first.")
    return stream.respond(row["id"], ("player", "team:%d" % team["id"]), lambda: live.render_pushed(
        "play/_stage.html", **_team_state(row["id"], team)))
