"""Soak: many quiz nights back to back on the production stack, for half an hour.

    python -m benchmarks.soak                    # 30 minutes, ~2,000 streams (make soak)
    python -m benchmarks.soak --minutes 3 --streams 300 --warmup 1   # a quick look

The stack is the benchmarks' (benchmarks/stack.py): gunicorn with 2 gevent workers from
deploy/gunicorn.conf.py behind Nginx, a private redis-server, PostgreSQL. The streams are split
into slots of one game each (24 teams and a projector: 80 slots for 2,000 streams). Each slot
plays games back to back, like a venue with one quiz after another: a host starts a game, its
teams join like phones (GET / + POST /join) and open their streams, the host starts the quiz and
opens each question, every team answers, the question's own deadline closes it (the app's timer,
not the host), the host reveals and shows the leaderboard, and finally ends the game; the teams
leave (their streams close) and the next game starts with new teams. Slots are staggered, so a
game starts every couple of seconds and about `--streams` streams are open at any moment.

Every `--sample` seconds the resident memory and open file descriptors of the gunicorn master and
workers are read (Nginx, Redis and the database backends too, for context). The baseline is the
median of the samples in the `--window` minutes after `--warmup` (by then every slot has played a
game, so pools, caches and Python's allocator are at their working size); the final value is the
median of the last `--window` minutes; growth = final / baseline - 1, target <= 10 %. A trend per
10 minutes (least squares over the samples after warm-up) is given beside it, so noise and a slow
leak can be told apart.

Checked for every game too: every event in the bus's history reached each of its streams, in
order; every answer was accepted; every question was closed by its deadline exactly once.

A run of 30 minutes or more writes benchmarks/SOAK.md and soak.json; shorter runs write to
benchmarks/out/. Exits 1 if anything was lost or a target missed, 2 if the run itself failed.
Not in CI: it takes half an hour.
"""

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

import redis

from harness.processes import raise_nofile

from . import analysis, crowd, lean, report
from .night import accepted_answers, answer_request, audiences_of, log, refusal_text
from .stack import ROOT, Stack, install_signal_handlers, total_fds, total_rss

HERE = Path(__file__).resolve().parent
TARGET_GROWTH = 0.10
WATCHED = ("workers_rss_mb", "workers_fds", "master_rss_mb", "master_fds")  # held to the target


