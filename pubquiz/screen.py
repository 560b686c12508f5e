"""The projector: no controls, readable from the back of the pub. Anyone with the code may watch
it; it shows nothing a team's own phone will not show at the same moment."""

from flask import Blueprint

from . import seasons, views

bp = Blueprint("screen", __name__)


@bp.get("/screen/<code>")
def show(code):
    game = views.game_or_404(code)
    return views.live_page("screen/show.html", game, league=seasons.on_screen)


@bp.get("/screen/<code>/events")
def events(code):
    return views.live_stream(
        views.game_or_404(code), "screen", "screen/_stage.html", league=seasons.on_screen
    )
