"""The projector: no controls, readable from the back of the pub. Anyone with the code may watch
it; it shows nothing a team's own phone will not show at the same moment."""
from flask import Blueprint, abort, render_template

from . import games, live, snapshot, stream
from .host import join_url, qr_svg

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
    url = join_url(row["code"])
    return render_template("screen/show.html", s=snapshot.load(row["id"]), after=after,
                           join_url=url, qr=qr_svg(url))


@bp.get("/screen/<code>/events")
def events(code):
    row = _game(code)
    return stream.respond(row["id"], ("screen",), lambda: live.render_pushed(
        "screen/_stage.html", s=snapshot.load(row["id"])))
