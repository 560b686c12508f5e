"""End-to-end fixtures: the real server (`pubquiz serve`, gevent) on a free loopback port, and
Debian's Chromium driven by Playwright, one browser context per person."""

import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import psycopg
import pytest
from browsing import build_quiz, start_game
from helpers import TABLES, require
from playwright.sync_api import expect

from harness.processes import free_port
from harness.quiz import Quiz, Round
from pubquiz import db

CHROMIUM = "/usr/bin/chromium"
# As the machine notes say: without these, Chromium's own background traffic is refused
# by the closed network, many connections at a time.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def database_url(database_url):
    """The e2e tests' own database. Their server lives for the whole session, and its deadline
    timers and sweep close every due question of the database they run on: on the unit tests'
    one, they closed questions those tests were racing sweepers over."""
    admin = psycopg.conninfo.make_conninfo(database_url, dbname="postgres")
    name = "pubquiz_e2e_" + secrets.token_hex(4)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"create database {name}")
    url = psycopg.conninfo.make_conninfo(database_url, dbname=name)
    db.migrate(url)
    yield url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"drop database if exists {name} with (force)")


@pytest.fixture(scope="session")
def server(database_url, tmp_path_factory):
    port = free_port()
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    # Every test registers its hosts from 127.0.0.1 on this one server: the registration limit
    # (10 an hour per address) is for the internet, not for this suite (tests/test_limits.py holds it).
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        SECRET_KEY="e2e-secret-" + secrets.token_hex(8),
        PUBQUIZ_INSTANCE_DIR=str(log_path.parent),
        PUBQUIZ_LIMIT_REGISTER="10000 per hour",
        PUBQUIZ_OPERATORS="operator@example.org",  # tests/e2e/test_analytics_pages.py
    )
    log = open(log_path, "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "pubquiz.cli", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/", timeout=1)
            break
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("the server did not start:\n" + log_path.read_text())
    if process.poll() is not None:
        pytest.fail("the server exited:\n" + log_path.read_text())
    yield base
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture
def live(server, database_url):
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("truncate " + ", ".join(TABLES) + " restart identity cascade")
    return server


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "the playwright package is not installed")
    require(os.path.exists(CHROMIUM), f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class People:
    """Browser contexts for the people in one test; records every 5xx any of them received and
    every Content-Security-Policy violation any page reported (htmx and our script must work
    under a policy without inline scripts)."""

    def __init__(self, browser, base):
        self.browser = browser
        self.base = base
        self.contexts = []
        self.server_errors = []
        self.csp_violations = []

    def new(self, javascript=True, width=1280, height=800):
        context = self.browser.new_context(
            java_script_enabled=javascript, viewport={"width": width, "height": height}
        )
        context.on("response", lambda r: r.status >= 500 and self.server_errors.append((r.status, r.url)))
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        # Every page of the context, also those a link opens in a new tab (the scores, the screen).
        context.on("page", self._watch)
        return context.new_page()

    def _watch(self, page):
        page.on(
            "console", lambda m: "Content Security Policy" in m.text and self.csp_violations.append(m.text)
        )

    def host(self, email, javascript=True):
        """A quiz master's browser, registered and logged in (on the quizzes page)."""
        page = self.new(javascript=javascript)
        page.goto(self.base + "/register")
        page.fill("#email", email)
        page.fill("#password", "a long enough password")
        page.click("button.primary")
        return page

    def true_or_false_game(self, email, statements, truth, time_limit=None, javascript=True):
        """A host who writes a quiz of true-or-false `statements` (all `truth`) and starts a game:
        (the host's page on the console, the game's code)."""
        host = self.host(email, javascript)
        questions = [
            {
                "kind": "truefalse",
                "prompt": statement,
                "truth": "true" if truth else "false",
                "time_limit": str(time_limit or 30),
                "points": "1",
            }
            for statement in statements
        ]
        quiz = build_quiz(host, Quiz("True or false", [Round(questions=questions)]))
        code = start_game(host, quiz.quiz_id)
        expect(host).to_have_url(re.compile(r"/host/[A-Z0-9]{6}$"))
        return host, code

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def people(browser, live):
    group = People(browser, live)
    yield group
    group.close()
    assert group.server_errors == [], "a page got a 5xx"
    assert group.csp_violations == [], "the Content-Security-Policy blocked something"


class Wifi:
    """A phone's Wi-Fi: a TCP forwarder of its own in front of the server. cut() drops every
    connection through it and refuses new ones, as when the phone falls off the network (the
    browser's offline mode alone leaves an open stream untouched); restore() lets it through."""

    def __init__(self, server_base):
        self.target = ("127.0.0.1", int(server_base.rsplit(":", 1)[1]))
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)  # the accept loop checks for close() this often
        self.base = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.up = True
        self.closed = False
        self.connections = set()
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.closed:
            try:
                phone, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            if not self.up:
                phone.close()
                continue
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                phone.close()
                continue
            server.settimeout(None)
            with self.lock:
                self.connections.update((phone, server))
            for source, sink in ((phone, server), (server, phone)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        self._drop(source, sink)

    def _drop(self, *sockets):
        for sock in sockets:
            with self.lock:
                self.connections.discard(sock)
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def cut(self):
        self.up = False
        with self.lock:
            connections = list(self.connections)
        self._drop(*connections)

    def restore(self):
        self.up = True

    def close(self):
        self.cut()
        self.closed = True
        self.thread.join(timeout=2)
        self.listener.close()


@pytest.fixture
def wifi(live):
    network = Wifi(live)
    yield network
    network.close()
