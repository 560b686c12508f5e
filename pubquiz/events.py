"""Events, their fan-out, and the buses: the only code that speaks pub/sub.

An Event is what one committed change of a game means to each audience: `parts` maps an
audience ("host", "screen", "player", "team:<id>") to the HTML fragment it should swap in. The
bus gives every event an id that orders it within its game and keeps a bounded history per game so
a client reconnecting with Last-Event-ID gets exactly what it missed.

Each process has one Hub. It maps a game to the local streams subscribed to it and writes the same
pre-encoded bytes to every subscriber of an audience: fragments are rendered once per audience by
the publisher and encoded once per process here, never once per client.
"""

import itertools
import json
import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import gevent

from . import metrics

log = logging.getLogger(__name__)


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
# The position of a page rendered before its game's first event: the stream replays the whole
# history. No position at all (a bare URL) gets the current state instead, never the history.
START: str = "0"


class Subscription:
    """One open stream's mailbox: a deque and an event rather than a Queue, so a waiting stream
    arms no timer and an idle one costs little memory (heartbeats come from the Hub)."""

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
    )
    # Bytes a stream may be behind. An event is a few kB (a 200-team lobby's screen is 8 kB), so
    # a reader that is keeping up never gets near this; one that is not holds at most this much.
    LIMIT = 1 << 20

    def __init__(self, game_id: int, audiences: tuple[str, ...], address: str | None = None):
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

    def push(self, data: bytes) -> None:
        """Queue bytes for the client. A client too slow to keep up is closed, not buffered without
        bound: it reconnects with Last-Event-ID and catches up from the history."""
        if self.closed:
            return
        if self._bytes + len(data) > self.LIMIT:
            self.close()
            return
        self._items.append(data)
        self._bytes += len(data)
        self._ready.set()

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
        self._ready.wait(timeout)
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

    def subscribe(
        self, game_id: int, audiences: Sequence[str], address: str | None = None
    ) -> Subscription | None:
        """A new stream's subscription; None when this address holds too many streams already."""
        sub = Subscription(game_id, tuple(audiences), address)
        with self._lock:
            held = self._per_address.get(address, 0)
            if self.max_per_address and held >= self.max_per_address:
                return None
            self._per_address[address] = held + 1
            self._games.setdefault(game_id, set()).add(sub)
        metrics.STREAMS.inc()
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            subs = self._games.get(sub.game_id)
            if subs is None or sub not in subs:
                return
            subs.discard(sub)
            if not subs:
                del self._games[sub.game_id]
            left = self._per_address[sub.address] - 1
            if left:
                self._per_address[sub.address] = left
            else:
                del self._per_address[sub.address]
        metrics.STREAMS.dec()

    def stream_count(self) -> int:
        with self._lock:
            return sum(len(s) for s in self._games.values())

    def deliver(self, event: Event) -> None:
        with self._lock:
            subs = list(self._games.get(event.game_id, ()))
        if not subs:
            return
        # Encoded once per audience, and only for audiences some stream here wants: the other
        # teams' results in this event are for streams held by other processes.
        encoded = {}
        delivered = 0
        for sub in subs:
            chunks = []
            for audience in sub.audiences:
                if audience not in encoded and audience in event.parts:
                    encoded[audience] = encode(event.id, event.parts[audience])
                if audience in encoded:
                    chunks.append(encoded[audience])
            if chunks:
                sub.push(chunks[0] if len(chunks) == 1 else b"".join(chunks))
                delivered += 1
        metrics.DELIVERED.inc(delivered)
        if delivered and event.published_at is not None:
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
        """A comment line to every stream every `interval` seconds, from one timer for all of
        them: it keeps phones behind NAT and idle proxies from dropping a quiet stream. The same
        timer drops stalled streams, so a stream is dropped within send_timeout + interval, and
        then calls after_beat (the operator's count of open streams)."""

        def beat():
            while not self._stopped.wait(interval):
                self.drop_stalled()
                for sub in self._everyone():
                    sub.push(HEARTBEAT)
                if after_beat is not None:
                    after_beat()

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
        self._epoch = format(int(time.time() * 1000), "x")
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


# XADD and PUBLISH in one atomic step: every process sees a game's events in the order of their
# ids, whichever process published them.
_PUBLISH = """
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('PUBLISH', KEYS[2], id .. ' ' .. ARGV[2])
return id
"""
_STREAM_ID = re.compile(r"^\d{1,20}-\d{1,20}$")