def parse(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--streams", type=int, default=2000, help="streams open at any moment (about)")
    parser.add_argument("--teams", type=int, default=24, help="teams per game (each game adds a projector)")
    parser.add_argument("--questions", type=int, default=5, help="questions per game")
    parser.add_argument("--time-limit", type=int, default=10, help="seconds each question stays open")
    parser.add_argument("--step", type=float, default=5.0, help="seconds the host waits between clicks")
    parser.add_argument("--warmup", type=float, default=5.0, help="minutes before the baseline")
    parser.add_argument("--window", type=float, default=3.0, help="minutes of samples in baseline and final")
    parser.add_argument("--sample", type=float, default=20.0, help="seconds between samples")
    parser.add_argument("--hosts", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gevent workers of the gunicorn instance")
    parser.add_argument("--output", type=Path, help="folder for soak.json and SOAK.md")
    return parser.parse_args(argv)


class Soak:
    def __init__(self, stack, args):
        self.stack = stack
        self.a = args
        self.port = stack.http_port
        self.redis = redis.Redis.from_url(stack.redis_url)
        self.prefix = stack.env["PUBQUIZ_REDIS_PREFIX"]
        self.fleet = None  # made in run(), on the running loop
        self.slots = max(1, args.streams // (args.teams + 1))
        # One game: joining, start, each question (open, deadline, reveal, leaderboard), end.
        self.game_seconds = 4 + 2 * args.step + args.questions * (args.time_limit + 1.5 + 2 * args.step)
        self.started = None
        self.stop_at = None
        self.deliveries = analysis.Deliveries()
        self.counts = {
            "games_started": 0,
            "games_finished": 0,
            "teams_joined": 0,
            "join_failures": 0,
            "streams_not_connected": 0,
            "answers_sent": 0,
            "answers_accepted": 0,
            "questions_opened": 0,
            "closed_by_deadline": 0,
            "clicks": 0,
        }
        self.problems = []  # the first few, for the report
        self.refusals = Counter()  # why an answer or a join did not go through
        self.close_late = []  # seconds from each question's deadline to its close event
        self.samples = []

    def problem(self, text):
        if len(self.problems) < 30:
            self.problems.append(f"+{time.monotonic() - self.started:.0f}s {text}")

    def elapsed(self):
        return time.monotonic() - self.started

    # -- the slots -----------------------------------------------------------------------------
    async def slot(self, index, host):
        await asyncio.sleep(index * self.game_seconds / self.slots)
        while time.monotonic() < self.stop_at:
            try:
                await self.one_game(host)
            except Exception as error:  # one game's failure is recorded; the slot plays on
                self.problem(f"game failed: {type(error).__name__}: {error}")
                await asyncio.sleep(self.a.step)

    async def click(self, game, action):
        (request,) = await crowd.press(self.port, [game.host.click(game, action)], timeout=60)
        self.counts["clicks"] += 1
        if request.error:
            self.problem(f"{game.code} {action} refused: {request.error}")
            return False
        return True

    async def one_game(self, host):
        a = self.a
        (game,) = await host.start_games(1)
        self.counts["games_started"] += 1
        teams, _, failures = await crowd.join_teams(self.stack, [game], a.teams, concurrency=8)
        self.counts["teams_joined"] += len(teams)
        self.counts["join_failures"] += len(failures)
        for _, why in failures:
            self.refusals[f"join: {why}"] += 1
        mark = analysis.newest_id(self.redis, self.prefix, game.id)
        streams = [lean.Stream(t, f"/play/{game.code}/events", t.cookie, mark) for t in teams]
        streams.append(lean.Stream(("screen", game), f"/screen/{game.code}/events", None, mark))
        try:
            self.counts["streams_not_connected"] += await self.fleet.open(streams, concurrency=32, timeout=30)
            await self.play(game, teams)
            await asyncio.sleep(1.5)  # the last events reach the streams
            analysis.check_games(
                self.redis,
                self.prefix,
                [game],
                lambda g: streams,
                audiences_of,
                lambda g: mark,
                into=self.deliveries,
            )
        finally:
            self.fleet.close(streams)  # the teams go home
        self.counts["games_finished"] += 1

    async def play(self, game, teams):
        a = self.a
        if not await self.click(game, "start"):
            return
        await asyncio.sleep(a.step)
        for number in range(a.questions):
            before_open = analysis.newest_id(self.redis, self.prefix, game.id)
            if not await self.click(game, "open_question"):
                return
            opened = time.monotonic()
            self.counts["questions_opened"] += 1
            await self.answer(game, teams)
            if not await self.closed_by_deadline(game, opened + a.time_limit, before_open):
                self.problem(f"{game.code} question {number + 1}: not closed 30 s after its deadline")
                return
            if not await self.click(game, "reveal"):
                return
            await asyncio.sleep(a.step)
            if number + 1 < a.questions:
                if not await self.click(game, "show_leaderboard"):
                    return
                await asyncio.sleep(a.step)
        await self.click(game, "end")

    async def closed_by_deadline(self, game, deadline, before_open):
        """The question's deadline closes it, in the app (no click): the console shows one more
        version. How late: the close event's publish time against the open event's plus the time
        limit (both Redis ids: the server's clock, to the millisecond)."""
        expected = game.version + 1
        await asyncio.sleep(max(0.0, deadline + 0.5 - time.monotonic()))
        while True:
            await game.host.console(game)
            if game.version == expected:
                break
            if time.monotonic() > deadline + 30:
                return False
            await asyncio.sleep(0.5)
        game.phase = "closed"
        self.counts["closed_by_deadline"] += 1
        moves = [
            at
            for _, audiences, at in analysis.history(self.redis, self.prefix, game.id, before_open)
            if "player" in audiences
        ]  # open, then close: counts and picks go to others
        if len(moves) >= 2:
            self.close_late.append(moves[1] - moves[0] - self.a.time_limit)
        return True

    async def answer(self, game, teams):
        question_id = game.host.question_ids[game.question_index]
        requests = [answer_request(t, game, t, question_id, choice=str(random.randrange(4))) for t in teams]
        # Within the first half of the time limit: every one of them is on time.
        await lean.run_requests(
            self.port, requests, timeout=self.a.time_limit, spread=self.a.time_limit / 2, preconnect=False
        )
        accepted = accepted_answers(requests)
        self.counts["answers_sent"] += len(requests)
        self.counts["answers_accepted"] += len(accepted)
        for refused in set(requests) - set(accepted):
            self.refusals[f"answer: {refused.status} {refused.error or refusal_text(refused.body)}"] += 1

    # -- the measurements ----------------------------------------------------------------------
    async def sampler(self):
        while time.monotonic() < self.stop_at:
            self.samples.append(await asyncio.get_running_loop().run_in_executor(None, self.sample))
            await asyncio.sleep(max(0.0, self.a.sample - (self.elapsed() % self.a.sample)))
        self.samples.append(await asyncio.get_running_loop().run_in_executor(None, self.sample))

    def sample(self):
        processes = self.stack.server_processes()
        master, workers = processes["app"][0], processes["app"][1:]
        info = self.redis.info("memory")
        row = {
            "t": round(self.elapsed(), 1),
            "streams_open": self.fleet.open_count,
            "games_started": self.counts["games_started"],
            "answers": self.counts["answers_accepted"],
            "worker_pids": sorted(p.pid for p in workers),
            "master_rss_mb": _mb(total_rss([master])),
            "master_fds": total_fds([master]),
            "workers_rss_mb": _mb(total_rss(workers)),
            "workers_fds": total_fds(workers),
            "nginx_rss_mb": _mb(total_rss(processes.get("nginx", []))),
            "nginx_fds": total_fds(processes.get("nginx", [])),
            "redis_rss_mb": _mb(info["used_memory_rss"]),
            "redis_used_mb": _mb(info["used_memory"]),
            "redis_keys": self.redis.dbsize(),
            "pg_backends": len(processes.get("postgres", [])),
        }
        log(
            f"sample: {row['streams_open']} streams, "
            f"workers {row['workers_rss_mb']} MB / {row['workers_fds']} fds, "
            f"master {row['master_rss_mb']} MB / {row['master_fds']} fds, {row['games_started']} games, "
            f"{row['answers']} answers"
        )
        return row

    async def run(self):
        a = self.a
        self.fleet = lean.SseFleet(self.port)
        self.started = time.monotonic()
        self.stop_at = self.started + a.minutes * 60
        hosts = [
            await crowd.Quizmaster(self.stack, f"host{n}@soak.bench.test", a.questions, a.time_limit).setup()
            for n in range(a.hosts)
        ]
        log(
            f"soak: {self.slots} slots x ({a.teams} teams + 1 projector), a game lasts about "
            f"{self.game_seconds:.0f}s, {a.minutes} minutes"
        )
        try:
            slots = [self.slot(i, hosts[i % len(hosts)]) for i in range(self.slots)]
            # Every slot finishes the game it is in when the time is up, within a bound.
            await asyncio.wait_for(
                asyncio.gather(self.sampler(), *slots), a.minutes * 60 + 2 * self.game_seconds + 120
            )
        finally:
            self.fleet.close()
            for host in hosts:
                await host.close()
            self.redis.close()


def _mb(size):
    return round(size / 2**20, 1)


def trend_per_10_minutes(points):
    """Least-squares slope of (seconds, value), as a fraction of the mean per 10 minutes."""
    if len(points) < 3:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mx) ** 2 for x in xs)
    if not spread or not my:
        return None
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / spread
    return round(slope * 600 / my, 4)


def growth(samples, key, warmup_s, window_s, end_s):
    base = [s[key] for s in samples if warmup_s <= s["t"] < warmup_s + window_s]
    final = [s[key] for s in samples if s["t"] >= end_s - window_s]
    after = [(s["t"], s[key]) for s in samples if s["t"] >= warmup_s]
    if not base or not final:
        return None
    baseline, last = statistics.median(base), statistics.median(final)
    change = (last - baseline) / baseline if baseline else 0.0
    return {
        "at_start": samples[0][key],
        "baseline": baseline,
        "final": last,
        "max": max(s[key] for s in samples),
        "growth": round(change, 4),
        "trend_per_10_min": trend_per_10_minutes(after),
        "verdict": ("pass" if change <= TARGET_GROWTH else "miss") if key in WATCHED else "context",
    }


def summarize(soak, args):
    end_s = soak.samples[-1]["t"] if soak.samples else 0
    keys = (
        [k for k in soak.samples[0] if k not in ("t", "worker_pids", "games_started", "answers")]
        if soak.samples
        else []
    )
    metrics = {k: growth(soak.samples, k, args.warmup * 60, args.window * 60, end_s) for k in keys}
    restarts = len({tuple(s["worker_pids"]) for s in soak.samples}) - 1 if soak.samples else 0
    return {
        "metrics": metrics,
        "worker_restarts": restarts,
        "counts": soak.counts,
        "deliveries": soak.deliveries.summary(),
        "problems": soak.problems,
        "refusals": dict(soak.refusals.most_common()),
        "deadline_to_close_ms": analysis.percentiles(soak.close_late),
        "slots": soak.slots,
        "game_seconds_planned": round(soak.game_seconds, 1),
    }


def failed(summary):
    c, d = summary["counts"], summary["deliveries"]
    return bool(
        d["lost"]
        or d["duplicates"]
        or d["streams_out_of_order"]
        or c["join_failures"]
        or c["answers_accepted"] != c["answers_sent"]
        or c["closed_by_deadline"] != c["questions_opened"]
        or summary["worker_restarts"]
        or any(m and m["verdict"] == "miss" for m in summary["metrics"].values())
    )


def write(results, json_path, md_path):
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(results, indent=1, default=str) + "\n")
    s = results.get("summary")
    lines = [
        f"# Soak: {results['args']['minutes']:g} minutes",
        "",
        f"Run {results['date']} on {results['machine']['cores']} cores "
        f"({results['machine']['cpu_model']}, shared), "
        f"commit {results['versions'].get('pubquiz_commit', '?')}. "
        "Written by `python -m benchmarks.soak` (see its docstring for the method).",
        "",
    ]
    if results.get("error"):
        lines += ["**The run failed:**", "", "```", results["error"], "```", ""]
    if s:
        lines += _summary_lines(results, s) + _sample_lines(results)
    md_path.write_text("\n".join(lines) + "\n")


