"""What one stream may cost a real server (`pubquiz serve`, and a gunicorn gevent worker): clients
that open streams and never read are dropped after the send timeout and their memory freed, a
stream with no position gets the current state once (never the whole history), and a reader that
keeps up meanwhile gets every event in order."""

import asyncio
import os
import re
import secrets
import select
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import aiohttp
import psutil
import psycopg
import pytest
import redis
from helpers import redis_url

from harness.history import collapse, history
from harness.people import Host, Team, close_all
from harness.processes import free_port, raise_nofile, wait_for_http
from harness.quiz import planet_question

TEAMS = 200  # the most a game may have
EVENTS = 400  # per wave: some 600 kB (the lobby shows 24 names) to each stream, more than a stalled
# socket's buffers take; the server keeps a history that holds them all
STALLED = 500
SEND_TIMEOUT = 5
# Per-address cap above what this test opens from 127.0.0.1 (the default, 500, is per process).
MAX_STREAMS = STALLED + 20
# What a second wave of 500 stalled streams may add to the server, measured once a first wave has
# come and gone (so the allocator already holds memory for their greenlets, sockets and requests):
# 16 kB a stream, twice its own full state (8 kB); the events it is behind are shared bytes.
# Replaying this game's history to each of them (what a bare stream got before) is about 1 MB a
# stream, 500 MB in all. Measured: about 1 MB for the whole wave.
RSS_BOUND = 500 * 16 * 1024
OPEN_STREAMS = re.compile(r"^pubquiz_open_streams(?:\{[^}]*\})? (\S+)$", re.M)
IDS = re.compile(r"^id: (\S+)$", re.M)


ROOT = Path(__file__).resolve().parent.parent
COMMANDS = {
    "pubquiz serve": ["-m", "pubquiz.cli", "serve", "--port", "{port}"],
    # One gevent worker, as each of production's: the process whose memory is measured.
    "gunicorn": ["-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py")],
}


