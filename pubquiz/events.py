"""Events, their fan-out, and the in-process bus (the Redis one is redis_bus.py).

An Event is what one committed change of a game means to each audience: `parts` maps an
audience ("host", "screen", "player", "team:<id>") to the HTML fragment it should swap in. The
bus gives every event an id that orders it within its game and keeps a bounded history per game so
a client reconnecting with Last-Event-ID gets exactly what it missed.

Each process has one Hub. It maps a game to the local streams subscribed to it and writes the same
pre-encoded bytes to every subscriber of an audience: fragments are rendered once per audience by
the publisher and encoded once per process here, never once per client. It tells the bus when a
game's first local stream opens and its last one closes: a process receives the events of the
games it has viewers of, and nothing else.
"""

import itertools
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import gevent

from . import metrics


@dataclass(frozen=True)
class Event:
    game_id: int
    id: str
    parts: dict[str, str]  # audience -> html
    # When it was published (time.time(), the same clock on every process of a cluster), for
    # the publish-to-deliver latency; None for an event read back from a history.
    published_at: float | None = None


def encode(event_id: str, html: str) -> bytes:
    """One SSE message. Unnamed, so htmx's hx-sse swaps it (its fragments carry hx-swap-oob)."""
    lines = html.splitlines() or [""]
    return ("id: %s\n%s\n" % (event_id, "".join("data: %s\n" % line for line in lines))).encode()


HEARTBEAT: bytes = b": ping\n\n"
# Streams take their heartbeats in this many turns per interval, each its own: 5,000 streams
# beating in the same instant would stall a process for a fifth of a second of CPU.
HEARTBEAT_TURNS = 10
# The position of a page rendered before its game's first event: the stream replays the whole
# history. No position at all (a bare URL) gets the current state instead, never the history.
START: str = "0"


def order(event_id: str) -> tuple[int, ...]:
    """What sorts event ids in publish order: both buses' ids are "<number>-<number>"."""
    return tuple(int(part) for part in event_id.split("-"))


class Subscription:
    """One open stream's mailbox: a deque and an event rather than a Queue, so a waiting stream
    arms no timer and an idle one costs little memory (heartbeats come from the Hub).

    With the client's socket (fd) a push writes straight to it while the stream's greenlet waits
    with nothing queued: waking that greenlet to hand the bytes to the server's write cost twice
    the write itself (an idle heartbeat 71-96 µs of app CPU through gunicorn, 34-35 µs straight).
    What the socket does not take at once is queued, and the greenlet writes it through the
    server as before, so a slow reader still stalls only its own greenlet and is dropped."""

    __slots__ = (
        "game_id",
        "audiences",
        "address",
        "closed",
        "writer",
        "writing_since",
        "_items",
        "_bytes",
        "_ready",
        "_held",
        "_replayed_to",
        "turn",
        "delivered_since_beat",
        "fd",
        "parked",
    )
    # Bytes a stream may be behind. An event is a few kB (a 200-team lobby's screen is 8 kB), so
    # a reader that is keeping up never gets near this; one that is not holds at most this much.
    LIMIT = 1 << 20

    def __init__(
        self, game_id: int, audiences: tuple[str, ...], address: str | None = None, replaying=False, fd=None
    ):
        self.game_id = game_id
        self.audiences = audiences
        self.address = address  # the client's, for the per-address cap
        self.closed = False
        # The greenlet that writes this stream (under gevent; None otherwise), and since when it
        # has been waiting for the client to take its current write (None: it is not writing).
        current = gevent.getcurrent()
        self.writer = current if isinstance(current, gevent.Greenlet) else None
        self.writing_since = None
        self._items = deque()
        self._bytes = 0
        self._ready = threading.Event()
        # While the stream reads its backlog, deliveries wait here with their positions; then
        # those the backlog had are dropped, held or arriving late (see replayed).
        self._held = [] if replaying else None
        self._replayed_to = None
        self.turn = 0  # its heartbeat's turn (Hub.start_heartbeats)
        self.delivered_since_beat = False
        # Written straight only under gevent, where nothing else runs while a push writes.
        self.fd = fd if self.writer is not None else None
        self.parked = False  # its greenlet waits in wait(), everything before handed to the server

    def push(self, data: bytes, position: tuple[int, ...] | None = None) -> None:
        """Queue bytes for the client (an event's at its position, see order). A client too slow
        to keep up is closed, not buffered without bound: it reconnects with Last-Event-ID and
        catches up from the history."""
        if self.closed:
            return
        if position is not None:
            if self._held is not None:
                self._held.append((position, data))
                return
            if self._replayed_to is not None:
                if position <= self._replayed_to:
                    return
                self._replayed_to = None  # a game's events arrive in order: no more repeats
        if self._bytes + len(data) > self.LIMIT:
            self.close()
            return
        if self.parked and not self._items:
            data = self._write_now(data)
            if not data:
                return
        self._items.append(data)
        self._bytes += len(data)
        self._ready.set()

    def _write_now(self, data: bytes) -> bytes:
        """Write what the socket takes without waiting; the rest, for the stream's greenlet."""
        try:
            sent = os.write(self.fd, data)
        except BlockingIOError:
            return data
        except OSError:  # the client is gone
            self.close()
            return b""
        return data[sent:]

    def replayed(self, last_id: str) -> None:
        """The stream's backlog ends at last_id. An event published between subscribing and
        reading the backlog is in both: the live copy, delivered before now or after, is dropped.
        Call with the hub's lock held (Hub.replayed)."""
        held, self._held = self._held, None
        self._replayed_to = order(last_id)
        for position, data in held:
            self.push(data, position)

    def close(self) -> None:
        """End the stream: whatever is queued is dropped, the stream sees None next."""
        self.closed = True
        self._items.clear()
        self._bytes = 0
        self._items.append(None)
        self._ready.set()

    def wait(self, timeout: float | None = None) -> list[bytes | None]:
        """What was pushed since the last call, oldest first; blocks until there is something
        (or the timeout passes: then possibly nothing)."""
        self.parked = self.fd is not None
        try:
            self._ready.wait(timeout)
        finally:  # also when the greenlet is killed here: its socket is about to close
            self.parked = False
        self._ready.clear()
        items = []
        while self._items:
            items.append(self._items.popleft())
        self._bytes = 0
        return items


