"""The host console: start a game from a quiz and drive it. Each control is
validate -> change in one transaction -> commit -> publish."""
import secrets

import segno
from flask import (Blueprint, abort, current_app, flash, g, redirect, render_template, request,
                   url_for)
from markupsafe import Markup

from . import db, game, games, live, snapshot, stream, teams
from .auth import login_required, owned
from .validation import Validation

bp = Blueprint("host", __name__)


def join_url(code):
    """What phones open: the address this browser reached us by, unless PUBQUIZ_PUBLIC_URL says."""
    base = current_app.config["PUBLIC_URL"] or request.host_url.rstrip("/")
    return f"{base}{url_for('play.join', code=code)}"


def qr_svg(url):
    svg = segno.make(url, error="m").svg_inline(scale=1, border=2, omitsize=True,
                                                title="QR code to join the game")
    return Markup(svg)  # segno's own markup; the URL inside is encoded as modules, not text


def own_game(code):
    return owned(games.by_code(code))


def actor():
    return g.host["email"]


def done(row, message=None, audio=False, back="host.console"):
    """After a console control: publish what changed (unless it was refused) and answer the
    htmx request with the flash message only (the console arrives over the stream), or redirect."""
    if message is None:
        live.publish_state(row["id"], audio=audio)
    if request.headers.get("HX-Request"):
        return render_template("_flash.html", message=message)
    if message:
        flash(message, "error")
    return redirect(url_for(back, code=row["code"]), 303)


def teams_done(row, message=None):
    return done(row, message, back="host.teams_page")


def _version():
    try:
        return int(request.form.get("version", ""))
    except ValueError:
        abort(400, "This control is missing the game's version. Reload the console.")


@bp.post("/quizzes/<int:quiz_id>/games")
@login_required
def create_game(quiz_id):
    owned(db.one("quiz_by_id", id=quiz_id))
    row = games.create(quiz_id, g.host["id"])
    return redirect(url_for("host.console", code=row["code"]), 303)


@bp.get("/host/<code>")
@login_required
def console(code):
    row = own_game(code)
    # Read the last event id before the state: the stream then replays anything in between.
    after = live.last_event_id(row["id"])
    url = join_url(row["code"])
    return render_template("host/console.html", s=snapshot.load(row["id"]), after=after,
                           join_url=url, qr=qr_svg(url))


@bp.post("/host/<code>/<action>")
@login_required
def control(code, action):
    row = own_game(code)
    if action not in game.ACTIONS:
        abort(404)
    try:
        moved = games.transition(row["id"], action, expected_version=_version())
    except game.IllegalMove as refused:
        return done(row, str(refused))
    if action == "open_question":
        current_app.extensions["background"].deadline_in(float(moved["seconds_left"]))
    # A new question silences the last one's music.
    return done(row, audio=action in ("open_question", "close_question"))


@bp.post("/host/<code>/manage/pause")
@login_required
def pause(code):
    return _pause(code, True)


@bp.post("/host/<code>/manage/resume")
@login_required
def resume(code):
    return _pause(code, False)


def _pause(code, paused):
    row = own_game(code)
    try:
        moved = games.set_paused(row["id"], paused, _version())
    except game.IllegalMove as refused:
        return done(row, str(refused))
    with db.transaction() as tx:
        games.audit(tx, row["id"], actor(), "pause" if paused else "resume", "")
    if not paused and moved["phase"] == "question":
        current_app.extensions["background"].deadline_in(float(moved["seconds_left"]))
    return done(row)


@bp.post("/host/<code>/manage/scores-hidden")
@login_required
def scores_hidden(code):
    row = own_game(code)
    db.run("set_scores_hidden", id=row["id"], hidden=request.form.get("hidden") == "1")
    return done(row)


@bp.post("/host/<code>/manage/lobby")
@login_required
def lobby_closed(code):
    """Close the game to new teams, or open it again: against a flood of made-up teams, or just
    because the quiz has started. The teams in it, and their teammates with the PIN, still join."""
    row = own_game(code)
    closed = request.form.get("closed") == "1"
    with db.transaction() as tx:
        tx.run("set_lobby_closed", id=row["id"], closed=closed)
        games.audit(tx, row["id"], actor(), "close lobby" if closed else "reopen lobby", "")
    return done(row)


