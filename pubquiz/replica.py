"""The read replica (DATABASE_REPLICA_URL): a streaming standby of the primary that pages which
may be a few seconds stale read from (db.may_be_stale), and whether it may be read right now.

It may be read when it answers and lags the primary by at most DATABASE_REPLICA_MAX_LAG seconds.
The lag is measured on the replica, at most once a second per process, as the age of the last
transaction it replayed: everything committed before that is there, so its data is at most that
old. An idle primary commits nothing and that age grows without the replica missing anything
(the usual trap of `now() - pg_last_xact_replay_timestamp()`); so when the age is over the limit,
the primary is asked how far its WAL goes, and a replica that has replayed all of it is current.
Anything else (down, refusing, not a standby, behind) sends the reads to the primary until the
next check."""

import logging
import threading
import time

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

log = logging.getLogger(__name__)
CHECK_SECONDS = 1.0
# A replica that does not answer costs a page this long at most before its reads go to the
# primary (whole seconds, 2 at least, as libpq counts them), then no page for 4 times as long.
CONNECT_TIMEOUT = 2


# What a read on the replica may meet that the primary would not hold against it: the replica
# stopping or unreachable, or a query cancelled because it conflicted with the WAL being replayed.
TROUBLE = (psycopg.OperationalError, psycopg.errors.SerializationFailure)


class Failed(Exception):
    """A read on the replica failed (it stopped, or its connection broke): read on the primary."""


class Connection(psycopg.Connection):
    """A connection to the replica (db.py retries a broken one on the primary, not here)."""


class Replica:
    def __init__(self, url, max_lag, primary, pool_size, queries):
        """primary: the primary's pool; queries: db.QUERIES, with sql/queries/replica.sql's."""
        self.url = url
        self.queries = queries
        self.max_lag = max_lag
        self.primary = primary
        self.pool_size = pool_size
        self.pool = None  # open while the replica may be read
        self._probe = None  # the connection the checks run on
        self._next_check = 0.0
        self._lock = threading.Lock()
        self._last_problem = None

    def reads_pool(self):
        """The replica's pool when it may be read now, else None (read the primary)."""
        if time.monotonic() >= self._next_check and self._lock.acquire(blocking=False):
            # One request checks; the others meanwhile go by the last check.
            try:
                started = time.monotonic()
                usable = self._usable_now()
                # A check that had to wait (a replica that does not answer) is not repeated
                # for a while: one page in many waits for it, not one a second.
                self._set_usable(usable, wait=max(CHECK_SECONDS, 4 * (time.monotonic() - started)))
            finally:
                self._lock.release()
        return self.pool

    def failed(self, error):
        """A read on the replica failed: the primary takes the reads until the next check."""
        log.warning("read replica failed, reading the primary: %s", error)
        with self._lock:
            self._set_usable(False)

    def close(self):
        with self._lock:
            self._set_usable(False)
            if self._probe is not None:
                self._probe.close()

    def _set_usable(self, usable, wait=CHECK_SECONDS):
        self._next_check = time.monotonic() + wait
        if usable and self.pool is None:
            # A new pool rather than one left reconnecting with a growing backoff while the
            # replica was away: it connects now, so reads come back with the replica.
            self.pool = ConnectionPool(
                self.url,
                min_size=1,
                max_size=self.pool_size,
                kwargs=_connection_settings("pubquiz-reads"),
                timeout=CONNECT_TIMEOUT,
                connection_class=Connection,
                name="pubquiz-replica",
                open=True,
            )
        elif not usable and self.pool is not None:
            pool, self.pool = self.pool, None
            pool.close(timeout=1)

    def _usable_now(self):
        try:
            if self._probe is None or self._probe.closed or self._probe.broken:
                self._probe = psycopg.connect(self.url, **_connection_settings("pubquiz-replica-check"))
            position = self._probe.execute(self.queries["replica_position"]).fetchone()
        except psycopg.Error as error:
            self._log_once("read replica not reachable, reading the primary: %s", error)
            return False
        if not position["in_recovery"]:
            self._log_once("DATABASE_REPLICA_URL is not a standby (not in recovery): reading the primary")
            return False
        if position["replay_age"] is not None and position["replay_age"] <= self.max_lag:
            return self._log_once(None)
        with self.primary.connection() as conn:
            flushed = conn.execute(self.queries["primary_position"]).fetchone()["flushed"]
        if position["replayed"] >= flushed:
            return self._log_once(None)
        self._log_once("read replica more than %ss behind, reading the primary", self.max_lag)
        return False

    def _log_once(self, problem, *args):
        """Logs a change of verdict, not every check; True when there is no problem."""
        if problem != self._last_problem:
            if problem is None:
                log.info("read replica in use")
            else:
                log.warning(problem, *args)
            self._last_problem = problem
        return problem is None


def _connection_settings(name):
    # The name shows in the replica's pg_stat_activity: an operator sees which are ours.
    return {
        "row_factory": dict_row,
        "autocommit": True,
        "connect_timeout": CONNECT_TIMEOUT,
        "application_name": name,
    }
