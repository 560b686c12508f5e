"""Choosing languages: the host's own (its pages and its console) and a game's (its phones and
projector), which the host may change while the game is in its lobby."""

from flask import Blueprint, g, redirect, url_for
from flask_babel import gettext as _

from . import db, games, i18n, snapshot, views
from .accounts import login_required

bp = Blueprint("languages", __name__)


@bp.post("/account/language")
@login_required
def host_language():
    db.run("set_host_language", id=g.host["id"], language=i18n.chosen())
    return redirect(url_for("quizzes.index"), 303)  # the form is on the host's list of quizzes


@bp.post("/host/<code>/manage/language")
@login_required
def game_language(code):
    game = views.own_game(code)
    language = i18n.chosen()
    with db.transaction() as tx:
        row = tx.one("set_game_language", id=game["id"], language=language)
        if row is None:
            return views.done(game, message=_("The game's language can only change in the lobby."))
        games.audit(tx, game["id"], views.actor(), "language", i18n.LANGUAGES[language])
        snap = snapshot.build(tx, row)
    games.remember(snap.game)
    return views.done(game, snap)