def _summary_lines(results, s):
    """The counts, the deliveries and the growth of each metric, as Markdown lines."""
    c, d = s["counts"], s["deliveries"]
    lines = [
        f"{s['slots']} slots of {results['args']['teams']} teams + 1 projector, "
        f"{results['args']['questions']} questions of {results['args']['time_limit']} s per game, "
        f"a game planned at {s['game_seconds_planned']} s.",
        "",
        "| what | count |",
        "| --- | --- |",
    ]
    lines += [f"| {k.replace('_', ' ')} | {v:,} |" for k, v in c.items()]
    lines += [
        f"| events expected / delivered / lost | {d['expected']:,} / {d['delivered']:,} / {d['lost']:,} |",
        f"| duplicates / streams out of order | {d['duplicates']} / {d['streams_out_of_order']} |",
        f"| publish -> stream p50 / p99 | {d['publish_to_arrival_ms']['p50']} / "
        f"{d['publish_to_arrival_ms']['p99']} ms |",
        f"| deadline -> question closed p50 / p99 / max | {s['deadline_to_close_ms']['p50']} / "
        f"{s['deadline_to_close_ms']['p99']} / {s['deadline_to_close_ms']['max']} ms |",
        f"| gunicorn worker restarts | {s['worker_restarts']} |",
        "",
        f"Growth: median of the last {results['args']['window']:g} minutes against the median of the "
        f"{results['args']['window']:g} minutes after a {results['args']['warmup']:g}-minute warm-up; "
        f"target <= {TARGET_GROWTH:.0%} for the gunicorn master and workers.",
        "",
        "| metric | at start | baseline | final | max | growth | trend / 10 min | verdict |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for key, m in s["metrics"].items():
        if m:
            trend = "" if m["trend_per_10_min"] is None else f"{m['trend_per_10_min']:+.1%}"
            lines.append(
                f"| {key} | {m['at_start']} | {m['baseline']} | {m['final']} | {m['max']} | "
                f"{m['growth']:+.1%} | {trend} | {m['verdict']} |"
            )
    if s["refusals"]:
        lines += ["", "Answers and joins that did not go through, by reason:", ""]
        lines += [f"- {count} x {why}" for why, count in s["refusals"].items()]
    if s["problems"]:
        lines += ["", "Problems seen (first 30):", ""] + [f"- {p}" for p in s["problems"]]
    return lines


def _sample_lines(results):
    """About 40 of the samples, evenly spread, as a Markdown table."""
    lines = [
        "",
        "## Samples",
        "",
        "| minute | streams | games | workers MB | workers fds | master MB | "
        "master fds | nginx MB | redis MB | redis keys | pg backends |",
        "| " + " --- |" * 11,
    ]
    every = max(1, len(results["samples"]) // 40)
    for row in results["samples"][::every]:
        lines.append(
            f"| {row['t'] / 60:.1f} | {row['streams_open']} | {row['games_started']} | "
            f"{row['workers_rss_mb']} | {row['workers_fds']} | {row['master_rss_mb']} | "
            f"{row['master_fds']} | {row['nginx_rss_mb']} | {row['redis_used_mb']} | "
            f"{row['redis_keys']} | {row['pg_backends']} |"
        )
    return lines


def main(argv=None):
    from pubquiz.db import migrate

    args = parse(sys.argv[1:] if argv is None else argv)
    install_signal_handlers()
    raise_nofile()
    out_dir = args.output or (HERE if args.minutes >= 30 else HERE / "out")
    json_path, md_path = out_dir / "soak.json", out_dir / "SOAK.md"
    results = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "args": vars(args) | {"output": str(args.output)},
        "machine": report.machine(),
        "versions": report.versions(),
    }
    loop, results["client_loop"] = lean.new_loop()
    asyncio.set_event_loop(loop)
    stack = Stack("pubquiz-soak", Path(tempfile.mkdtemp(prefix="pubquiz-soak-")), workers=args.workers)
    status = 0
    soak = None
    try:
        stack.start(prepare_database=migrate)
        log(f"soak stack up: {stack.base} -> gunicorn {stack.app_base} ({args.workers} gevent workers)")
        soak = Soak(stack, args)
        loop.run_until_complete(soak.run())
    except BaseException as error:  # recorded in the results, then the exit code says so
        results["error"] = "".join(traceback.format_exception(error))
        print(results["error"], file=sys.stderr)
        status = 2
    finally:
        if soak is not None:
            results["samples"] = soak.samples
            results["summary"] = summarize(soak, args) if soak.samples else None
        stack.close()
        loop.close()
        write(results, json_path, md_path)
        shown = md_path.relative_to(ROOT) if md_path.is_relative_to(ROOT) else md_path
        print(f"[soak] wrote {shown}", flush=True)
    if status == 0 and (results.get("summary") is None or failed(results["summary"])):
        print("[soak] FAILED: something was lost or a target missed (see the report)", file=sys.stderr)
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