class RedisBus:
    """The bus for many processes. History: a Redis Stream per game (capped, so a browser
    reconnecting to any process replays from it). Live: one subscription per process, whatever
    the number of browsers, fanned out by this process's Hub.

    If Redis goes away, publishing games are remembered and their state is published again once
    it is back, and every local stream is closed then so its browser reconnects and catches up:
    nothing committed is lost, nobody needs a manual step."""

    HISTORY_TTL = 24 * 3600  # a running game's history outlives any quiz night

    def __init__(self, hub: Hub, url: str, history_size: int = 200, prefix: str = "pubquiz"):
        import redis

        self.hub = hub
        self.prefix = prefix
        self.channel = prefix + ":events"
        self.history_size = history_size
        self.ended_history_seconds = ENDED_HISTORY_SECONDS
        self._errors = (redis.ConnectionError, redis.TimeoutError, OSError)
        # A burst of streams opening at once (a pub's phones reconnecting) waits for one of the
        # pool's connections: redis-py's default pool fails past 100 with "Too many connections".
        self.redis = redis.Redis(
            connection_pool=redis.BlockingConnectionPool.from_url(
                url, timeout=5, socket_timeout=5, socket_connect_timeout=3, retry_on_timeout=True
            )
        )
        self._publish = self.redis.register_script(_PUBLISH)
        self._unpublished = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.on_recovered = lambda game_ids: None
        self.connected = threading.Event()
        self._thread = threading.Thread(
            target=self._listen, args=(url,), daemon=True, name="pubquiz-redis-bus"
        )
        self._thread.start()

    def _key(self, game_id):
        return "%s:game:%d:events" % (self.prefix, game_id)

    def publish(self, game_id: int, parts: dict[str, str], ended: bool = False) -> Event:
        """ended: the game is over; its history expires ended_history_seconds after this event."""
        # "t": for the latency measured where it is delivered (a stream id's time is Redis's
        # clock, not the processes'; a message without it, from an older version, is not measured).
        published_at = time.time()
        payload = json.dumps({"g": game_id, "p": parts, "t": published_at}, separators=(",", ":"))
        ttl = self.ended_history_seconds if ended else self.HISTORY_TTL
        try:
            event_id = self._publish(
                keys=[self._key(game_id), self.channel], args=[self.history_size, payload, ttl]
            )
        except self._errors as error:
            log.warning("Redis unavailable, game %s will be published again: %s", game_id, error)
            with self._lock:
                self._unpublished.add(game_id)
            return None
        return Event(game_id, event_id.decode(), dict(parts), published_at)

    def last_id(self, game_id: int) -> str:
        newest = self.redis.xrevrange(self._key(game_id), count=1)
        return newest[0][0].decode() if newest else ""

    def since(self, game_id: int, last_id: str) -> list[Event] | None:
        key = self._key(game_id)
        if last_id == START:
            return [self._event(game_id, entry) for entry in self.redis.xrange(key)]
        if not _STREAM_ID.match(last_id):
            return None
        pipe = self.redis.pipeline(transaction=True)
        pipe.xrange(key, last_id, last_id)
        pipe.xrange(key, "(" + last_id)
        found, after = pipe.execute()
        if not found:
            return None  # trimmed away, or lost with a Redis restart: send the full state
        return [self._event(game_id, entry) for entry in after]

    @staticmethod
    def _event(game_id, entry):
        event_id, fields = entry
        return Event(game_id, event_id.decode(), json.loads(fields[b"e"])["p"])

    def _listen(self, url):
        import redis

        # Its own connection with no read timeout: a quiet night is not an error.
        client = redis.Redis.from_url(
            url, socket_connect_timeout=3, socket_keepalive=True, health_check_interval=10
        )
        delay, was_down = 0.1, False
        while not self._stop.is_set():
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(self.channel)
                self.connected.set()
                if was_down:
                    self._recover()
                delay, was_down = 0.1, False
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is not None:
                        self._deliver(message["data"])
            except self._errors as error:
                if not was_down:
                    log.warning("lost the Redis subscription, reconnecting: %s", error)
                self.connected.clear()
                was_down = True
                self._stop.wait(delay)
                delay = min(delay * 2, 2.0)
            finally:
                pubsub.close()

    def _deliver(self, data):
        event_id, _, payload = data.decode().partition(" ")
        message = json.loads(payload)
        self.hub.deliver(Event(message["g"], event_id, message["p"], message.get("t")))

    def _recover(self):
        log.info("Redis is back: republishing and reconnecting local streams")
        with self._lock:
            games, self._unpublished = self._unpublished, set()
        # Events published while this process was not subscribed never reached its streams.
        self.hub.close_all()
        try:
            self.on_recovered(games)
        except Exception:
            log.exception("republishing after a Redis outage failed")
            with self._lock:
                self._unpublished |= games

    def close(self) -> None:
        self._stop.set()
