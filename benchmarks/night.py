"""The game driver every scenario uses: one Night on one stack.

Hosts write a quiz and start games through the site, teams join and each hold one SSE stream (plus
one projector stream per game); the Night clicks the hosts' console buttons, waits for the streams
to settle and checks what they received against the bus's history in Redis. The scenarios
(benchmarks/scenarios/) are functions of a Night.
"""

import asyncio
import re
import time
from collections import Counter

import redis

from . import analysis, crowd, lean
from .analysis import percentiles
from .stack import Window

# The console button a host presses next in each phase of a game.
NEXT_ACTION = {
    "intro": "open_question",
    "question": "close_question",
    "closed": "reveal",
    "reveal": "show_leaderboard",
    "leaderboard": "open_question",
}

_STARTED = time.monotonic()


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')} +{time.monotonic() - _STARTED:5.1f}s] {message}", flush=True)


def audiences_of(stream):
    key = stream.key
    if isinstance(key, crowd.Team):
        return {"player", f"team:{key.id}"}
    return {key[0]}  # ("screen", game)


def refusal_text(body):
    """The problem message of a refused request, as a person reads it."""
    match = re.search(rb'class="problem"[^>]*>([^<]*)<', body)
    return match.group(1).decode(errors="replace") if match else body[:80].decode(errors="replace")


def answer_request(key, game, team, question_id, choice="1"):
    return lean.Request(
        key,
        lean.post_bytes(
            f"/play/{game.code}/answer",
            {"question_id": str(question_id), "choice": choice},
            cookie=team.cookie,
            token=team.token,
        ),
    )


def is_accepted(request):
    return request.status == 200 and b"Answer locked in" in request.response


def accepted_answers(requests):
    return [r for r in requests if is_accepted(r)]


PROBLEM = re.compile(rb'role="alert">([^<]*)<')


def not_accepted(requests):
    """Why answers were not accepted, {reason: count}: the client's error (a timeout), or the
    status and the problem the team's phone showed ("200 Too late: answers for this question
    have closed.")."""
    reasons = Counter()
    for r in requests:
        if is_accepted(r):
            continue
        problem = PROBLEM.search(r.body)
        reasons[r.error or f"{r.status} {problem.group(1).decode() if problem else ''}".strip()] += 1
    return dict(reasons)


def per_delivery(cpu_seconds, deliveries):
    """CPU microseconds per delivery, None when nothing was delivered."""
    return round(cpu_seconds * 1e6 / deliveries, 1) if deliveries else None


def cpu_per_delivery(window, delivered):
    return {
        "cpu_us_per_delivered_app": per_delivery(window.app_cpu, delivered),
        "cpu_us_per_delivered_stack": per_delivery(window.stack_cpu, delivered),
    }


