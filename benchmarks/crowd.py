"""Setting up a night at scale over real HTTP: hosts register, write a quiz and start games (the
harness.people.Host client), thousands of teams join (one shared aiohttp session with bounded
concurrency, cookies carried by hand so no per-team session object is kept), and hosts press
console buttons with the lean client (pre-connected sockets, so a click "at the same instant" is
one send() per game).
"""

import asyncio
import re
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

import aiohttp

from harness.people import TOKEN, Host
from harness.quiz import Quiz, Round, planet_question

from . import lean

VERSION = re.compile(r'name="version" value="(\d+)"')
AFTER = re.compile(r'events\?after=([^"&]+)')
FLASH_ERROR = re.compile(r'<p class="error">([^<]*)</p>')


@dataclass(eq=False)
class Team:
    game: "Game"
    name: str
    cookie: str = ""
    token: str = ""
    id: int = 0


@dataclass(eq=False)
class Game:
    host: "Quizmaster"
    code: str
    id: int = 0
    version: int = 0
    after: str = ""
    teams: list = field(default_factory=list)
    question_index: int = -1  # the question last opened
    phase: str = "lobby"


class Quizmaster:
    """A host with one quiz of `questions` questions, who may run many games of it."""

    def __init__(self, stack, email, questions, time_limit=600):
        self.stack = stack
        self.email = email
        self.questions = questions
        self.time_limit = time_limit
        self.person = Host(stack.base)
        self.quiz_id = None
        self.question_ids = []
        self.cookie = ""
        self.token = ""

    async def setup(self):
        await self.person.register(self.email)
        built = await self.person.build_quiz(
            Quiz(
                "Benchmark night",
                [Round(questions=[planet_question(n + 1, self.time_limit) for n in range(self.questions)])],
            )
        )
        self.quiz_id = built.quiz_id
        self.question_ids = built.question_ids[0]
        self.token = self.person.token
        self.cookie = _cookie_header(self.person.http.cookie_jar, self.stack.base)
        return self

    async def start_games(self, count, concurrency=16):
        limit = asyncio.Semaphore(concurrency)

        async def one():
            async with limit:
                return Game(self, await self.person.start_game(self.quiz_id))

        games = await asyncio.gather(*(one() for _ in range(count)))
        ids = dict(
            self.stack.sql("select code, id from game where code = any(%s)", ([g.code for g in games],))
        )
        for game in games:
            game.id = ids[game.code]
        return games

    async def console(self, game):
        """What the console shows: the version its buttons post, the id its stream starts after."""
        status, page = await self.person.get(f"/host/{game.code}")
        assert status == 200, status
        game.version = int(VERSION.search(page).group(1))
        game.after = AFTER.search(page).group(1)
        return game

    def click(self, game, action):
        """A lean request for one console button (send it with lean.run_requests / Requests)."""
        return lean.Request(
            (game, action),
            lean.post_bytes(
                f"/host/{game.code}/{action}",
                {"version": str(game.version)},
                cookie=self.cookie,
                token=self.token,
            ),
        )

    async def close(self):
        await self.person.close()


def _cookie_header(jar, base):
    from yarl import URL

    cookies = jar.filter_cookies(URL(base))
    return "; ".join(f"{name}={morsel.value}" for name, morsel in cookies.items())


async def press(port, clicks, timeout=60, spread=0.0):
    """Send host clicks; on success each game's version moves on. Returns the requests."""
    requests = await lean.run_requests(port, clicks, timeout=timeout, spread=spread)
    for request in requests:
        game, action = request.key
        body = request.body.decode(errors="replace")
        error = FLASH_ERROR.search(body)
        if request.status == 200 and not error:
            game.version += 1
            if action == "open_question":
                game.question_index += 1
            game.phase = {
                "start": "intro",
                "open_question": "question",
                "close_question": "closed",
                "reveal": "reveal",
                "show_leaderboard": "leaderboard",
                "end": "ended",
            }.get(action, game.phase)
        else:
            request.error = request.error or (error.group(1) if error else f"status {request.status}")
    return requests


async def join_teams(stack, games, per_game, concurrency=48, prefix="Team"):
    """Every game gets `per_game` teams, joined like a phone does: GET / (session + CSRF token),
    POST /join. Returns (teams, seconds, failures)."""
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    session = aiohttp.ClientSession(
        connector=connector, cookie_jar=aiohttp.DummyCookieJar(), timeout=aiohttp.ClientTimeout(total=60)
    )
    limit = asyncio.Semaphore(concurrency)
    failures = []

    async def join(team):
        async with limit:
            try:
                async with session.get(stack.base + "/") as response:
                    page = await response.text()
                    cookie = _set_cookie(response, "")
                team.token = TOKEN.search(page).group(1)
                async with session.post(
                    stack.base + "/join",
                    data={"code": team.game.code, "name": team.name},
                    headers={"X-CSRF-Token": team.token, "Cookie": cookie},
                    allow_redirects=False,
                ) as response:
                    await response.read()
                    if response.status != 303:
                        failures.append((team.name, response.status))
                        return
                    team.cookie = _set_cookie(response, cookie)
            except (TimeoutError, aiohttp.ClientError) as error:
                failures.append((team.name, type(error).__name__))

    teams = []
    for game in games:
        game.teams = [Team(game, f"{prefix} {n}") for n in range(per_game)]
        teams.extend(game.teams)
    started = time.monotonic()
    try:
        await asyncio.gather(*(join(t) for t in teams))
    finally:
        await session.close()
    seconds = time.monotonic() - started
    ids = {}
    for game_id, name, team_id in stack.sql(
        "select game_id, name, id from team where game_id = any(%s)", ([g.id for g in games],)
    ):
        ids[(game_id, name)] = team_id
    for team in teams:
        team.id = ids.get((team.game.id, team.name), 0)
    return [t for t in teams if t.cookie and t.id], seconds, failures


def _set_cookie(response, current):
    jar = SimpleCookie()
    for header in response.headers.getall("Set-Cookie", []):
        jar.load(header)
    if "session" in jar:
        return "session=" + jar["session"].value
    return current
