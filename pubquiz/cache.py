"""A small cache for the state every request needs (a game by its code, a team's identity), so
the answer and stream paths do not read the database.

Values carry the version of what they describe and are only ever replaced by a newer version: a
slow reader that fetched old state cannot overwrite what a transition just stored, so the cache is
never stale after a transition. Redis when configured (shared by every process), in-process
otherwise (the one-process laptop default).

Read-mostly data that one revision number describes completely (a quiz's contents) is kept per
process instead, under that number (ByRevision)."""

import json
import threading
import time
from collections import OrderedDict

TTL = 6 * 3600

# Replace the value only if it describes a newer (or equal) version.
_PUT_IF_NEWER = """
local current = redis.call('GET', KEYS[1])
if current and cjson.decode(current)['version'] > tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
return 1
"""


class MemoryCache:
    def __init__(self):
        self._items = {}
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            item = self._items.get(key)
        if item is None or item[0] < time.monotonic():
            return None
        return item[1]

    def put(self, key, value):
        """value: a dict with a 'version'."""
        with self._lock:
            current = self._items.get(key)
            if current and current[0] >= time.monotonic() and current[1]["version"] > value["version"]:
                return
            self._items[key] = (time.monotonic() + TTL, value)


class RedisCache:
    """While Redis is unreachable, reads miss (the caller asks the database) and writes are
    skipped: a game goes on without its cache."""

    def __init__(self, url, prefix="pubquiz"):
        from .redis_client import UNAVAILABLE, connect

        # Requests wait for a free connection rather than fail in a burst (see RedisBus). Every
        # operation here is on one key: in a Redis Cluster it goes to that key's shard.
        self.redis = connect(url, timeout=2, wait=2)
        self.prefix = prefix + ":cache:"
        self._put = self.redis.register_script(_PUT_IF_NEWER)
        self._down = UNAVAILABLE

    def get(self, key):
        try:
            raw = self.redis.get(self.prefix + key)
        except self._down:
            return None
        return None if raw is None else json.loads(raw)

    def put(self, key, value):
        try:
            self._put(
                keys=[self.prefix + key],
                args=[json.dumps(value, separators=(",", ":")), value["version"], TTL],
            )
        except self._down:
            pass


class ByRevision:
    """Values that a revision number describes completely (a quiz's contents), kept in this process.
    Whoever asks has read the current revision in its own transaction: a value kept under another
    revision is a miss, never a stale hit, whichever process made the change. Only the `size` keys
    stored last are kept."""

    def __init__(self, size=64):
        self._items = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key, revision):
        with self._lock:
            item = self._items.get(key)
        return item[1] if item and item[0] == revision else None

    def put(self, key, revision, value):
        with self._lock:
            self._items[key] = (revision, value)
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
