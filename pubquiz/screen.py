"""The projector: no controls, readable from the back of the pub. Anyone with the code may watch
it; it shows nothing a team's own phone will not show at the same moment."""
from flask import Blueprint, abort, render_template

from . import games, links, live, snapshot, stream

bp = Blueprint("screen", __name__)


def _game(code):
    row = games.by_code(code)
    if row is None:
        abort(404, "There is no game with this code.")
    return row


@bp.get("/screen/<code>")
def show(code):
    row = _game(code)
    after = live.last_event_id(row["id"])
    s = snapshot.load(row["id"])
    url = links.join_url(s.game)
    return render_template("screen/show.html", s=s, after=after, join_url=url, qr=links.qr_svg(url),
                           loopback=links.loopback_warning(s.game))


@bp.get("/screen/<code>/events")
def events(code):
    row = _game(code)
    return stream.respond(row["id"], ("screen",), lambda: live.render_pushed(
        "screen/_stage.html", s=snapshot.load(row["id"])))
