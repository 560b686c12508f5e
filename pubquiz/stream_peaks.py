"""The most live streams open at once, per day (UTC), for the operator's dashboard.

Each process knows only its own streams. At every heartbeat (one timer per process, see
Hub.start_heartbeats) the process reports its count; the day's peak is the largest sum of the
processes' latest reports seen at a report. With Redis the reports of every process meet in one
hash (a report older than three heartbeats is a process that stopped, and is dropped), and one
script adds them up and raises the day's peak, so two processes cannot both miss the other's
report. Without Redis there is one process, and its peaks are kept in memory until it stops.

So a peak is sampled once per heartbeat (15 s by default): a burst of streams that opened and
closed between two heartbeats is not seen."""

import logging
import os
import socket
import threading
import time
from datetime import UTC, datetime

log = logging.getLogger(__name__)
KEEP_DAYS = 400  # a day's peak is kept this long in Redis

# KEYS: the reports hash, the day's peak (under one hash tag: in a Redis Cluster a script's keys
# must be on one shard). ARGV: this process, its count, now, the age of a report
# that no longer counts, how long to keep the peak (seconds). Returns the sum of the reports.
REPORT = """
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ' ' .. ARGV[3])
local total, oldest = 0, tonumber(ARGV[3]) - tonumber(ARGV[4])
local reports = redis.call('HGETALL', KEYS[1])
for i = 1, #reports, 2 do
  local count, at = string.match(reports[i + 1], '^(%d+) ([%d.]+)$')
  if count == nil or tonumber(at) < oldest then
    redis.call('HDEL', KEYS[1], reports[i])
  else
    total = total + tonumber(count)
  end
end
if total > tonumber(redis.call('GET', KEYS[2]) or '0') then
  redis.call('SET', KEYS[2], total, 'EX', ARGV[5])
end
return total
"""


def _today():
    return datetime.now(UTC).date()


class MemoryPeaks:
    """One process: its own count is the whole count."""

    def __init__(self):
        self._peaks = {}
        self._now = 0
        self._lock = threading.Lock()

    def report(self, count):
        with self._lock:
            self._now = count
            day = _today()
            self._peaks[day] = max(self._peaks.get(day, 0), count)

    def now(self):
        return self._now

    def peaks(self, days):
        """{day: the most streams open at once that day} for the days with a report."""
        with self._lock:
            return {day: self._peaks[day] for day in days if day in self._peaks}


class RedisPeaks:
    def __init__(self, client, prefix, heartbeat_seconds, worker=None):
        self._redis = client
        self._prefix = prefix
        self._stale = 3 * heartbeat_seconds
        self._worker = worker or f"{socket.gethostname()}:{os.getpid()}"
        self._script = client.register_script(REPORT)

    def _day_key(self, day):
        return f"{self._prefix}:{{stream-peaks}}:{day.isoformat()}"

    def report(self, count):
        self._script(
            keys=[f"{self._prefix}:{{stream-peaks}}:reports", self._day_key(_today())],
            args=[self._worker, count, time.time(), self._stale, KEEP_DAYS * 86400],
        )

    def now(self):
        """The sum of the processes' latest reports (each at most a heartbeat old)."""
        oldest = time.time() - self._stale
        total = 0
        for value in self._redis.hvals(f"{self._prefix}:{{stream-peaks}}:reports"):
            count, at = value.decode().split(" ")
            total += int(count) if float(at) >= oldest else 0
        return total

    def peaks(self, days):
        values = self._redis.mget([self._day_key(day) for day in days]) if days else []
        return {day: int(v) for day, v in zip(days, values, strict=True) if v is not None}


def reporter(hub, peaks):
    """What the heartbeat timer calls: a report that fails (Redis away) is logged and the next
    heartbeat tries again; the streams are not disturbed."""

    def report():
        try:
            peaks.report(hub.stream_count())
        except Exception as error:  # any failure: the dashboard misses a sample, the streams go on
            # One line, no traceback: while Redis is away this repeats at every heartbeat.
            log.warning("could not report the number of open streams: %s", error)

    return report