class Hub:
    """Per-process fan-out from the bus to the open streams of this process."""

    def __init__(self, max_per_address: int | None = None, send_timeout: float | None = None):
        self._games = {}
        self._per_address = {}
        self.max_per_address = max_per_address
        self.send_timeout = send_timeout
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._turns = itertools.count()
        # The bus's: called for every local stream of a game as it opens (returning once this
        # process receives the game's events) and as it closes. The memory bus needs neither.
        self.watch = lambda game_id: None
        self.unwatch = lambda game_id: None

    def subscribe(
        self, game_id: int, audiences: Sequence[str], address: str | None = None, replaying=False, fd=None
    ) -> Subscription | None:
        """A new stream's subscription; None when this address holds too many streams already.
        Once it returns, every event published for the game reaches the subscription. replaying:
        the caller reads a backlog next, and calls replayed() once it has. fd: the client's
        socket, when the stream's bytes may be written to it as they are (see Subscription)."""
        sub = Subscription(game_id, tuple(audiences), address, replaying, fd)
        sub.turn = next(self._turns) % HEARTBEAT_TURNS
        with self._lock:
            held = self._per_address.get(address, 0)
            if self.max_per_address and held >= self.max_per_address:
                return None
            self._per_address[address] = held + 1
        try:
            self.watch(game_id)
        except BaseException:
            self._release(address)
            raise
        with self._lock:
            self._games.setdefault(game_id, set()).add(sub)
        metrics.STREAMS.inc()
        return sub

    def replayed(self, sub: Subscription, last_id: str) -> None:
        with self._lock:
            sub.replayed(last_id)

    def _release(self, address):
        with self._lock:
            left = self._per_address[address] - 1
            if left:
                self._per_address[address] = left
            else:
                del self._per_address[address]

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            subs = self._games.get(sub.game_id)
            if subs is None or sub not in subs:
                return
            subs.discard(sub)
            if not subs:
                del self._games[sub.game_id]
        self._release(sub.address)
        self.unwatch(sub.game_id)
        metrics.STREAMS.dec()

    def stream_count(self) -> int:
        with self._lock:
            return sum(len(s) for s in self._games.values())

    def deliver(self, event: Event) -> None:
        # Encoded once per fragment (teams with the same result share one), and only for
        # audiences some stream here wants: the other teams' results in this event are for
        # streams held by other processes. Under the lock, so that a stream reading its backlog
        # holds this event or has its backlog (replayed).
        encoded = {}
        delivered = 0
        position = order(event.id)
        parts = event.parts
        with self._lock:
            for sub in self._games.get(event.game_id, ()):
                chunks = []
                for audience in sub.audiences:
                    html = parts.get(audience)
                    if html is None:
                        continue
                    data = encoded.get(html)
                    if data is None:
                        data = encoded[html] = encode(event.id, html)
                    chunks.append(data)
                if chunks:
                    sub.push(chunks[0] if len(chunks) == 1 else b"".join(chunks), position)
                    sub.delivered_since_beat = True
                    delivered += 1
        if delivered:
            metrics.DELIVERED.inc(delivered)
            if event.published_at is not None:
                metrics.PUBLISH_DELIVER.observe(time.time() - event.published_at)

    def _everyone(self):
        with self._lock:
            return [s for group in self._games.values() for s in group]

    def close_all(self) -> None:
        """On shutdown: end every stream so its browser reconnects to a live process."""
        for sub in self._everyone():
            sub.close()

    def drop_stalled(self) -> None:
        """End the streams whose client has not taken a write for send_timeout seconds (a phone
        gone without closing, a client that never reads). Their greenlet is blocked in the
        server's sendall, where nothing of ours runs: killing it makes the server (gevent's
        pywsgi or gunicorn's gevent worker) close the socket and the stream's memory is freed."""
        if not self.send_timeout:
            return
        too_old = time.monotonic() - self.send_timeout
        for sub in self._everyone():
            since = sub.writing_since
            if since is not None and since < too_old:
                sub.close()
                if sub.writer is not None:
                    sub.writer.kill(block=False)

    def start_heartbeats(self, interval: float, after_beat: Callable[[], None] | None = None) -> None:
        """A comment line to every stream once per `interval` seconds, from one timer for all of
        them: it keeps phones behind NAT and idle proxies from dropping a quiet stream. A stream
        beats in its own turn (a tenth of the streams at a time) and not at all when it has had
        an event since its last turn, so no stream is silent for two intervals. Once per
        interval the same timer drops stalled streams, so a stream is dropped within
        send_timeout + interval, and then calls after_beat (the operator's count of open streams)."""

        def beat():
            turn = 0
            while not self._stopped.wait(interval / HEARTBEAT_TURNS):
                if turn == 0:
                    self.drop_stalled()
                for sub in self._everyone():
                    if sub.turn != turn:
                        continue
                    if sub.delivered_since_beat:
                        sub.delivered_since_beat = False
                    else:
                        sub.push(HEARTBEAT)
                if turn == 0 and after_beat is not None:
                    after_beat()
                turn = (turn + 1) % HEARTBEAT_TURNS

        threading.Thread(target=beat, daemon=True, name="pubquiz-heartbeats").start()

    def stop(self) -> None:
        self._stopped.set()


