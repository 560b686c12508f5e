"""What the blueprints share, so that none imports another: the game a URL names, the game the
logged-in host owns, who the audit log names, and how a change is answered (htmx or a plain form).

A game here is its cached state from games.by_code (id, code, host, phase, version…), not a
database row."""

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext

from . import games, i18n, links, live, snapshot, stream
from .accounts import owned

NO_SUCH_GAME = lazy_gettext("There is no game with this code. Check the code on the screen.")


def game_or_404(code):
    """The game a public URL names (the projector, a marker's link); the page speaks its language."""
    game = games.by_code(code)
    if game is None:
        abort(404, NO_SUCH_GAME)
    i18n.use(game.get("language"))
    return game


def own_game(code):
    """The game when the logged-in host owns it; a 404 otherwise (someone else's looks missing).
    The look-up limit's exemption has just read it for its owner (limits._own_game): taken once,
    so a second call in the same request (after a change) reads the cache again."""
    game = g.pop("own_game", None)
    if game is None or game["code"] != games.normalise_code(code):
        game = games.by_code(code)
    return owned(game)


def live_page(template, game, **extra):
    """A page that goes on live (the console, the projector): the state now, the event id it was
    rendered at (read first: its stream replays anything published in between), the join link;
    extra(snap) gives more of the page's context (the projector's league)."""
    after = live.last_event_id(game["id"])
    snap = snapshot.load(game["id"])
    url = links.join_url(snap.game)
    return render_template(
        template,
        snap=snap,
        after=after,
        join_url=url,
        qr=links.qr_svg(url),
        loopback=links.loopback_warning(snap.game),
        **{name: make(snap) for name, make in extra.items()},
    )


def live_stream(game, audience, fragment, **extra):
    """The stream of a live page: what the hub delivers to this audience, and when the client is
    too far behind (or new), the whole fragment rendered from the game as it is now (with
    extra's context, as live_page)."""

    def whole():
        snap = snapshot.load(game["id"])
        return live.render_pushed(fragment, snap=snap, **{name: make(snap) for name, make in extra.items()})

    return stream.respond(game["id"], (audience,), whole)


def actor():
    """Who the audit log names for a change the logged-in host made."""
    return g.host["email"]


def is_htmx():
    return bool(request.headers.get("HX-Request"))


def reply(back, fragment=""):
    """The answer to a change. htmx gets the fragment, or 204 when there is none (what changed
    arrives over the stream); a plain form is redirected to `back`, so a reload sends nothing again."""
    if is_htmx():
        return (fragment, 200) if fragment else ("", 204)
    return redirect(back, 303)


def done(game, snap=None, message=None, audio=False, back="host.console"):
    """After a console control: publish the change's snapshot (none when it was refused, with
    `message`) and answer. htmx gets the flash message only (the console arrives over the stream)."""
    if snap is not None:
        live.publish(snap, audio=audio)
    if is_htmx():
        return render_template("_flash.html", message=message)
    if message:
        flash(message, "error")
    return redirect(url_for(back, code=game["code"]), 303)
