"""Server-Sent Events: one stream per open page, fed by this process's Hub.

The caller has already authorised the viewer. Here: subscribe first, then work out what the client
missed (so nothing published in between is lost), send it, then whatever the hub delivers, with
comment heartbeats that keep phones behind NAT and proxies from dropping an idle stream.
"""

import ssl
import time
from collections.abc import Callable, Iterator, Sequence

from flask import Response, abort, current_app, request

from .events import HEARTBEAT, START, Subscription, encode


def respond(game_id: int, audiences: Sequence[str], full_state: Callable[[], str]) -> Response:
    """full_state() renders this viewer's whole current state; it is sent when the client gives
    no position, or one the history no longer holds (too old, or from before a restart)."""
    bus = current_app.extensions["bus"]
    hub = current_app.extensions["hub"]
    # The page embeds the id it was rendered at (?after=); a reconnect sends Last-Event-ID.
    position = request.headers.get("Last-Event-ID") or request.args.get("after", "")

    # Once subscribed, every event published from now on reaches the subscription: what the
    # backlog read next does not hold, it receives live. What both have, it gets once.
    sub = hub.subscribe(game_id, audiences, request.remote_addr, replaying=True, fd=_client_socket())
    if sub is None:
        abort(429, "Too many pages of this quiz are open from your network. Close some and reload.")
    try:
        backlog, last_id = _missed(bus, game_id, audiences, position)
        if backlog is None:
            last_id = bus.last_id(game_id) or START
            backlog = [encode(last_id, full_state())]
    except BaseException:
        hub.unsubscribe(sub)
        raise
    hub.replayed(sub, last_id)

    return Response(
        _messages(hub, sub, backlog),
        mimetype="text/event-stream",
        # Our bytes go to the server as they are: werkzeug's encoding wrappers would be two more
        # generators each waiting stream is suspended in (see _messages).
        direct_passthrough=True,
        headers={
            "Cache-Control": "no-cache, no-transform",
            "X-Accel-Buffering": "no",  # tell Nginx not to buffer this response
        },
    )


def _client_socket() -> int | None:
    """The client's socket, when the stream's bytes may go to it as they are: gunicorn hands it to
    the app, and answers HTTP/1.0 (as Nginx asks for streams) without chunk framing to add. None
    otherwise (HTTP/1.1 straight to gunicorn, `pubquiz serve`, or gunicorn speaking TLS itself,
    whose socket object encrypts what its file descriptor must not get bare): every write then
    goes through the server."""
    environ = request.environ
    sock = environ.get("gunicorn.socket")
    if sock is None or isinstance(sock, ssl.SSLSocket) or environ.get("SERVER_PROTOCOL") != "HTTP/1.0":
        return None
    return sock.fileno()


def _missed(bus, game_id: int, audiences: Sequence[str], position: str):
    """The messages after `position` and the id they end at; None when the full state should be
    sent instead: there is no position (replaying a whole history to a bare URL costs a megabyte
    for a big game), the history does not hold it, or what was missed is more than a stream may
    hold (the full state says the same in far fewer bytes)."""
    if not position:
        return None, None
    missed = bus.since(game_id, position)
    if missed is None:
        return None, None
    parts = [(event.id, event.parts[a]) for event in missed for a in audiences if a in event.parts]
    if sum(len(html) for _, html in parts) > Subscription.LIMIT:
        return None, None
    last_id = missed[-1].id if missed else position
    return [encode(event_id, html) for event_id, html in parts], last_id


def _messages(hub, sub: Subscription, backlog: list[bytes]) -> Iterator[bytes]:
    """The stream: a heartbeat at once (proxies and some browsers hold a response until its
    first bytes), the backlog, then what the hub delivers until it closes the stream (shutdown,
    or too slow to keep up). One generator rather than a chain of them: gevent keeps a copy of
    the C stack of every waiting stream, and each generator it waits in adds to that copy. Each
    message is dropped once handed on: a stream stays open for hours, its first full state
    (kilobytes) should not stay with it."""
    pending = [HEARTBEAT, *backlog]
    pending.reverse()
    del backlog
    try:
        while True:
            if not pending:
                pending = sub.wait()
                pending.reverse()
                continue
            data = pending.pop()
            if data is None:
                return
            # Until the server asks for the next message, the client has not taken this one:
            # the hub drops a stream stuck here longer than its send timeout.
            sub.writing_since = time.monotonic()
            yield data
            sub.writing_since = None
    finally:
        hub.unsubscribe(sub)
