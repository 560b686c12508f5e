"""The pubquiz scenarios, driven like real people over real HTTP through Nginx.

One Night on one stack: hosts write a quiz and start games, teams join and each hold one SSE stream
(plus one projector stream per game), then, in order: the side-by-side window (pubquiz's part),
the idle-stream memory, fan-out "spread" and "burst", the answer burst, the reconnect storm and
"busy". The scale scenario (1,000 small games) runs on a fresh stack so its memory baseline is
clean. Every wait is bounded; every window records server CPU, database round trips and what the
clients received, checked against the bus's history in Redis.
"""
import asyncio
import random
import time

import redis

from . import analysis, crowd, lean
from .analysis import percentiles
from .stack import Window

NEXT_ACTION = {"intro": "open_question", "question": "close_question", "closed": "reveal",
               "reveal": "show_leaderboard", "leaderboard": "open_question"}
PHASE_AFTER = {"open_question": "question", "close_question": "closed", "reveal": "reveal",
               "show_leaderboard": "leaderboard", "start": "intro"}


_STARTED = time.monotonic()


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')} +{time.monotonic() - _STARTED:5.1f}s] {message}", flush=True)


def audiences_of(stream):
    key = stream.key
    if isinstance(key, crowd.Team):
        return {"player", f"team:{key.id}"}
    return {key[0]}  # ("screen", game)


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
        self.teams = []
        self.team_streams = {}  # game -> [streams]
        self.screen_streams = {}  # game -> stream
        self.fleet = None
        self.results = {}

    def wants(self, name):
        return self.only is None or self.only == name

    # -- helpers -------------------------------------------------------------------------------
    def mark(self, games):
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
        """One console click per game; returns {game: send time} of those that applied."""
        requests = await crowd.press(self.port, [g.host.click(g, action) for g in games],
                                     timeout=timeout, spread=spread)
        sent, failed = {}, []
        for request in requests:
            game = request.key[0]
            if request.error:
                failed.append((game.code, request.error))
            else:
                sent[game] = request.sent
        latency = percentiles([r.latency for r in requests if r.latency is not None and not r.error])
        return sent, failed, latency

    async def bring_to(self, games, phases, limit=6):
        """Click games forward (close, reveal, ...) until each is in one of `phases`."""
        for _ in range(limit):
            behind = [g for g in games if g.phase not in phases]
            if not behind:
                return
            by_action = {}
            for game in behind:
                by_action.setdefault(NEXT_ACTION[game.phase], []).append(game)
            for action, group in by_action.items():
                _, failed, _ = await self.clicks(group, action, spread=min(2.0, 0.01 * len(group)))
                if failed:
                    log(f"bring_to: {len(failed)} clicks refused, e.g. {failed[:2]}")
            await asyncio.sleep(0.3)

    async def settle(self, streams, expected_by_stream=None, timeout=15.0, quiet=1.0):
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
        streams_of = streams_of or self.streams_of
        return analysis.check_games(self.redis, self.prefix, games, streams_of, audiences_of,
                                    lambda g: marks[g], (lambda g: clicks.get(g, [])) if clicks is not None else None)

    # -- setup ---------------------------------------------------------------------------------
    async def setup(self, games, teams, hosts, screens=True, label="setup"):
        p = self.p
        started = time.monotonic()
        self.hosts = [await crowd.Quizmaster(self.stack, f"host{n}@{label}.bench.test", p["questions"]).setup()
                      for n in range(hosts)]
        per_host = [games // hosts + (1 if n < games % hosts else 0) for n in range(hosts)]
        for host, count in zip(self.hosts, per_host):
            self.games.extend(await host.start_games(count))
        log(f"{label}: {len(self.hosts)} hosts, {len(self.games)} games in {time.monotonic() - started:.1f}s")
        joined, seconds, failures = await crowd.join_teams(self.stack, self.games, teams)
        self.teams = joined
        log(f"{label}: {len(joined)} teams joined in {seconds:.1f}s ({len(joined) / max(seconds, 1e-9):.0f}/s), "
            f"{len(failures)} failures {failures[:3]}")
        if failures:
            raise RuntimeError(f"{len(failures)} teams could not join, e.g. {failures[:3]}")
        _, failed, _ = await self.clicks(self.games, "start", spread=min(5.0, 0.01 * len(self.games)))
        if failed:
            raise RuntimeError(f"start refused: {failed[:3]}")
        marks = self.mark(self.games)
        for game in self.games:
            game.after = marks[game]
        # One console page per host: what the page embeds is what the side channel says.
        await self.hosts[0].console(self.games[0])
        assert self.games[0].after == marks[self.games[0]], (self.games[0].after, marks[self.games[0]])
        for game in self.games:
            self.team_streams[game] = [lean.Stream(t, f"/play/{game.code}/events", t.cookie, game.after)
                                       for t in game.teams if t in set(joined)]
            if screens:
                self.screen_streams[game] = lean.Stream(("screen", game), f"/screen/{game.code}/events",
                                                        None, game.after)
        return {"hosts": hosts, "games": len(self.games), "teams": len(joined),
                "join_seconds": round(seconds, 1), "joins_per_second": round(len(joined) / max(seconds, 1e-9), 1)}

    async def open_streams(self, streams, label):
        window = Window(self.stack, f"open-{len(streams)}").start()
        started = time.monotonic()
        not_connected = await self.fleet.open(streams, timeout=max(60, len(streams) / 50))
        seconds = time.monotonic() - started
        window.stop()
        log(f"{label}: {len(streams) - not_connected}/{len(streams)} streams open in {seconds:.1f}s "
            f"(errors {dict(self.fleet.errors)})")
        return {"streams": len(streams), "not_connected": not_connected, "seconds": round(seconds, 2),
                "window": window.summary()}

    # -- scenarios -----------------------------------------------------------------------------
    async def compare_window(self, games, seconds, interval):
        """pubquiz's part of the side-by-side: each game's host clicks the next console button
        every `interval` s (games staggered), for `seconds`; the teams' streams receive them."""
        marks = self.mark(games)
        clicks = {g: [] for g in games}
        failures = []
        start = time.monotonic() + 0.5
        rounds = int(seconds / interval)

        async def drive(index, game):
            for k in range(rounds):
                await asyncio.sleep(max(0.0, start + index * interval / len(games) + k * interval - time.monotonic()))
                action = NEXT_ACTION[game.phase]
                if action == "open_question" and game.question_index + 1 >= len(game.host.question_ids):
                    break
                sent, failed, _ = await self.clicks([game], action)
                if failed:
                    failures.extend(failed)
                else:
                    clicks[game].append(sent[game])

        streams = [s for g in games for s in self.team_streams[g]]
        clients = len(streams)
        window = Window(self.stack, "compare").start()
        rss = self.stack.rss()
        redis_clients = self.stack.redis_clients()
        await asyncio.gather(*(drive(i, g) for i, g in enumerate(games)))
        await self.settle(streams, timeout=10, quiet=self.p["quiet"])
        window.stop()
        result, notes = self.check(games, marks, clicks, streams_of=lambda g: self.team_streams[g])
        db = window.db_delta(self.p["db_settle"])
        updates = sum(len(c) for c in clicks.values())
        summary = result.summary()
        return {
            "design": "pubquiz (SSE, Redis bus, one subscription per process)",
            "clients": clients, "games": len(games), "updates": updates, "failed_clicks": len(failures),
            "delivered": summary["delivered"], "lost": summary["lost"],
            "latency_ms": summary["click_to_arrival_ms"],
            "cpu_us_per_delivered_app": _per(window.app_cpu, summary["delivered"]),
            "cpu_us_per_delivered_stack": _per(window.stack_cpu, summary["delivered"]),
            "db_statements_per_minute": round(sum(v for k, v in window.statements.items()
                                                  if not k.startswith("sql:")) * 60 / window.seconds),
            "db_round_trips_per_minute": round(window.round_trips * 60 / window.seconds),
            "db_xact_commit_per_minute": round(db["xact_commit"] * 60 / window.seconds),
            "redis_connections": redis_clients,
            "rss_mb": {k: round(v / 2**20, 1) for k, v in rss.items()},
            "window": window.summary(), "notes": notes,
        }

    async def fanout(self, kind):
        """Every game's host opens a question: "spread" one game every spread_gap s, "burst" all
        at the same instant. Delay from each host's POST to the event at each of its teams."""
        games = self.games
        await self.bring_to(games, ("intro", "reveal", "leaderboard"))
        marks = self.mark(games)
        streams = self.all_streams()
        await asyncio.sleep(0.5)
        window = Window(self.stack, "fanout-" + kind).start()
        spread = self.p["spread_gap"] * len(games) if kind == "spread" else 0.0
        sent, failed, post_latency = await self.clicks(games, "open_question", spread=spread)
        await self.settle(streams, timeout=20, quiet=self.p["quiet"])
        window.stop()
        result, notes = self.check(games, marks, {g: [t] for g, t in sent.items()})
        summary = result.summary()
        log(f"fan-out {kind}: {summary['delivered']}/{summary['expected']} delivered, lost {summary['lost']}, "
            f"click->team p50/p99 {summary['click_to_arrival_ms']['p50']}/{summary['click_to_arrival_ms']['p99']} ms")
        return {"games": len(games), "streams": len(streams), "clicks": len(sent), "failed_clicks": failed[:5],
                "host_post_ms": post_latency, **summary,
                "cpu_us_per_delivered_app": _per(window.app_cpu, summary["delivered"]),
                "cpu_us_per_delivered_stack": _per(window.stack_cpu, summary["delivered"]),
                "window": window.summary(), "notes": notes}

    async def answer_burst(self):
        """Every team answers the open question within the same second."""
        await self.bring_to(self.games, ("question",))
        games = [g for g in self.games if g.phase == "question"]
        requests = []
        for game in games:
            question_id = game.host.question_ids[game.question_index]
            for team in game.teams:
                requests.append(lean.Request((game, team, question_id), lean.post_bytes(
                    f"/play/{game.code}/answer", {"question_id": str(question_id), "choice": "1"},
                    cookie=team.cookie, token=team.token)))
        random.shuffle(requests)
        marks = self.mark(games)
        window = Window(self.stack, "answers").start()
        started = time.monotonic()
        await lean.run_requests(self.port, requests, timeout=180, spread=self.p["answer_spread"], preconnect=False)
        seconds = time.monotonic() - started
        await self.settle([self.screen_streams[g] for g in games if g in self.screen_streams], timeout=5, quiet=self.p["quiet"])
        window.stop()
        db = window.db_delta(self.p["db_settle"])
        accepted = [r for r in requests if r.status == 200 and b"Answer locked in" in r.response]
        refused = [r for r in requests if r not in accepted]
        stored = self.stack.sql("select count(*) from answer where (game_id, question_id) in "
                                "(select unnest(%s::bigint[]), unnest(%s::bigint[]))",
                                ([g.id for g in games], [g.host.question_ids[g.question_index] for g in games]))[0][0]
        answer_checkouts = {k: v for k, v in window.checkouts.items() if "insert_answer" in k}
        answer_trips = sum(window.checkout_trips.get(k, 0) for k in answer_checkouts)
        inserts = window.statements.get("insert_answer", 0)
        background = {"count_answers", "teams_of_game", "due_games", "game_by_id", "lock_game", "quiz_outline",
                      "move_game", "question_by_id", "answers_to_question", "quiz_by_id", "leaderboard",
                      "set_scores"}
        reads_on_path = {k: v for k, v in window.statements.items()
                         if not k.startswith("sql:") and k != "insert_answer" and k not in background}
        screens, _ = self.check(games, marks, streams_of=lambda g: [self.screen_streams[g]]
                                if g in self.screen_streams else [])
        result = {
            "sent": len(requests), "accepted": len(accepted), "stored_in_db": stored,
            "refused": len(refused), "lost": len(requests) - len(accepted),
            "refusal_examples": sorted({(r.status, r.error or refusal_text(r.body)) for r in refused})[:5],
            "send_spread_s": self.p["answer_spread"], "seconds_to_last_response": round(seconds, 2),
            "answer_post_ms": percentiles([r.latency for r in accepted]),
            "accepted_per_second": round(len(accepted) / max(seconds, 1e-9), 1),
            "db": {
                "method": "statement meter (benchmarks/pgmeter.py) between the app and PostgreSQL",
                "insert_answer_statements": inserts,
                "statements_per_accepted_answer": round(inserts / max(len(accepted), 1), 3),
                "answer_checkouts": answer_checkouts,
                "round_trips_per_accepted_answer": round(answer_trips / max(len(accepted), 1), 2),
                "other_reads_in_window": reads_on_path,
                "pg_stat_database_delta": db,
            },
            "count_updates_on_screens": {k: v for k, v in screens.summary().items()
                                         if k in ("expected", "delivered", "lost", "publish_to_arrival_ms")},
            "cpu_ms_per_accepted_answer_app": round(window.app_cpu * 1000 / max(len(accepted), 1), 2),
            "window": window.summary(),
        }
        log(f"answers: {len(accepted)}/{len(requests)} accepted, stored {stored}, POST p50/p99 "
            f"{result['answer_post_ms']['p50']}/{result['answer_post_ms']['p99']} ms, "
            f"round trips/answer {result['db']['round_trips_per_accepted_answer']}")
        return result

    async def reconnect_storm(self):
        """A fifth of the team streams drop at once; while they are away every host clicks (so
        they miss an event); they come back within about a second with Last-Event-ID and must end
        with exactly the ids the others saw."""
        games = self.games
        await self.bring_to(games, ("question", "reveal", "leaderboard", "intro", "closed"))
        marks = self.mark(games)
        teams = [s for g in games for s in self.team_streams[g]]
        dropped = random.sample(teams, int(len(teams) * self.p["storm_fraction"]))
        for stream in dropped:
            stream.reconnected_at = None
        window = Window(self.stack, "reconnect").start()
        self.fleet.reconnect_delay = self.p["storm_reconnect_delay"]
        dropped_at = time.time()
        for stream in dropped:
            self.fleet.drop(stream)
        await asyncio.sleep(0.1)
        by_game = {}
        for game in games:
            by_game.setdefault(NEXT_ACTION[game.phase], []).append(game)
        sent = {}
        for action, group in by_game.items():
            s, failed, _ = await self.clicks(group, action, spread=0.2)
            sent.update(s)
        # Recovered: every dropped stream is back and holds every id published for it since the mark.
        expected_for = {}
        deadline = time.monotonic() + 60
        recovered_at = None
        while time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            if any(s.state != 1 for s in dropped):
                continue
            if not expected_for:
                for game in games:
                    events = analysis.history(self.redis, self.prefix, game.id, marks[game])
                    for stream in self.team_streams[game]:
                        wanted = audiences_of(stream)
                        expected_for[stream] = {e for e, a, _ in events if a & wanted}
            if all(expected_for[s] <= {e for e, _ in s.events} for s in dropped):
                recovered_at = max(max(t for e, t in s.events if e in expected_for[s]) for s in dropped)
                break
        await self.settle(self.all_streams(), timeout=5, quiet=self.p["quiet"] / 2)
        window.stop()
        result, notes = self.check(games, marks, {g: [t] for g, t in sent.items()})
        dropped_set = set(dropped)
        replay_exact = 0
        for game in games:
            events = analysis.history(self.redis, self.prefix, game.id, marks[game])
            for stream in self.team_streams[game]:
                if stream not in dropped_set:
                    continue
                wanted = audiences_of(stream)
                expected = [e for e, a, _ in events if a & wanted]
                got = analysis.collapse([e for e, _ in stream.events if e in set(expected)])
                replay_exact += got == analysis.collapse(expected)
        summary = result.summary()
        out = {"streams": len(teams) + len(self.screen_streams), "dropped": len(dropped),
               "reconnected": sum(1 for s in dropped if s.state == 1),
               "reconnect_delay_s": f"{self.p['storm_reconnect_delay'] * 0.5:.2f}-{self.p['storm_reconnect_delay'] * 1.5:.2f}",
               "replayed_exactly": replay_exact, "replay_wrong": len(dropped) - replay_exact,
               "seconds_to_all_recovered": round(recovered_at - dropped_at, 2) if recovered_at else None,
               "lost": summary["lost"], "duplicates": summary["duplicates"],
               "click_to_arrival_ms_all": summary["click_to_arrival_ms"],
               "server_cpu_seconds_app": window.app_cpu, "server_cpu_seconds_stack": window.stack_cpu,
               "window": window.summary(), "notes": notes,
               **({"loss_examples": summary["loss_examples"]} if "loss_examples" in summary else {})}
        log(f"reconnect storm: {out['reconnected']}/{len(dropped)} back, replay exact {replay_exact}, "
            f"recovered in {out['seconds_to_all_recovered']} s, lost {summary['lost']}")
        return out

    async def busy(self):
        """Every game at ~10 updates/s: teams answer the open question (10 answers/s per game, so
        "N answered" is pushed about every COUNT_INTERVAL) and hosts move on (close, reveal,
        leaderboard, open the next question) about once a second between questions."""
        p = self.p
        games = self.games
        marks = self.mark(games)
        clicks = {g: [] for g in games}
        answers = []
        failures = []
        end = time.monotonic() + p["busy_seconds"]

        async def drive(game):
            await asyncio.sleep(random.random())
            while time.monotonic() < end:
                if game.phase == "question":
                    question_id = game.host.question_ids[game.question_index]
                    batch = [lean.Request((game, t), lean.post_bytes(
                        f"/play/{game.code}/answer", {"question_id": str(question_id), "choice": "1"},
                        cookie=t.cookie, token=t.token)) for t in game.teams[:p["busy_answers_per_question"]]]
                    await lean.run_requests(self.port, batch, timeout=60,
                                            spread=len(batch) / p["busy_answer_rate"], preconnect=False)
                    answers.extend(batch)
                action = NEXT_ACTION[game.phase]
                if action == "open_question" and game.question_index + 1 >= len(game.host.question_ids):
                    break
                if time.monotonic() >= end:
                    break
                sent, failed, _ = await self.clicks([game], action)
                if failed:
                    failures.extend(failed)
                    break
                clicks[game].append(sent[game])
                if game.phase != "question":
                    await asyncio.sleep(p["busy_click_gap"])

        await self.bring_to(games, ("closed", "reveal", "leaderboard", "intro"))
        marks = self.mark(games)
        window = Window(self.stack, "busy").start()
        started = time.monotonic()
        await asyncio.wait_for(asyncio.gather(*(drive(g) for g in games)), p["busy_seconds"] + 120)
        driven = time.monotonic() - started
        await self.settle(self.all_streams(), timeout=15, quiet=self.p["quiet"])
        window.stop()
        result, notes = self.check(games, marks, clicks)
        summary = result.summary()
        published = sum(len(analysis.history(self.redis, self.prefix, g.id, marks[g])) for g in games)
        accepted = [r for r in answers if r.status == 200 and b"Answer locked in" in r.response]
        out = {"games": len(games), "streams": summary["streams"], "seconds": round(driven, 1),
               "published_events": published,
               "updates_per_game_per_second": round(published / len(games) / max(driven, 1e-9), 2),
               "host_clicks": sum(len(c) for c in clicks.values()), "failed_clicks": failures[:5],
               "answers_sent": len(answers), "answers_accepted": len(accepted),
               "answers_lost": len(answers) - len(accepted),
               "answer_post_ms": percentiles([r.latency for r in accepted]), **summary,
               "cpu_us_per_delivered_app": _per(window.app_cpu, summary["delivered"]),
               "cpu_us_per_delivered_stack": _per(window.stack_cpu, summary["delivered"]),
               "window": window.summary(), "notes": notes}
        log(f"busy: {published} events ({out['updates_per_game_per_second']}/game/s), lost {summary['lost']}, "
            f"click->team p99 {summary['click_to_arrival_ms']['p99']} ms, answers {len(accepted)}/{len(answers)}")
        return out

    async def memory_snapshot(self, label, streams=0):
        """With --tracemalloc: each worker snapshots; returns the top growth sites per new stream."""
        directory = self.stack.profile_dir
        if not directory or self.stack.env.get("BENCH_TRACEMALLOC") != "1":
            return None
        await asyncio.sleep(2)
        (directory / "snap").write_text(label)
        await asyncio.sleep(8)
        sites, total = {}, 0
        for path in directory.glob(f"mem-{label}-*.txt"):
            lines = path.read_text().splitlines()
            total += int(lines[0].split()[1])
            for line in lines[1:]:
                size, count, site = line.split(" ", 2)
                sites[site] = sites.get(site, 0) + int(size)
        if not streams:
            return None
        top = sorted(sites.items(), key=lambda kv: -kv[1])[:25]
        return {"python_bytes_per_stream": round(total / streams), "sites_bytes_per_stream":
                [(site, round(size / streams)) for site, size in top]}

    async def heartbeats(self, seconds):
        """Nothing happens for `seconds`: the only messages are the streams' heartbeats (one per
        stream every PUBQUIZ_HEARTBEAT_SECONDS). Their CPU is the marginal cost of one message on
        one stream, without any publishing or rendering."""
        streams = self.all_streams()
        before = sum(s.pings for s in streams)
        window = Window(self.stack, "heartbeats").start()
        await asyncio.sleep(seconds)
        window.stop()
        pings = sum(s.pings for s in streams) - before
        out = {"streams": len(streams), "seconds": round(window.seconds, 1), "heartbeats_delivered": pings,
               "cpu_us_per_heartbeat_app": _per(window.app_cpu, pings),
               "cpu_us_per_heartbeat_stack": _per(window.stack_cpu, pings), "window": window.summary()}
        log(f"idle {seconds}s: {pings} heartbeats, {out['cpu_us_per_heartbeat_app']} us app CPU each "
            f"({out['cpu_us_per_heartbeat_stack']} us whole stack)")
        return out

    async def restart(self, env):
        """Restart gunicorn with new settings (graceful: the workers end their streams); every
        stream must come back on its own, with Last-Event-ID."""
        streams = self.all_streams()
        marks = self.mark(self.games)
        connects = {id(s): s.connects for s in streams}
        self.fleet.reconnect_delay = 0.5
        started = time.monotonic()
        # In a thread: the clients keep reading (and reconnecting) meanwhile.
        await asyncio.get_running_loop().run_in_executor(None, self.stack.restart_app, env)
        restarted = time.monotonic() - started
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if all(s.state == 1 and s.connects > connects[id(s)] for s in streams):
                break
            await asyncio.sleep(0.1)
        back = time.monotonic() - started
        came_back = sum(1 for s in streams if s.state == 1 and s.connects > connects[id(s)])
        await asyncio.sleep(self.p["quiet"])
        result, notes = self.check(self.games, marks)
        out = {"settings": env, "seconds_app_restart": round(restarted, 1),
               "seconds_to_all_streams_back": round(back, 1), "streams": len(streams),
               "streams_back": came_back, "lost": result.summary()["lost"],
               "errors_seen_by_clients": dict(self.fleet.errors)}
        log(f"app restarted with {env} in {restarted:.1f}s; {came_back}/{len(streams)} streams back "
            f"after {back:.1f}s")
        return out

    async def idle_memory(self, streams_open, baseline, label):
        await asyncio.sleep(self.p["idle_settle"])
        workers = self.stack.workers_rss()
        per_stream = (workers - baseline) / max(streams_open, 1)
        return {"streams_open": streams_open, "workers_rss_before_mb": round(baseline / 2**20, 1),
                "workers_rss_after_mb": round(workers / 2**20, 1),
                "rss_per_stream_kb": round(per_stream / 1024, 1),
                "held_by_workers": [w.pid for w in self.stack.workers_of_app()]}


def refusal_text(body):
    import re

    match = re.search(rb'class="problem"[^>]*>([^<]*)<', body)
    return match.group(1).decode(errors="replace") if match else body[:80].decode(errors="replace")


def _per(cpu_seconds, deliveries):
    return round(cpu_seconds * 1e6 / deliveries, 1) if deliveries else None


async def run_night(stack, params, only=None):
    """Everything on the main stack; returns {scenario: figures}."""
    night = Night(stack, params, only)
    night.fleet = lean.SseFleet(stack.http_port)
    out = {}
    try:
        out["setup"] = await night.setup(params["games"], params["teams"], params["hosts"])
        baseline = stack.workers_rss()
        compare_games = night.games[:params["compare_games"]]
        first = [s for g in compare_games for s in night.team_streams[g]]
        out["open_first"] = await night.open_streams(first, f"open {len(first)} streams")
        if night.wants("compare"):
            log(f"side by side, pubquiz: {len(first)} clients for {params['compare_seconds']}s")
            out["compare_pubquiz"] = await night.compare_window(compare_games, params["compare_seconds"],
                                                               params["compare_interval"])
            c = out["compare_pubquiz"]
            log(f"  pubquiz: {c['delivered']} delivered, lost {c['lost']}, p99 {c['latency_ms']['p99']} ms, "
                f"{c['cpu_us_per_delivered_stack']} us/update")
        rest = [s for g in night.games for s in night.streams_of(g) if s not in set(first)]
        await night.memory_snapshot("before")
        out["open_rest"] = await night.open_streams(rest, f"open {len(rest)} more streams")
        memory = await night.memory_snapshot("streams", len(rest))
        if memory:
            out["open_rest"]["tracemalloc_per_stream"] = memory
        total = len(first) + len(rest)
        out["idle_memory"] = await night.idle_memory(night.fleet.open_count, baseline, "fan-out")
        out["idle_memory"]["window_opening_streams"] = out["open_rest"]["window"]
        log(f"idle: {night.fleet.open_count}/{total} streams open, "
            f"{out['idle_memory']['rss_per_stream_kb']} KB RSS per stream")
        if params["heartbeat_window"] and only in (None, "fanout"):
            out["heartbeats"] = await night.heartbeats(params["heartbeat_window"])
        if night.wants("fanout"):
            out["fanout_spread"] = await night.fanout("spread")
            out["fanout_burst"] = await night.fanout("burst")
        if night.wants("answers"):
            out["answer_burst"] = await night.answer_burst()
        if night.wants("reconnect"):
            out["reconnect_storm"] = await night.reconnect_storm()
        if night.wants("busy"):
            # Busy games push "N answered" up to 10 times a second: the app restarts with
            # PUBQUIZ_COUNT_INTERVAL=0.1 (default 0.25), which also shows a restart under 5,000 streams.
            if params["busy_restart"]:
                out["app_restart"] = await night.restart(params["busy_env"])
            out["busy"] = await night.busy()
        out["streams_still_open"] = night.fleet.open_count
    finally:
        await night.close()
    return out


async def run_scale(stack, params):
    """1,000 small games held at once on a fresh stack: each a projector and a few teams; every
    host starts its game (spread over a few seconds); all must arrive. Memory per open stream."""
    night = Night(stack, params)
    night.fleet = lean.SseFleet(stack.http_port)
    out = {}
    try:
        # Streams open in the lobby: the games are started during the measurement.
        p = params
        started = time.monotonic()
        night.hosts = [await crowd.Quizmaster(stack, f"host{n}@scale.bench.test", 2).setup()
                       for n in range(p["scale_hosts"])]
        per_host = [p["scale_games"] // p["scale_hosts"]] * p["scale_hosts"]
        for host, count in zip(night.hosts, per_host):
            night.games.extend(await host.start_games(count))
        joined, seconds, failures = await crowd.join_teams(stack, night.games, p["scale_teams"])
        if failures:
            raise RuntimeError(f"{len(failures)} teams could not join, e.g. {failures[:3]}")
        log(f"scale: {len(night.games)} games, {len(joined)} teams joined in {seconds:.1f}s")
        marks = night.mark(night.games)
        for game in night.games:
            game.after = marks[game]
            night.team_streams[game] = [lean.Stream(t, f"/play/{game.code}/events", t.cookie, game.after)
                                        for t in game.teams]
            night.screen_streams[game] = lean.Stream(("screen", game), f"/screen/{game.code}/events", None, game.after)
        streams = night.all_streams()
        await asyncio.sleep(1)
        baseline = stack.workers_rss()
        out["open"] = await night.open_streams(streams, f"scale: open {len(streams)} streams")
        out["idle_memory"] = await night.idle_memory(night.fleet.open_count, baseline, "scale")
        window = Window(stack, "scale").start()
        sent, failed, post_latency = await night.clicks(night.games, "start", spread=p["scale_start_spread"])
        await night.settle(streams, timeout=30, quiet=p["quiet"])
        window.stop()
        result, notes = night.check(night.games, marks, {g: [t] for g, t in sent.items()})
        summary = result.summary()
        out.update({"games": len(night.games), "streams": len(streams), "streams_open": night.fleet.open_count,
                    "setup_seconds": round(time.monotonic() - started, 1),
                    "start_clicks": len(sent), "failed_clicks": failed[:5], "host_post_ms": post_latency,
                    **summary, "cpu_us_per_delivered_app": _per(window.app_cpu, summary["delivered"]),
                    "cpu_us_per_delivered_stack": _per(window.stack_cpu, summary["delivered"]),
                    "window": window.summary(), "notes": notes})
        log(f"scale: {night.fleet.open_count} streams over {len(night.games)} games, lost {summary['lost']}, "
            f"click->team p99 {summary['click_to_arrival_ms']['p99']} ms, "
            f"{out['idle_memory']['rss_per_stream_kb']} KB/stream")
    finally:
        await night.close()
    return out
