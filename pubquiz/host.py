"""The host console: start a game from a quiz and drive it. Each control is
validate -> change in one transaction -> commit -> publish."""

import secrets

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext

from . import confirm, controls, db, games, i18n, links, rules, seasons, snapshot, teams, views
from .accounts import login_required, owned
from .validation import Validation

bp = Blueprint("host", __name__)


def teams_done(game, snap=None, message=None):
    return views.done(game, snap, message, back="host.teams_page")


def _version():
    try:
        return int(request.form.get("version", ""))
    except ValueError:
        abort(400, _("This control is missing the game's version. Reload the console."))


@bp.post("/quizzes/<int:quiz_id>/games")
@login_required
def create_game(quiz_id):
    owned(db.one("quiz_by_id", id=quiz_id))
    v = Validation(request.form)
    venue = v.text("venue", _("The venue"), required=False, max_length=120) or None
    if not v.ok:
        flash(v.errors["venue"], "error")
        return redirect(url_for("quizzes.edit", quiz_id=quiz_id), 303)
    season_id = None
    if request.form.get("season_id"):  # a game of one of the host's seasons
        season_id = v.integer("season_id", _("Season"), minimum=1, maximum=2**62)
        if not v.ok:
            abort(404)
        season_id = owned(db.one("season_by_id", id=season_id))["id"]
    language = i18n.chosen(default=g.host["language"])
    game = games.create(quiz_id, g.host["id"], venue, season_id, language)
    return redirect(url_for("host.console", code=game["code"]), 303)


@bp.get("/host/<code>")
@login_required
def console(code):
    game = views.own_game(code)
    links.remember_console(game["id"])
    return views.live_page("host/console.html", game, seasons=lambda snap: seasons.own(g.host["id"]))


@bp.post("/host/<code>/<action>")
@login_required
def control(code, action):
    game = views.own_game(code)
    if action not in rules.ACTIONS:
        abort(404)
    if action == "end" and not confirm.confirmed() and confirm.ends_early(snapshot.load(game["id"])):
        return confirm.ask(url_for("host.confirm_end", code=game["code"]))
    try:
        controls.move(game["id"], action, _version(), views.actor())
    except rules.IllegalMove as refused:
        return views.done(game, message=i18n.refusal(refused))
    return views.done(game)


@bp.get("/host/<code>/end/confirm")
@login_required
def confirm_end(code):
    game = views.own_game(code)
    snap = snapshot.load(game["id"])
    if "end" not in snap.allowed:
        flash(
            _("The game is over already.") if snap.phase == "ended" else _("The game cannot end now."),
            "error",
        )
        return redirect(url_for("host.console", code=game["code"]), 303)
    return confirm.page(
        _("End the game now?"),
        confirm.end_game(snap),
        url_for("host.control", code=game["code"], action="end"),
        _("End the game"),
        url_for("host.console", code=game["code"]),
        {"version": snap.game["version"]},
    )


@bp.post("/host/<code>/manage/pause")
@login_required
def pause(code):
    return _pause(code, True)


@bp.post("/host/<code>/manage/resume")
@login_required
def resume(code):
    return _pause(code, False)


def _pause(code, paused):
    game = views.own_game(code)
    try:
        controls.pause(game["id"], paused, _version(), views.actor())
    except rules.IllegalMove as refused:
        return views.done(game, message=i18n.refusal(refused))
    return views.done(game)


@bp.post("/host/<code>/manage/scores-hidden")
@login_required
def scores_hidden(code):
    return _switch(code, "set_scores_hidden", "hidden", ("hide scores", "show scores"))


@bp.post("/host/<code>/manage/lobby")
@login_required
def lobby_closed(code):
    """Close the game to new teams, or open it again: against a flood of made-up teams, or just
    because the quiz has started. The teams in it, and their teammates with the PIN, still join."""
    return _switch(code, "set_lobby_closed", "closed", ("close lobby", "reopen lobby"))


@bp.post("/host/<code>/manage/audio")
@login_required
def audio(code):
    """Start or stop the question's clip on the projector (the room's speaker)."""
    return _switch(code, "set_audio", "playing", ("play clip", "stop clip"), audio=True)


def _switch(code, query, field, logged_as, audio=False):
    """A console switch (scores hidden, lobby closed, clip playing): the form's field is "1" for
    on; set it, log it as logged_as[0] (on) or logged_as[1] (off), and publish."""
    game = views.own_game(code)
    on = request.form.get(field) == "1"
    with db.transaction() as tx:
        tx.run(query, id=game["id"], **{field: on})
        games.audit(tx, game["id"], views.actor(), logged_as[0] if on else logged_as[1], "")
        snap = snapshot.read(tx, game["id"])
    return views.done(game, snap, audio=audio)


@bp.post("/host/<code>/manage/marker")
@login_required
def invite_marker(code):
    """A new marker link for this game (the old one stops working)."""
    game = views.own_game(code)
    with db.transaction() as tx:
        tx.run("set_marker_token", id=game["id"], token=secrets.token_urlsafe(16))
        games.audit(tx, game["id"], views.actor(), "invite marker", "a new marker link")
        snap = snapshot.read(tx, game["id"])
    return views.done(game, snap)