# An ended game's history is kept this long (seconds), for the podium's reconnects, then
# forgotten: a browser coming back later gets the full state, and a server hosting thousands of
# games a day holds the history of the running ones only.
ENDED_HISTORY_SECONDS = 15 * 60


class MemoryBus:
    """The bus for one process (the laptop default and the tests): history in a deque per game."""

    def __init__(self, hub: Hub, history_size: int = 200):
        self.hub = hub
        self.history_size = history_size
        self.ended_history_seconds = ENDED_HISTORY_SECONDS
        # Ids carry this bus's start time, so ids from before a restart are recognised as unknown.
        self._epoch = int(time.time() * 1000)
        self._counter = itertools.count(1)
        self._history = {}
        self._forget_at = {}  # ended game -> when its history goes
        self._lock = threading.Lock()

    def publish(self, game_id: int, parts: dict[str, str], ended: bool = False) -> Event:
        """ended: the game is over; its history goes ended_history_seconds after this event."""
        with self._lock:
            self._forget_expired()
            event_id = "%s-%d" % (self._epoch, next(self._counter))
            event = Event(game_id, event_id, dict(parts), time.time())
            history = self._history.setdefault(game_id, deque(maxlen=self.history_size))
            history.append(event)
            if ended:
                self._forget_at[game_id] = time.monotonic() + self.ended_history_seconds
        self.hub.deliver(event)
        return event

    def _forget_expired(self):
        now = time.monotonic()
        for game_id, at in list(self._forget_at.items()):
            if at <= now:
                del self._forget_at[game_id]
                self._history.pop(game_id, None)

    def last_id(self, game_id: int) -> str:
        with self._lock:
            self._forget_expired()
            history = self._history.get(game_id)
            return history[-1].id if history else ""

    def since(self, game_id: int, last_id: str) -> list[Event] | None:
        """Events after `last_id` (START: the whole history), oldest first; None when that id is
        not in the history (too old, from before a restart, or none): the client then needs the
        full current state."""
        with self._lock:
            self._forget_expired()
            history = list(self._history.get(game_id, ()))
        if last_id == START:
            return history
        for index in range(len(history) - 1, -1, -1):
            if history[index].id == last_id:
                return history[index + 1 :]
        return None

    def close(self) -> None:
        pass