@bp.post("/host/<code>/manage/audio")
@login_required
def audio(code):
    """Start or stop the question's clip on the projector (the room's speaker)."""
    row = own_game(code)
    db.run("set_audio", id=row["id"], playing=request.form.get("playing") == "1")
    return done(row, audio=True)


@bp.post("/host/<code>/manage/marker")
@login_required
def invite_marker(code):
    """A new marker link for this game (the old one stops working)."""
    row = own_game(code)
    with db.transaction() as tx:
        tx.run("set_marker_token", id=row["id"], token=secrets.token_urlsafe(16))
        games.audit(tx, row["id"], actor(), "invite marker", "a new marker link")
    return done(row)


@bp.get("/host/<code>/teams")
@login_required
def teams_page(code):
    row = own_game(code)
    return render_template("host/teams.html", s=snapshot.load(row["id"]))


@bp.post("/host/<code>/manage/teams")
@login_required
def add_paper_team(code):
    row = own_game(code)
    v = Validation(request.form)
    name = v.text("name", "Team name", max_length=teams.MAX_NAME)
    if not v.ok:
        return teams_done(row, v.errors["name"])
    with db.transaction() as tx:
        if teams.add_paper_team(tx, row["id"], name) is None:
            return teams_done(row, "A team with this name is already in the game.")
        games.audit(tx, row["id"], actor(), "add paper team", name)
    return teams_done(row)


@bp.post("/host/<code>/manage/teams/<int:team_id>/rename")
@login_required
def rename_team(code, team_id):
    row = own_game(code)
    team = db.one("team_by_id", id=team_id, game_id=row["id"]) or abort(404)
    if request.form.get("safe") == "1":
        name = teams.safe_name(row["id"], [t["name"] for t in db.all("teams_of_game", game_id=row["id"])])
    else:
        v = Validation(request.form)
        name = v.text("name", "Team name", max_length=teams.MAX_NAME)
        if not v.ok:
            return teams_done(row, v.errors["name"])
    with db.transaction() as tx:
        if not tx.run("rename_team", id=team_id, game_id=row["id"], name=name):
            return teams_done(row, "Another team already has that name.")
        games.audit(tx, row["id"], actor(), "rename team", f"{team['name']} → {name}")
    teams.refresh(team_id)
    return teams_done(row)


@bp.post("/host/<code>/manage/teams/<int:team_id>/kick")
@login_required
def kick_team(code, team_id):
    row = own_game(code)
    team = db.one("team_by_id", id=team_id, game_id=row["id"]) or abort(404)
    with db.transaction() as tx:
        tx.run("kick_team", id=team_id, game_id=row["id"])
        games.audit(tx, row["id"], actor(), "kick team", team["name"])
    teams.refresh(team_id)
    return teams_done(row)


@bp.post("/host/<code>/manage/merge")
@login_required
def merge_teams(code):
    """A team joined twice: fold one ("from") into the other ("into")."""
    row = own_game(code)
    v = Validation(request.form)
    team_id = v.integer("from", "The team to merge", minimum=1, maximum=2**62)
    into_id = v.integer("into", "The team to merge into", minimum=1, maximum=2**62)
    team = v.ok and db.one("team_by_id", id=team_id, game_id=row["id"])
    into = v.ok and db.one("team_by_id", id=into_id, game_id=row["id"])
    if not team or not into or into_id == team_id or into["kicked_at"] or team["kicked_at"]:
        return teams_done(row, "Choose another team of this game to merge into.")
    with db.transaction() as tx:
        teams.merge(tx, row["id"], team_id, into_id)
        games.audit(tx, row["id"], actor(), "merge teams", f"{team['name']} into {into['name']}")
    teams.refresh(into_id)
    return teams_done(row)


@bp.get("/host/<code>/events")
@login_required
def events(code):
    row = own_game(code)
    return stream.respond(row["id"], ("host",), lambda: live.render_pushed(
        "host/_console.html", s=snapshot.load(row["id"])))