@pytest.fixture(params=COMMANDS)
def server(request, database_url, tmp_path):
    """(port, the process holding the streams, Redis prefix) of a real server."""
    raise_nofile()
    port = free_port()
    prefix = "pubquiz-limits-" + secrets.token_hex(4)
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        REDIS_URL=redis_url(),
        PUBQUIZ_REDIS_PREFIX=prefix,
        SECRET_KEY="limits-secret-" + secrets.token_hex(8),
        PUBQUIZ_INSTANCE_DIR=str(tmp_path),
        PUBQUIZ_SEND_TIMEOUT_SECONDS=str(SEND_TIMEOUT),
        PUBQUIZ_HEARTBEAT_SECONDS="1",
        PUBQUIZ_MAX_STREAMS_PER_ADDRESS=str(MAX_STREAMS),
        # The 200 teams join from this one address (a pub router allows 60 new teams).
        PUBQUIZ_LIMIT_NEW_TEAMS="1000 per hour",
        PUBQUIZ_HISTORY_SIZE="1000",
        # Each bare stream renders the game's state: 500 at once queue for the pool.
        PUBQUIZ_DB_TIMEOUT="120",
        PUBQUIZ_WORKERS="1",
        PUBQUIZ_BIND=f"127.0.0.1:{port}",
    )
    log = open(tmp_path / "server.log", "w")
    command = [sys.executable] + [part.format(port=port) for part in COMMANDS[request.param]]
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz", process)
        holder = psutil.Process(process.pid)
        if request.param == "gunicorn":
            holder = holder.children()[0]
        yield port, holder, prefix
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _open_streams(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        return int(float(OPEN_STREAMS.search(response.read().decode()).group(1)))


def _wait_until(condition, what, seconds=60):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def _request(path):
    # HTTP/1.0: the body is the stream itself, no chunk framing.
    return f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".encode()


def _stalled(port, path):
    """A client that asks for a stream and never reads it, with a small receive buffer, as a
    phone that went away without closing does (or someone holding sockets on purpose)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    sock.connect(("127.0.0.1", port))
    sock.sendall(_request(path))
    return sock


def _answered(socks):
    """True when every one of `socks` has something to read (its stream has started), read or not."""
    poll = select.poll()
    for sock in socks:
        poll.register(sock, select.POLLIN)
    return len(poll.poll(0)) == len(socks)


def _ends(sock, seconds=30):
    """True when the server has closed the connection: once what it had sent is read, EOF or a
    reset, within `seconds`."""
    sock.settimeout(1)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            try:
                if not sock.recv(65536):
                    return True
            except TimeoutError:
                pass
    except ConnectionResetError:
        return True
    finally:
        sock.close()
    return False


class Reader:
    """A client that reads its stream as fast as it comes."""

    def __init__(self, port, path):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.sendall(_request(path))
        self.data = b""
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        try:
            while chunk := self.sock.recv(65536):
                self.data += chunk
        except OSError:
            pass

    def text(self):
        return self.data.decode(errors="replace")

    def ids(self):
        return collapse(IDS.findall(self.text()))

    def close(self):
        self.sock.close()
        self.thread.join(timeout=5)


async def _game(port):
    """A host with a started game and TEAMS teams in its lobby."""
    base = f"http://127.0.0.1:{port}"
    # A connection per request: gunicorn closes one idle for its keepalive (5 s) while the test
    # opens its streams, and a POST is not retried on a closed one.
    host = Host(base, connector=aiohttp.TCPConnector(force_close=True))
    await host.register(f"limits-{secrets.token_hex(4)}@example.org")
    quiz = await host.create_quiz("Limits", [planet_question(1)])
    code = await host.start_game(quiz)
    teams = [Team(base) for _ in range(TEAMS)]
    for number, team in enumerate(teams):
        await team.join(code, f"Long Team Name Number {number:03d}")
    await close_all(*teams)
    return host, code


async def _publish(host, code):
    """EVENTS pushes of the whole lobby to every screen: the host hides and shows the scores."""
    for number in range(EVENTS):
        status, _, _ = await host.post(
            f"/host/{code}/manage/scores-hidden", {"hidden": str(number % 2)}, htmx=True
        )
        assert status in (200, 204), status


def test_stalled_streams_are_dropped_and_freed_while_a_reader_gets_every_event(server, database_url):
    port, server_process, prefix = server
    # The HTTP clients' loop runs in a thread of its own: Playwright's sync API (the e2e tests,
    # earlier in the same process) leaves a loop running in this one.
    loop = asyncio.new_event_loop()
    looping = threading.Thread(target=loop.run_forever, daemon=True)
    looping.start()

    def run(coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout=300)

    host, code = run(_game(port))
    with psycopg.connect(database_url) as conn:
        game_id = conn.execute("select id from game where code = %s", (code,)).fetchone()[0]
    events = f"/screen/{code}/events"

    # A bare stream (no ?after=, no Last-Event-ID) gets the current state as one message.
    bare = Reader(port, events)
    _wait_until(lambda: bare.text().count(": ping") >= 2, "no heartbeat after the first message")
    assert len(IDS.findall(bare.text().split(": ping")[1])) == 1
    assert "+ 176 more teams" in bare.text()  # the lobby as it is now: all 200 teams counted
    bare.close()

    def now_at():
        """Where a page rendered now would start its stream (as the pages do: 500 bare streams at
        once would each render the game, queueing on the database pool)."""
        page = run(host.get(f"/host/{code}"))[1]
        return f"{events}?after=" + re.search(r"events\?after=([^\"&]+)", page).group(1)

    # A first wave: the server's allocator grows to hold 500 connections, and gives that back
    # to itself (not always to the system) once they are dropped.
    start = now_at()
    first = [_stalled(port, start) for _ in range(STALLED)]
    _wait_until(lambda: _answered(first), "the first wave did not open")
    run(_publish(host, code))
    _wait_until(lambda: _open_streams(port) == 0, "stalled streams were never dropped")
    assert all(_ends(sock) for sock in first)
    rss_before = server_process.memory_info().rss

    start = now_at()
    reader = Reader(port, start)
    stalled = [_stalled(port, start) for _ in range(STALLED)]
    _wait_until(lambda: _answered(stalled), "the streams did not open")
    _wait_until(lambda: _open_streams(port) == STALLED + 1, "not every stream opened")
    run(_publish(host, code))

    # The stalled streams go after the send timeout; the reader stays.
    _wait_until(lambda: _open_streams(port) == 1, "stalled streams were never dropped")
    grown = server_process.memory_info().rss - rss_before
    assert grown <= RSS_BOUND, f"the server grew by {grown / 2**20:.1f} MB"
    assert all(_ends(sock) for sock in stalled), "a dropped stream's socket stayed open"

    published = [
        entry_id.decode()
        for entry_id, audiences, _ in history(
            redis.Redis.from_url(redis_url()), prefix, game_id, start.rsplit("=", 1)[1]
        )
        if "screen" in audiences
    ]
    assert len(published) >= EVENTS
    _wait_until(lambda: reader.ids() == published, "the reader did not get every event in order", 15)
    reader.close()
    connector = host.http.connector
    run(host.close())
    run(connector.close())
    loop.call_soon_threadsafe(loop.stop)
    looping.join(timeout=10)
    loop.close()
