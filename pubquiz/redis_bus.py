"""The bus for many processes: the only code that speaks pub/sub.

History: a Redis Stream per game (capped), so a browser reconnecting to any process replays what
it missed. Live: a channel per game. Each process holds one pub/sub connection (one per shard of
a Redis Cluster) and is subscribed to the channels of the games it has streams of, counted by
stream: the first stream of a game subscribes, and it returns only once Redis has confirmed the
subscription, so the backlog that stream reads next and the live events after it leave no gap.
A process with no viewer of a game receives nothing of it.

A game's keys share the hash tag {game:<id>}: in a Redis Cluster its history and its channel live
on one shard, and the publish (XADD and SPUBLISH in one script) stays atomic there.
"""

import json
import logging
import re
import select
import threading
import time

import redis

from .events import ENDED_HISTORY_SECONDS, START, Event, Hub
from .redis_client import UNAVAILABLE, connect, is_cluster, through_failover

log = logging.getLogger(__name__)

# XADD and PUBLISH in one atomic step: every process sees a game's events in the order of their
# ids, whichever process published them.
_PUBLISH = """
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call(ARGV[4], KEYS[2], id .. ' ' .. ARGV[2])
return id
"""
_STREAM_ID = re.compile(r"^\d{1,20}-\d{1,20}$")
_CHANNEL_GAME = re.compile(rb"\{game:(\d+)\}:live$")


