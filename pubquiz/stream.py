"""Server-Sent Events: one stream per open page, fed by this process's Hub.

The caller has already authorised the viewer. Here: subscribe first, then work out what the client
missed (so nothing published in between is lost), send it, then whatever the hub delivers, with
comment heartbeats that keep phones behind NAT and proxies from dropping an idle stream.
"""

import itertools
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

    sub = hub.subscribe(game_id, audiences, request.remote_addr)
    if sub is None:
        abort(429, "Too many pages of this quiz are open from your network. Close some and reload.")
    try:
        backlog = _missed(bus, game_id, audiences, position)
        if backlog is None:
            backlog = [encode(bus.last_id(game_id) or START, full_state())]
    except BaseException:
        hub.unsubscribe(sub)
        raise

    def generate():
        try:
            # Bytes at once: proxies and some browsers hold a response until its first bytes.
            for data in itertools.chain([HEARTBEAT], _forgotten_once_sent(backlog), _delivered(sub)):
                # Until the server asks for the next message, the client has not taken this one:
                # the hub drops a stream stuck here longer than its send timeout.
                sub.writing_since = time.monotonic()
                yield data
                sub.writing_since = None
        finally:
            hub.unsubscribe(sub)

    return Response(
        generate(),
        mimetype="text/event-stream",
        headers={
            "Cache-Control": "no-cache, no-transform",
            "X-Accel-Buffering": "no",  # tell Nginx not to buffer this response
        },
    )


def _missed(bus, game_id: int, audiences: Sequence[str], position: str) -> list[bytes] | None:
    """The messages after `position`; None when the full state should be sent instead: there is
    no position (replaying a whole history to a bare URL costs a megabyte for a big game), the
    history does not hold it, or what was missed is more than a stream may hold (the full state
    says the same in far fewer bytes)."""
    if not position:
        return None
    missed = bus.since(game_id, position)
    if missed is None:
        return None
    parts = [(event.id, event.parts[a]) for event in missed for a in audiences if a in event.parts]
    if sum(len(html) for _, html in parts) > Subscription.LIMIT:
        return None
    return [encode(event_id, html) for event_id, html in parts]


def _forgotten_once_sent(backlog: list[bytes]) -> Iterator[bytes]:
    """The backlog's messages, each dropped as it is handed on: a stream stays open for hours,
    and the full state it started with (kilobytes) should not stay with it."""
    backlog.reverse()
    while backlog:
        yield backlog.pop()


def _delivered(sub: Subscription) -> Iterator[bytes]:
    """What the hub delivers, until it closes the stream (shutdown, or too slow to keep up)."""
    while True:
        for data in sub.wait():
            if data is None:
                return
            yield data
