"""Server-Sent Events: one stream per open page, fed by this process's Hub.

The caller has already authorised the viewer. Here: subscribe first, then work out what the client
missed (so nothing published in between is lost), send it, then whatever the hub delivers, with
comment heartbeats that keep phones behind NAT and proxies from dropping an idle stream.
"""
from flask import Response, abort, current_app, request

from .events import HEARTBEAT, encode


def respond(game_id, audiences, full_state):
    """full_state() renders this viewer's whole current state; it is sent when the client's
    Last-Event-ID is unknown (too old, or from before a restart)."""
    bus = current_app.extensions["bus"]
    hub = current_app.extensions["hub"]
    # The page embeds the id it was rendered at (?after=); a reconnect sends Last-Event-ID.
    last_id = request.headers.get("Last-Event-ID") or request.args.get("after", "")

    sub = hub.subscribe(game_id, audiences, request.remote_addr)
    if sub is None:
        abort(429, "Too many pages of this quiz are open from your network. Close some and reload.")
    try:
        missed = bus.since(game_id, last_id)
        if missed is None:
            backlog = [encode(bus.last_id(game_id), full_state())]
        else:
            backlog = [encode(e.id, e.parts[a]) for e in missed for a in audiences if a in e.parts]
    except BaseException:
        hub.unsubscribe(sub)
        raise

    def generate():
        try:
            # Bytes at once: proxies and some browsers hold a response until its first bytes.
            yield HEARTBEAT
            yield from backlog
            while True:
                for data in sub.wait():
                    if data is None:  # closed by the hub: shutdown, or too slow to keep up
                        return
                    yield data
        finally:
            hub.unsubscribe(sub)

    return Response(generate(), mimetype="text/event-stream", headers={
        "Cache-Control": "no-cache, no-transform",
        "X-Accel-Buffering": "no",  # tell Nginx not to buffer this response
    })
