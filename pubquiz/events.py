"""Events and their fan-out.

An Event is what one committed change of a game means to each audience: `parts` maps an
audience ("host", "screen", "player", "team:<id>") to the HTML fragment it should swap in. The
bus gives every event an id that orders it within its game and keeps a bounded history per game so
a client reconnecting with Last-Event-ID gets exactly what it missed.

Each process has one Hub. It maps a game to the local streams subscribed to it and writes the same
pre-encoded bytes to every subscriber of an audience: fragments are rendered once per audience by
the publisher and encoded once per process here, never once per client.
"""
import itertools
from queue import Full, Queue
import threading
import time
from collections import deque
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Event:
    game_id: int
    id: str
    parts: dict  # audience -> html


def encode(event_id, html):
    """One SSE message. Unnamed, so htmx's hx-sse swaps it (its fragments carry hx-swap-oob)."""
    lines = html.splitlines() or [""]
    return ("id: %s\n%s\n" % (event_id, "".join("data: %s\n" % line for line in lines))).encode()


HEARTBEAT = b": ping\n\n"


@dataclass(eq=False)
class Subscription:
    game_id: int
    audiences: tuple
    queue: Queue = field(default_factory=lambda: Queue(maxsize=256))
    closed: bool = False

    def push(self, data):
        """Queue bytes for the client. A client too slow to keep up is closed, not buffered without
        bound: it reconnects with Last-Event-ID and catches up from the history."""
        if self.closed:
            return
        try:
            self.queue.put_nowait(data)
        except Full:
            self.close()

    def close(self):
        self.closed = True
        with self.queue.mutex:
            self.queue.queue.clear()
        self.queue.put_nowait(None)


class Hub:
    """Per-process fan-out from the bus to the open streams of this process."""

    def __init__(self):
        self._games = {}
        self._lock = threading.Lock()
        self.delivered = 0

    def subscribe(self, game_id, audiences):
        sub = Subscription(game_id, tuple(audiences))
        with self._lock:
            self._games.setdefault(game_id, set()).add(sub)
        return sub

    def unsubscribe(self, sub):
        with self._lock:
            subs = self._games.get(sub.game_id)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._games[sub.game_id]

    def stream_count(self):
        with self._lock:
            return sum(len(s) for s in self._games.values())

    def deliver(self, event):
        with self._lock:
            subs = list(self._games.get(event.game_id, ()))
        if not subs:
            return
        encoded = {audience: encode(event.id, html) for audience, html in event.parts.items()}
        for sub in subs:
            chunks = [encoded[a] for a in sub.audiences if a in encoded]
            if chunks:
                sub.push(chunks[0] if len(chunks) == 1 else b"".join(chunks))
                self.delivered += 1

    def close_all(self):
        """On shutdown: end every stream so its browser reconnects to a live process."""
        with self._lock:
            subs = [s for group in self._games.values() for s in group]
        for sub in subs:
            sub.close()


class MemoryBus:
    """The bus for one process (the laptop default and the tests): history in a deque per game."""

    def __init__(self, hub, history_size=200):
        self.hub = hub
        self.history_size = history_size
        # Ids carry this bus's start time, so ids from before a restart are recognised as unknown.
        self._epoch = format(int(time.time() * 1000), "x")
        self._counter = itertools.count(1)
        self._history = {}
        self._lock = threading.Lock()

    def publish(self, game_id, parts):
        with self._lock:
            event = Event(game_id, "%s-%d" % (self._epoch, next(self._counter)), dict(parts))
            history = self._history.setdefault(game_id, deque(maxlen=self.history_size))
            history.append(event)
        self.hub.deliver(event)
        return event

    def last_id(self, game_id):
        with self._lock:
            history = self._history.get(game_id)
            return history[-1].id if history else ""

    def since(self, game_id, last_id):
        """Events after `last_id`, oldest first; None when that id is not in the history
        (too old, or from before a restart): the client then needs the full current state."""
        with self._lock:
            history = list(self._history.get(game_id, ()))
        if not last_id:
            return history
        for index in range(len(history) - 1, -1, -1):
            if history[index].id == last_id:
                return history[index + 1:]
        return None

    def close(self):
        pass