def game_shares(games, hosts):
    """How many of `games` each of `hosts` hosts runs: as even as it goes."""
    return [games // hosts + (1 if n < games % hosts else 0) for n in range(hosts)]


class Night:
    def __init__(self, stack, params, only=None):
        self.stack = stack
        self.p = params
        self.only = only
        self.port = stack.http_port
        self.redis = redis.Redis.from_url(stack.redis_url)
        self.prefix = stack.env["PUBQUIZ_REDIS_PREFIX"]
        self.hosts = []
        self.games = []
        self.team_streams = {}  # game -> [streams]
        self.screen_streams = {}  # game -> stream
        self.fleet = lean.SseFleet(stack.http_port)

    def wants(self, name):
        return self.only is None or self.only == name

    def mark(self, games):
        """{game: the newest id in its bus history}: what came before is not checked."""
        return {game: analysis.newest_id(self.redis, self.prefix, game.id) for game in games}

    async def close(self):
        """Every stream closed, every host's session, the side channel to Redis."""
        self.fleet.close()
        for host in self.hosts:
            await host.close()
        self.redis.close()

    def streams_of(self, game):
        streams = list(self.team_streams.get(game, ()))
        if game in self.screen_streams:
            streams.append(self.screen_streams[game])
        return streams

    def all_streams(self):
        return [s for g in self.games for s in self.streams_of(g)]

    async def clicks(self, games, action, spread=0.0, timeout=120):
        """One console click per game; returns ({game: send time} of those that applied,
        [(code, error)] of those refused, POST latency percentiles)."""
        requests = await crowd.press(
            self.port, [g.host.click(g, action) for g in games], timeout=timeout, spread=spread
        )
        sent, failed = {}, []
        for request in requests:
            game = request.key[0]
            if request.error:
                failed.append((game.code, request.error))
            else:
                sent[game] = request.sent
        latency = percentiles([r.latency for r in requests if r.latency is not None and not r.error])
        return sent, failed, latency

    async def click_next(self, games, spread):
        """Each game's host presses the next button of its phase; returns {game: send time}."""
        by_action = {}
        for game in games:
            by_action.setdefault(NEXT_ACTION[game.phase], []).append(game)
        sent = {}
        for action, group in by_action.items():
            applied, failed, _ = await self.clicks(group, action, spread=spread(group))
            if failed:
                log(f"{action}: {len(failed)} clicks refused, e.g. {failed[:2]}")
            sent.update(applied)
        return sent

    async def bring_to(self, games, phases, limit=6):
        """Click games forward (close, reveal, ...) until each is in one of `phases`."""
        for _ in range(limit):
            behind = [g for g in games if g.phase not in phases]
            if not behind:
                return
            await self.click_next(behind, spread=lambda group: min(2.0, 0.01 * len(group)))
            await asyncio.sleep(0.3)

    async def settle(self, streams, timeout=15.0, quiet=1.0):
        """Wait until no stream received anything for `quiet` seconds (bounded by `timeout`)."""
        deadline = time.monotonic() + timeout
        last = -1
        stable_since = time.monotonic()
        while time.monotonic() < deadline:
            total = sum(len(s.events) for s in streams)
            if total != last:
                last, stable_since = total, time.monotonic()
            elif time.monotonic() - stable_since >= quiet:
                return
            await asyncio.sleep(0.1)

    def check(self, games, marks, clicks=None, streams_of=None):
        """What the streams of `games` received since `marks`, against the bus's history."""
        streams_of = streams_of or self.streams_of
        clicks_of = (lambda g: clicks.get(g, [])) if clicks is not None else None
        return analysis.check_games(
            self.redis, self.prefix, games, streams_of, audiences_of, lambda g: marks[g], clicks_of
        )

    # -- setup ---------------------------------------------------------------------------------
    async def start_hosts(self, hosts, games, questions, label):
        """`hosts` quizmasters register and write a quiz; between them they start `games` games."""
        self.hosts = [
            await crowd.Quizmaster(self.stack, f"host{n}@{label}.bench.test", questions).setup()
            for n in range(hosts)
        ]
        for host, count in zip(self.hosts, game_shares(games, hosts), strict=True):
            self.games.extend(await host.start_games(count))

    async def join(self, teams_per_game):
        """Every game's teams join over HTTP; returns (teams joined, seconds)."""
        joined, seconds, failures = await crowd.join_teams(self.stack, self.games, teams_per_game)
        if failures:
            raise RuntimeError(f"{len(failures)} teams could not join, e.g. {failures[:3]}")
        return joined, seconds

    def prepare_streams(self, teams):
        """One (not yet open) stream per team of `teams` and one projector stream per game, each
        starting after the game's newest event."""
        marks = self.mark(self.games)
        teams = set(teams)
        for game in self.games:
            game.after = marks[game]
            self.team_streams[game] = [
                lean.Stream(t, f"/play/{game.code}/events", t.cookie, game.after)
                for t in game.teams
                if t in teams
            ]
            self.screen_streams[game] = lean.Stream(
                ("screen", game), f"/screen/{game.code}/events", None, game.after
            )
        return marks

    async def setup(self, games, teams, hosts, label="setup"):
        """Hosts, games, teams joined, every game started; streams prepared, not opened."""
        started = time.monotonic()
        await self.start_hosts(hosts, games, self.p["questions"], label)
        log(f"{label}: {len(self.hosts)} hosts, {len(self.games)} games in {time.monotonic() - started:.1f}s")
        joined, seconds = await self.join(teams)
        per_second = len(joined) / max(seconds, 1e-9)
        log(f"{label}: {len(joined)} teams joined in {seconds:.1f}s ({per_second:.0f}/s)")
        _, failed, _ = await self.clicks(self.games, "start", spread=min(5.0, 0.01 * len(self.games)))
        if failed:
            raise RuntimeError(f"start refused: {failed[:3]}")
        marks = self.prepare_streams(joined)
        # One console page per host: what the page embeds is what the side channel says.
        await self.hosts[0].console(self.games[0])
        assert self.games[0].after == marks[self.games[0]], (self.games[0].after, marks[self.games[0]])
        return {
            "hosts": hosts,
            "games": len(self.games),
            "teams": len(joined),
            "join_seconds": round(seconds, 1),
            "joins_per_second": round(per_second, 1),
        }

    async def open_streams(self, streams, label):
        window = Window(self.stack, f"open-{len(streams)}").start()
        started = time.monotonic()
        not_connected = await self.fleet.open(streams, timeout=max(60, len(streams) / 50))
        seconds = time.monotonic() - started
        window.stop()
        log(
            f"{label}: {len(streams) - not_connected}/{len(streams)} streams open in {seconds:.1f}s "
            f"(errors {dict(self.fleet.errors)})"
        )
        return {
            "streams": len(streams),
            "not_connected": not_connected,
            "seconds": round(seconds, 2),
            "window": window.summary(),
        }