class RedisBus:
    """If Redis goes away (or the shard of some games fails over), every local stream is closed
    once it is back, so its browser reconnects and replays what it missed; the games this process
    could not publish, and the games it has viewers of, are published again (an event the old
    master acknowledged may not have reached its replica): nothing committed is lost, nobody
    needs a manual step."""

    HISTORY_TTL = 24 * 3600  # a running game's history outlives any quiz night
    # A game's channel stays subscribed this long after its last local stream closes: a page
    # reload, or every phone of a pub reconnecting at once, does not unsubscribe and subscribe again.
    GRACE_SECONDS = 10
    SUBSCRIBE_TIMEOUT = 5

    def __init__(self, hub: Hub, url: str, history_size: int = 200, prefix: str = "pubquiz"):
        self.hub = hub
        self.prefix = prefix
        self.cluster = is_cluster(url)
        self.history_size = history_size
        self.ended_history_seconds = ENDED_HISTORY_SECONDS
        self._errors = UNAVAILABLE
        self.redis = connect(url, timeout=5, wait=5, retry_on_timeout=True)
        self._publish = self.redis.register_script(_PUBLISH)
        # Sharded pub/sub in a cluster: a message goes to the shard of its channel only, not to
        # every node of the cluster.
        self._publish_command = "SPUBLISH" if self.cluster else "PUBLISH"
        # A channel nothing is published to: the connection stays subscribed (and its health
        # checks run) in a process with no viewers, so an outage is noticed.
        self._keepalive = prefix + ":keepalive"
        self._unpublished = set()
        self._lock = threading.Lock()
        self._viewers = {}  # game -> local streams
        self._idle = {}  # game with no local stream -> since when
        self._active = {}  # subscribed game -> set once Redis confirmed it on this connection
        self._pubsub = None
        self._down = False
        self._recovered_at = 0.0
        self.received = 0  # messages and bytes this process decoded (the benchmark's count)
        self.received_bytes = 0
        self._stop = threading.Event()
        self.on_recovered = lambda game_ids: None
        self.connected = threading.Event()
        hub.watch, hub.unwatch = self.watch, self.unwatch
        self._thread = threading.Thread(
            target=self._listen, args=(url,), daemon=True, name="pubquiz-redis-bus"
        )
        self._thread.start()

    def _key(self, game_id):
        return "%s:{game:%d}:events" % (self.prefix, game_id)

    def channel(self, game_id: int) -> str:
        return "%s:{game:%d}:live" % (self.prefix, game_id)

    def publish(self, game_id: int, parts: dict[str, str], ended: bool = False) -> Event:
        """ended: the game is over; its history expires ended_history_seconds after this event."""
        # "t": for the latency measured where it is delivered (a stream id's time is Redis's
        # clock, not the processes'; a message without it, from an older version, is not measured).
        published_at = time.time()
        payload = json.dumps({"g": game_id, "t": published_at, **_shared(parts)}, separators=(",", ":"))
        ttl = self.ended_history_seconds if ended else self.HISTORY_TTL

        def publish():
            return self._publish(
                keys=[self._key(game_id), self.channel(game_id)],
                args=[self.history_size, payload, ttl, self._publish_command],
            )

        try:
            # A shard failing over is replaced within seconds: the host's click waits for it.
            event_id = through_failover(publish) if self.cluster else publish()
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
        # From last_id on, in one command: it is the first entry, or no longer in the history
        # (trimmed away, lost with a Redis restart) and the client gets the full state.
        entries = self.redis.xrange(key, last_id)
        if not entries or entries[0][0].decode() != last_id:
            return None
        return [self._event(game_id, entry) for entry in entries[1:]]

    @staticmethod
    def _event(game_id, entry):
        event_id, fields = entry
        return Event(game_id, event_id.decode(), _parts(json.loads(fields[b"e"])))

    # --- the game channels this process is subscribed to ---------------------------------

    def watch(self, game_id: int) -> None:
        """A local stream of the game opens: returns once this process is subscribed to the
        game's channel (Redis has confirmed it). Raises redis.TimeoutError if Redis cannot say so
        within SUBSCRIBE_TIMEOUT: the stream is refused, its browser tries again."""
        with self._lock:
            self._viewers[game_id] = self._viewers.get(game_id, 0) + 1
            self._idle.pop(game_id, None)
            active = self._active.get(game_id)
            if active is None:
                active = self._active[game_id] = threading.Event()
                # While Redis is away the listener subscribes on reconnecting.
                if self._pubsub is not None:
                    self._send(self._pubsub, "subscribe", [self.channel(game_id)])
        if not active.wait(self.SUBSCRIBE_TIMEOUT):
            self.unwatch(game_id)
            raise redis.TimeoutError("not subscribed to the channel of game %d" % game_id)

    def unwatch(self, game_id: int) -> None:
        with self._lock:
            left = self._viewers[game_id] - 1
            if left:
                self._viewers[game_id] = left
            else:
                del self._viewers[game_id]
                self._idle[game_id] = time.monotonic()

    def _send(self, pubsub, command, channels):
        """(Un)subscribe; called with the lock held, so that the commands reach Redis in the
        order of the bookkeeping. A connection lost here is the listener's to notice."""
        if self.cluster:
            command = "s" + command
        try:
            getattr(pubsub, command)(*channels)
        except self._errors as error:
            log.warning("could not %s %s: %s", command, channels, error)

    def _drop_idle(self, pubsub):
        too_old = time.monotonic() - self.GRACE_SECONDS
        with self._lock:
            games = [game_id for game_id, since in self._idle.items() if since < too_old]
            for game_id in games:
                del self._idle[game_id]
                del self._active[game_id]
            if games:
                self._send(pubsub, "unsubscribe", [self.channel(game_id) for game_id in games])

    def _listen(self, url):
        client, pubsub, delay = None, None, 0.1
        while not self._stop.is_set():
            try:
                if client is None:
                    # Its own connection with no read timeout: a quiet night is not an error. A
                    # cluster client reads the slot map as it is made, so it can fail here.
                    client = connect(url, timeout=None, socket_keepalive=True, health_check_interval=10)
                elif self._down and self.cluster:
                    client.nodes_manager.initialize()  # a replica may own the slots now
                pubsub = client.pubsub()
                with self._lock:
                    for active in self._active.values():
                        active.clear()
                    channels = [self._keepalive, *map(self.channel, self._active)]
                    getattr(pubsub, "ssubscribe" if self.cluster else "subscribe")(*channels)
                    self._pubsub = pubsub
                delay = 0.1
                self._read(pubsub)
            except self._errors as error:
                if not self._down:
                    log.warning("lost the Redis subscription, reconnecting: %s", error)
                self.connected.clear()
                self._down = True
                self._stop.wait(delay)
                delay = min(delay * 2, 2.0)
            finally:
                with self._lock:
                    self._pubsub = None
                if pubsub is not None:
                    pubsub.close()
                    pubsub = None

    def _read(self, pubsub):
        receive = _from_every_shard if self.cluster else _from_one_server
        chores_at = time.monotonic() + 1
        while not self._stop.is_set():
            for message in receive(pubsub):
                kind = message["type"]
                if kind in ("message", "smessage"):
                    self._deliver(message["data"])
                elif kind in ("subscribe", "ssubscribe"):
                    self._confirmed(message["channel"])
            if time.monotonic() > chores_at:
                chores_at = time.monotonic() + 1
                self._drop_idle(pubsub)
                if self._unpublished:
                    self._republish(set())

    def _confirmed(self, channel):
        """Redis confirmed a subscription. Once more for one already confirmed: redis-py lost the
        connection and subscribed again by itself, and what was published meanwhile is missing."""
        if channel == self._keepalive.encode():
            again = self._down or self.connected.is_set()
            self._down = False
            self.connected.set()
        else:
            with self._lock:
                active = self._active.get(int(_CHANNEL_GAME.search(channel).group(1)))
            again = active is not None and active.is_set()
            if active is not None:
                active.set()
        # A connection subscribes again to all its channels at once: one recovery for them all.
        if again and time.monotonic() > self._recovered_at + 1:
            self._recovered_at = time.monotonic()
            self._recover()

    def _deliver(self, data):
        self.received += 1
        self.received_bytes += len(data)
        event_id, _, payload = data.decode().partition(" ")
        message = json.loads(payload)
        self.hub.deliver(Event(message["g"], event_id, _parts(message), message.get("t")))

    def _recover(self):
        log.info("Redis is back: republishing and reconnecting local streams")
        with self._lock:
            watched = set(self._viewers)
        # Events published while this process was not subscribed never reached its streams.
        self.hub.close_all()
        self._republish(watched)

    def _republish(self, games):
        with self._lock:
            games |= self._unpublished
            self._unpublished = set()
        try:
            self.on_recovered(games)
        except Exception:
            log.exception("republishing after a Redis outage failed")
            with self._lock:
                self._unpublished |= games

    def close(self) -> None:
        self._stop.set()


