"""The projector: no controls, readable from the back of the pub. Anyone with the code may watch
it; it shows nothing a team's own phone will not show at the same moment."""
from flask import Blueprint, render_template

from . import links, live, snapshot, stream, views

bp = Blueprint("screen", __name__)


@bp.get("/screen/<code>")
def show(code):
    game = views.game_or_404(code)
    after = live.last_event_id(game["id"])
    snap = snapshot.load(game["id"])
    url = links.join_url(snap.game)
    return render_template("screen/show.html", snap=snap, after=after, join_url=url, qr=links.qr_svg(url),
                           loopback=links.loopback_warning(snap.game))


@bp.get("/screen/<code>/events")
def events(code):
    game = views.game_or_404(code)
    return stream.respond(game["id"], ("screen",), lambda: live.render_pushed(
        "screen/_stage.html", snap=snapshot.load(game["id"])))
