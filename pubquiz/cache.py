"""A small cache for the state every request needs (a game by its code, a team's identity), so
the answer and stream paths do not read the database.

Values carry the version of what they describe and are only ever replaced by a newer version: a
slow reader that fetched old state cannot overwrite what a transition just stored, so the cache is
never stale after a transition. Redis when configured (shared by every process), in-process
otherwise (the one-process laptop default)."""
import json
import threading
import time

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
        import redis

        # Requests wait for a free connection rather than fail in a burst (see RedisBus).
        self.redis = redis.Redis(connection_pool=redis.BlockingConnectionPool.from_url(
            url, timeout=2, socket_timeout=2, socket_connect_timeout=2))
        self.prefix = prefix + ":cache:"
        self._put = self.redis.register_script(_PUT_IF_NEWER)
        self._down = (redis.ConnectionError, redis.TimeoutError)

    def get(self, key):
        try:
            raw = self.redis.get(self.prefix + key)
        except self._down:
            return None
        return None if raw is None else json.loads(raw)

    def put(self, key, value):
        try:
            self._put(keys=[self.prefix + key],
                      args=[json.dumps(value, separators=(",", ":")), value["version"], TTL])
        except self._down:
            pass