def _shared(parts):
    """An event's parts as they travel: each distinct fragment once ("f"), and for each audience
    the index of its fragment ("p"). Teams with the same result share one rendering (live.py): a
    reveal to 200 teams carries a handful of fragments, not 200 copies, through Redis and every
    process's decoder."""
    index, fragments = {}, []
    for html in parts.values():
        if html not in index:
            index[html] = len(fragments)
            fragments.append(html)
    return {"f": fragments, "p": {audience: index[html] for audience, html in parts.items()}}


def _parts(message):
    """audience -> fragment; equal fragments are one string, which the hub encodes once. A message
    without "f" was published by a version before the sharing (its "p" holds the fragments)."""
    if "f" not in message:
        return message["p"]
    fragments = message["f"]
    return {audience: fragments[number] for audience, number in message["p"].items()}


def _from_one_server(pubsub):
    message = pubsub.get_message(timeout=1.0)
    return [] if message is None else [message]


def _from_every_shard(pubsub):
    """What every shard's connection holds now, else a wait (up to 1 s) for any of them. redis-py
    reads a cluster's shards in turn, each for the whole timeout: a message on the last shard
    would wait for every other one's timeout first."""
    messages = []
    for name in list(pubsub.node_pubsub_mapping):
        node = pubsub.cluster.get_node(node_name=name)
        while node is not None and (message := pubsub.get_sharded_message(timeout=0, target_node=node)):
            messages.append(message)
    connections = [p.connection for p in pubsub.node_pubsub_mapping.values() if p.connection]
    # A health check's reply reads as nothing, with a message maybe buffered behind it.
    if not messages and not any(connection.can_read(timeout=0) for connection in connections):
        sockets = [connection._sock for connection in connections if connection._sock]
        select.select(sockets, [], [], 1.0)
    return messages