@bp.get("/host/<code>/teams")
@login_required
def teams_page(code):
    game = views.own_game(code)
    return render_template(
        "host/teams.html", snap=snapshot.load(game["id"]), confirm_remove=confirm.remove_team
    )


@bp.post("/host/<code>/manage/teams")
@login_required
def add_paper_team(code):
    game = views.own_game(code)
    v = Validation(request.form)
    name = v.text("name", _("Team name"), max_length=teams.MAX_NAME)
    if not v.ok:
        return teams_done(game, message=v.errors["name"])
    with db.transaction() as tx:
        if teams.add_paper_team(tx, game["id"], name) is None:
            return teams_done(game, message=_("A team with this name is already in the game."))
        games.audit(tx, game["id"], views.actor(), "add paper team", name)
        snap = snapshot.read(tx, game["id"])
    return teams_done(game, snap)


@bp.post("/host/<code>/manage/teams/<int:team_id>/rename")
@login_required
def rename_team(code, team_id):
    game = views.own_game(code)
    team = db.one("team_by_id", id=team_id, game_id=game["id"]) or abort(404)
    if request.form.get("safe") == "1":
        name = teams.safe_name([t["name"] for t in db.all("teams_of_game", game_id=game["id"])])
    else:
        v = Validation(request.form)
        name = v.text("name", _("Team name"), max_length=teams.MAX_NAME)
        if not v.ok:
            return teams_done(game, message=v.errors["name"])
    with db.transaction() as tx:
        if not tx.run("rename_team", id=team_id, game_id=game["id"], name=name):
            return teams_done(game, message=_("Another team already has that name."))
        games.audit(tx, game["id"], views.actor(), "rename team", f"{team['name']} → {name}")
        members = teams.members(tx, team_id)
        snap = snapshot.read(tx, game["id"])
    teams.refresh(members)
    return teams_done(game, snap)


@bp.get("/host/<code>/manage/teams/<int:team_id>/kick/confirm")
@login_required
def confirm_kick(code, team_id):
    game = views.own_game(code)
    team = db.one("team_by_id", id=team_id, game_id=game["id"]) or abort(404)
    return confirm.page(
        _("Remove “%(team)s”?", team=team["name"]),
        confirm.remove_team(team),
        url_for("host.kick_team", code=game["code"], team_id=team_id),
        _("Remove the team"),
        url_for("host.teams_page", code=game["code"]),
    )


@bp.post("/host/<code>/manage/teams/<int:team_id>/kick")
@login_required
def kick_team(code, team_id):
    game = views.own_game(code)
    team = db.one("team_by_id", id=team_id, game_id=game["id"]) or abort(404)
    if not confirm.confirmed():
        return confirm.ask(url_for("host.confirm_kick", code=game["code"], team_id=team_id))
    with db.transaction() as tx:
        tx.run("kick_team", id=team_id, game_id=game["id"])
        games.audit(tx, game["id"], views.actor(), "kick team", team["name"])
        members = teams.members(tx, team_id)
        snap = snapshot.read(tx, game["id"])
    teams.refresh(members)
    return teams_done(game, snap)


NOT_A_MERGE = lazy_gettext("Choose another team of this game to merge into.")


def _merging(game, fields):
    """(team, into) of a merge form, or None when they are not two teams in play of this game."""
    v = Validation(fields)
    team_id = v.integer("from", _("The team to merge"), minimum=1, maximum=2**62)
    into_id = v.integer("into", _("The team to merge into"), minimum=1, maximum=2**62)
    team = v.ok and db.one("team_by_id", id=team_id, game_id=game["id"])
    into = v.ok and db.one("team_by_id", id=into_id, game_id=game["id"])
    if not team or not into or into_id == team_id or into["kicked_at"] or team["kicked_at"]:
        return None
    return team, into


@bp.get("/host/<code>/manage/merge/confirm")
@login_required
def confirm_merge(code):
    game = views.own_game(code)
    pair = _merging(game, request.args)
    if pair is None:
        return teams_done(game, message=NOT_A_MERGE)
    team, into = pair
    return confirm.page(
        _("Merge “%(team)s” into “%(into)s”?", team=team["name"], into=into["name"]),
        confirm.merge(team, into),
        url_for("host.merge_teams", code=game["code"]),
        _("Merge the teams"),
        url_for("host.teams_page", code=game["code"]),
        {"from": team["id"], "into": into["id"]},
    )


@bp.post("/host/<code>/manage/merge")
@login_required
def merge_teams(code):
    """A team joined twice: fold one ("from") into the other ("into")."""
    game = views.own_game(code)
    pair = _merging(game, request.form)
    if pair is None:
        return teams_done(game, message=NOT_A_MERGE)
    team, into = pair
    if not confirm.confirmed():
        pair = {"from": team["id"], "into": into["id"]}
        return confirm.ask(url_for("host.confirm_merge", code=game["code"], **pair))
    with db.transaction() as tx:
        teams.merge(tx, game, team["id"], into["id"])
        games.audit(tx, game["id"], views.actor(), "merge teams", f"{team['name']} into {into['name']}")
        members = teams.members(tx, into["id"])
        snap = snapshot.read(tx, game["id"])
    teams.refresh(members)
    return teams_done(game, snap)


@bp.get("/host/<code>/events")
@login_required
def events(code):
    return views.live_stream(views.own_game(code), "host", "host/_console.html")
