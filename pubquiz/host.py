"""The host console: start a game from a quiz and drive it. Each control is
validate -> transition -> commit -> publish."""
import segno
from markupsafe import Markup
from flask import (Blueprint, abort, current_app, flash, g, redirect, render_template, request,
                   url_for)

from . import db, game, games, limits, live, stream
from .auth import login_required, owned

bp = Blueprint("host", __name__)


def join_url(code):
    """What phones open: the address this browser reached us by, unless PUBQUIZ_PUBLIC_URL says."""
    base = current_app.config["PUBLIC_URL"] or request.host_url.rstrip("/")
    return f"{base}{url_for('play.join', code=code)}"


def qr_svg(url):
    svg = segno.make(url, error="m").svg_inline(scale=1, border=2, omitsize=True,
                                                title="QR code to join the game")
    return Markup(svg)  # segno's own markup; the URL inside is encoded as modules, not text


def _own_game(code):
    return owned(games.by_code(code))


@bp.post("/quizzes/<int:quiz_id>/games")
@login_required
def create_game(quiz_id):
    owned(db.one("quiz_by_id", id=quiz_id))
    row = games.create(quiz_id, g.host["id"])
    return redirect(url_for("host.console", code=row["code"]), 303)


@bp.get("/host/<code>")
@limits.failed_lookup
@login_required
def console(code):
    row = _own_game(code)
    # Read the last event id before the state: the stream then replays anything in between.
    after = live.last_event_id(row["id"])
    url = join_url(row["code"])
    return render_template("host/console.html", s=games.snapshot(row["id"]), after=after,
                           join_url=url, qr=qr_svg(url))


@bp.post("/host/<code>/<action>")
@login_required
def control(code, action):
    row = _own_game(code)
    if action not in game.ACTIONS:
        abort(404)
    try:
        version = int(request.form.get("version", ""))
    except ValueError:
        abort(400, "This control is missing the game's version. Reload the console.")
    try:
        moved = games.transition(row["id"], action, expected_version=version)
    except game.IllegalMove as refused:
        message = str(refused)
    else:
        message = None
        live.publish_state(row["id"])
        if action == "open_question":
            current_app.extensions["background"].deadline_in(float(moved["seconds_left"]))
    if request.headers.get("HX-Request"):
        # The console itself arrives over the stream; here only the flash message, if any.
        return render_template("_flash.html", message=message)
    if message:
        flash(message, "error")
    return redirect(url_for("host.console", code=row["code"]), 303)


@bp.get("/host/<code>/events")
@login_required
def events(code):
    row = _own_game(code)
    return stream.respond(row["id"], ("host",), lambda: live.render_pushed(
        "host/_console.html", s=games.snapshot(row["id"])))
