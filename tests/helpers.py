"""Helpers for the tests: skip-or-fail for missing services, and people driving the app the way
a browser would (forms with their CSRF token, one cookie jar per person)."""

import asyncio
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from harness.quiz import RED_PLANET, Quiz, Reply, Round, build

REQUIRE_SERVICES = os.environ.get("PUBQUIZ_REQUIRE_SERVICES") == "1"
TABLES = ("answer", "team", "game", "question", "round", "quiz", "host")


def require(available, reason):
    """Skip when a service is missing, or fail in CI where nothing may be skipped for that."""
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (PUBQUIZ_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


def run_async(coroutine, timeout=300):
    """asyncio.run(coroutine) in a thread of its own: Playwright's sync API (the e2e tests, earlier
    in the same process) leaves an event loop running in the main thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result(timeout)


def redis_url():
    """The Redis the tests may use (TEST_REDIS_URL, default the local one), or skip/fail."""
    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except (redis.ConnectionError, redis.TimeoutError, OSError) as error:
        require(False, f"no Redis at {url}: {error}")
    return url


def csrf_token(client, path="/"):
    page = client.get(path)
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


class Browser:
    """One person's browser: its own cookies, posting forms with the page's CSRF token."""

    def __init__(self, app):
        self.client = app.test_client()
        self._token = None

    def get(self, path, **kwargs):
        return self.client.get(path, **kwargs)

    def post(self, path, data=None, htmx=False, **kwargs):
        if self._token is None:
            self._token = csrf_token(self.client)
        data = dict(data or {}, csrf_token=self._token)
        headers = {"HX-Request": "true"} if htmx else {}
        return self.client.post(path, data=data, headers=headers, **kwargs)

    def forget_token(self):
        self._token = None  # logging in starts a new session with a new token

    def send(self, request):
        """A harness.quiz Request as this browser sends it: its Reply."""
        if request.fields is None:
            response = self.get(request.path)
        else:
            response = self.post(request.path, request.fields)
        return Reply(
            response.status_code, response.headers.get("Location", ""), response.get_data(as_text=True)
        )


class HostActions(Browser):
    def register(self, email="host@example.org", password="correct horse battery"):
        response = self.post("/register", {"email": email, "password": password})
        self.forget_token()
        return response

    def build_quiz(self, quiz):
        """A harness.quiz Quiz written in the editor: its Built ids."""
        return build(quiz, self.send)

    def create_quiz(self, title="Test quiz", questions=(), speed_bonus=False):
        """A quiz of one round of these questions (their form fields); its id."""
        settings = {"scoring": "speed"} if speed_bonus else None
        return self.build_quiz(Quiz(title, [Round(questions=list(questions))], settings)).quiz_id

    def start_game(self, quiz_id):
        response = self.post(f"/quizzes/{quiz_id}/games")
        assert response.status_code == 303
        return response.headers["Location"].rsplit("/", 1)[1]

    def version(self, code):
        page = self.get(f"/host/{code}").get_data(as_text=True)
        return int(re.search(r'name="version" value="(\d+)"', page).group(1))

    def act(self, code, action, version=None, htmx=False, confirm=False):
        """confirm: as the confirmation page sends it (ending the game early needs it)."""
        version = self.version(code) if version is None else version
        fields = {"version": version, **({"confirm": "1"} if confirm else {})}
        return self.post(f"/host/{code}/{action}", fields, htmx=htmx)


class TeamActions(Browser):
    def join(self, code, name):
        return self.post("/join", {"code": code, "name": name})

    def answer(self, code, question_id, htmx=False, **fields):
        return self.post(f"/play/{code}/answer", dict(fields, question_id=question_id), htmx=htmx)


CHOICE = dict(RED_PLANET, time_limit="30", points="2")
TEXT = {
    "kind": "text",
    "prompt": "Who wrote the Moonlight Sonata?",
    "accepted": "Beethoven\nLudwig van Beethoven",
    "time_limit": "30",
    "points": "1",
}
NUMERIC = {
    "kind": "numeric",
    "prompt": "Year of the Moon landing?",
    "numeric_answer": "1969",
    "tolerance": "0",
    "time_limit": "30",
    "points": "3",
}


class Stream:
    """Reads an SSE response from the test client chunk by chunk, with a time limit."""

    def __init__(self, response):
        assert response.status_code == 200, response.status_code
        assert response.mimetype == "text/event-stream"
        self.response = response
        self.chunks = iter(response.response)
        self.text = ""

    def read_until(self, needle, seconds=5, start=0):
        """Reads until `needle` is in what arrived from `start` on; returns that part."""
        deadline = time.monotonic() + seconds
        while needle not in self.text[start:]:
            assert time.monotonic() < deadline, f"{needle!r} not received; got {self.text[-800:]!r}"
            self.text += next(self.chunks).decode()
        return self.text[start:]

    def drain(self, seconds=5):
        """Reads whatever is queued for this client, up to the next heartbeat (sent only when
        nothing arrived for HEARTBEAT_SECONDS)."""
        deadline = time.monotonic() + seconds
        while True:
            assert time.monotonic() < deadline, "the stream never went quiet"
            chunk = next(self.chunks).decode()
            if chunk == ": ping\n\n":
                return self.text
            self.text += chunk

    def ids(self):
        """Event ids in arrival order; an event's several messages (e.g. the players' stage and a
        team's own result) share one id."""
        ids = []
        for line in self.text.splitlines():
            if line.startswith("id: ") and (not ids or ids[-1] != line[4:]):
                ids.append(line[4:])
        return ids

    def close(self):
        self.response.close()


def app_with_environment(request, monkeypatch, **variables):
    """The test's app (conftest's `app`, made by create_app) built after these environment
    variables are set, so a setting is tested from the environment to its effect."""
    assert "app" not in request.fixturenames, "the app would exist before the environment is set"
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return request.getfixturevalue("app")
