"""People driving pubquiz over real HTTP, asynchronously, so thousands fit in one process: a host
who writes a quiz and drives the game, and teams that join, hold one SSE stream each
(reconnecting with Last-Event-ID like htmx does) and answer. Used by tests/cluster,
tests/test_stream_limits.py and the benchmarks."""

import asyncio
import re
import time

import aiohttp

from .quiz import Quiz, Reply, Round, build_async

TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class Person:
    """One browser: its own cookies and CSRF token."""

    def __init__(self, base, connector=None):
        self.base = base
        self.http = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True),
            connector=connector,
            connector_owner=connector is None,
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=10),
        )
        self.token = None

    async def close(self):
        await self.http.close()

    async def get(self, path):
        async with self.http.get(self.base + path, allow_redirects=False) as response:
            return response.status, await response.text()

    async def post(self, path, data=None, htmx=False):
        """(status, body, Location) of a form POST, redirects not followed."""
        if self.token is None:
            self.token = TOKEN.search((await self.get("/"))[1]).group(1)
        headers = {"X-CSRF-Token": self.token}
        if htmx:
            headers["HX-Request"] = "true"
        async with self.http.post(
            self.base + path, data=data or {}, headers=headers, allow_redirects=False
        ) as response:
            return response.status, await response.text(), response.headers.get("Location", "")

    async def send(self, request):
        """A harness.quiz Request as this browser sends it: its Reply."""
        if request.fields is None:
            status, text = await self.get(request.path)
            return Reply(status, "", text)
        status, text, location = await self.post(request.path, request.fields)
        return Reply(status, location, text)


class Host(Person):
    async def register(self, email, password="a long enough password"):
        status, _, _ = await self.post("/register", {"email": email, "password": password})
        assert status == 303, status
        self.token = None  # a new session at login: a new token

    async def build_quiz(self, quiz):
        """A harness.quiz Quiz written in the editor: its Built ids."""
        return await build_async(quiz, self.send)

    async def create_quiz(self, title, questions):
        """A quiz of one round of these questions (their form fields); its id."""
        return (await self.build_quiz(Quiz(title, [Round(questions=list(questions))]))).quiz_id

    async def start_game(self, quiz_id):
        status, _, location = await self.post(f"/quizzes/{quiz_id}/games")
        assert status == 303
        return location.rsplit("/", 1)[1]

    async def act(self, code, action):
        """Press a console button (with the version the console shows); returns the HTTP status."""
        page = (await self.get(f"/host/{code}"))[1]
        version = re.search(r'name="version" value="(\d+)"', page).group(1)
        status, _, _ = await self.post(f"/host/{code}/{action}", {"version": version}, htmx=True)
        return status


class Team(Person):
    async def join(self, code, name):
        status, body, _ = await self.post("/join", {"code": code, "name": name})
        assert status == 303, (status, body[:300])

    async def answer(self, code, question_id, **fields):
        status, body, _ = await self.post(
            f"/play/{code}/answer", dict(fields, question_id=question_id), htmx=True
        )
        return status, body


class Stream:
    """One SSE stream that reconnects with Last-Event-ID when it ends or breaks, as htmx does.
    Records every message as (id, data, monotonic receive time)."""

    def __init__(self, person, path):
        self.person = person
        self.path = path
        self.messages = []
        self.last_id = ""
        self.connects = 0
        self.statuses = []
        self._changed = asyncio.Event()
        self._task = None

    def start(self):
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    async def stop(self):
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass

    async def _run(self):
        delay = 0.2
        while True:
            headers = {"Accept": "text/event-stream"}
            if self.last_id:
                headers["Last-Event-ID"] = self.last_id
            try:
                async with self.person.http.get(self.person.base + self.path, headers=headers) as response:
                    self.statuses.append(response.status)
                    if response.status == 200:
                        self.connects += 1
                        delay = 0.2
                        await self._read(response)
            except (TimeoutError, aiohttp.ClientError, ConnectionError):
                pass
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    async def _read(self, response):
        event_id, data = None, []
        async for raw in response.content:
            line = raw.decode().rstrip("\r\n")
            if not line:
                if data:
                    self.messages.append((event_id, "\n".join(data), time.monotonic()))
                    self._changed.set()
                event_id, data = None, []
            elif line.startswith("id: "):
                event_id = self.last_id = line[4:]
            elif line.startswith("data: "):
                data.append(line[6:])

    def text(self):
        return "\n".join(data for _, data, _ in self.messages)

    def ids(self):
        seen = []
        for event_id, _, _ in self.messages:
            if event_id not in seen:
                seen.append(event_id)
        return seen

    async def wait_for(self, needle, timeout=10):
        """The time the first message containing `needle` arrived; fails after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            for _, data, received in self.messages:
                if needle in data:
                    return received
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"{needle!r} not received on {self.path} within {timeout}s; "
                    f"statuses {self.statuses}, last: {self.text()[-300:]!r}"
                )
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.5))
            except TimeoutError:
                pass


async def close_all(*things):
    """Stop streams and close people (their HTTP sessions), in the order given."""
    for thing in things:
        await (thing.stop() if isinstance(thing, Stream) else thing.close())
