"""Benchmark runner: `python -m benchmarks.run [--quick] [--only NAME]`.

Starts the production shape on loopback (benchmarks/stack.py), drives it like real people
(benchmarks/night.py, benchmarks/scenarios/, benchmarks/compare.py), and writes what it measured:
benchmarks/results.json, benchmarks/RESULTS.md and the SVGs of benchmarks/plots/ for a full run,
benchmarks/out/ for --quick or --only. Exits 1 if any event or answer was lost, 2 if the run itself failed.
"""

import argparse
import asyncio
import sys
import tempfile
import time
import traceback
from pathlib import Path

from harness.processes import raise_nofile

from . import clicks, compare, lean, nchan, plots, report
from .night import log
from .scenarios import run_night
from .scenarios.scale import run_scale
from .stack import ROOT, Stack, _close_all, install_signal_handlers

HERE = Path(__file__).resolve().parent
SCENARIOS = ("fanout", "answers", "reconnect", "busy", "scale", "compare", "nchan", "clicks")

FULL = {
    "games": 100,
    "teams": 50,
    "hosts": 4,
    "questions": 20,
    "spread_gap": 0.05,
    "answer_spread": 1.0,
    "storm_fraction": 0.2,
    "storm_reconnect_delay": 1.0,
    "busy_seconds": 12,
    "busy_answer_rate": 10.0,
    "busy_answers_per_question": 45,
    "busy_click_gap": 0.5,
    "compare_games": 20,
    "compare_seconds": 32,
    "compare_interval": 2.0,
    "scale_games": 1000,
    "scale_teams": 4,
    "scale_hosts": 10,
    "scale_start_spread": 10.0,
    "time_limit": 17 * 60,
    # Busy games push "N answered" up to 10 times a second: before busy the app restarts with this
    # (the default 0.25 s allows 4); every other scenario runs with the defaults.
    "busy_env": {"PUBQUIZ_COUNT_INTERVAL": "0.1"},
    "quiet": 1.0,
    "idle_settle": 3.0,
    "db_settle": 1.2,  # waits: no new event for `quiet` s = settled
    "scale_fresh_stack": True,
    "busy_restart": True,
    "heartbeat_window": 16,
    "click_team_counts": (
        10,
        50,
        200,
    ),  # idle seconds in which every stream gets one heartbeat (default 15 s)
}
QUICK = dict(
    FULL,
    **{
        "games": 10,
        "teams": 25,
        "hosts": 2,
        "questions": 12,
        "busy_answers_per_question": 20,
        "compare_games": 4,
        "scale_games": 40,
        "scale_teams": 2,
        "scale_hosts": 2,
        "scale_start_spread": 1.0,
        "quiet": 0.4,
        "idle_settle": 1.0,
        "db_settle": 0.6,
        "busy_seconds": 3,
        "compare_seconds": 4,
        "scale_fresh_stack": False,  # quick: scale runs on the first stack, after the rest
        "busy_restart": False,  # quick: busy runs with the default COUNT_INTERVAL (4 counts/s per game)
        "heartbeat_window": 0,
        "click_team_counts": (5, 20),
        "time_limit": 150,
    },
)


def parse(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="a few hundred streams, under a minute (CI smoke test)"
    )
    parser.add_argument("--only", choices=SCENARIOS, help="run one scenario (results go to benchmarks/out/)")
    parser.add_argument("--output", type=Path, help="folder for results.json and RESULTS.md")
    parser.add_argument("--workers", type=int, default=2, help="gevent workers of the one gunicorn instance")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="sample the workers' stacks in every window (benchmarks/sampler.py); "
        "slows them a little, so results go to benchmarks/out/",
    )
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="with --profile: tracemalloc in the workers, and where the memory of the "
        "idle streams goes (slow: for memory only)",
    )
    return parser.parse_args(argv)


def flames_dir(args):
    """Where a --profile run draws its flame graphs: benchmarks/profiles/ at full size (kept and
    linked from RESULTS.md), benchmarks/out/ for a quick or tracemalloc run; None: no profiling."""
    if not (args.profile or args.tracemalloc):
        return None
    if args.quick or args.tracemalloc:
        return HERE / "out" / "profiles-quick"
    return HERE / "profiles"


async def run_all(args, params, results, workdir):
    from pubquiz.db import migrate

    only = args.only
    s = results["scenarios"]
    if only is None or only in ("fanout", "answers", "reconnect", "busy", "compare", "clicks"):
        env = {"BENCH_TRACEMALLOC": "1"} if args.tracemalloc else {}
        stack = Stack("pubquiz", workdir, workers=args.workers, env=env, profile=flames_dir(args))
        try:
            stack.start(prepare_database=migrate)
            log(
                f"pubquiz stack up: {stack.base} -> gunicorn {stack.app_base} "
                f"({args.workers} gevent workers), redis {stack.redis_url}, db {stack.database}"
            )
            if only != "clicks":
                s["night"] = await run_night(stack, params, only)
            if only in (None, "clicks"):
                # In this process, on the stack's Redis; the stack's app is idle meanwhile.
                s["clicks"] = clicks.measure(stack.redis_url, params["click_team_counts"])
            if only is None and not params["scale_fresh_stack"]:
                s["scale"] = await run_scale(stack, params)
                s["scale"]["note"] = (
                    "same stack as the other scenarios (quick run): memory per stream is rough"
                )
        finally:
            stack.close()
    if only == "scale" or (only is None and params["scale_fresh_stack"]):
        stack = Stack("pubquiz-scale", workdir, workers=args.workers, profile=flames_dir(args))
        try:
            stack.start(prepare_database=migrate)
            s["scale"] = await run_scale(stack, params)
        finally:
            stack.close()
    if only in (None, "compare"):
        clients = params["compare_games"] * params["teams"]
        same_schedule = (
            workdir,
            clients,
            params["compare_games"],
            params["compare_seconds"],
            params["compare_interval"],
            params["quiet"],
        )
        s["compare_polling"] = await compare.polling(*same_schedule)
        s["compare_flask_sse"] = await compare.flask_sse(*same_schedule)
    if only in (None, "nchan"):
        # The reference row: the same client, stream counts and fan-out schedule against nginx + nchan.
        s["nchan"] = await nchan.reference(workdir, params)
        if s["nchan"].get("skipped"):
            results["notes"].append(s["nchan"]["skipped"])


def output_paths(args, full_run):
    """(results json, RESULTS md, plots folder): benchmarks/ for a full run, else benchmarks/out/
    with a suffix that names the kind of run; --output puts them in a folder of its own."""
    out_dir = args.output or (HERE if full_run else HERE / "out")
    suffix = ""
    if not (full_run or args.output):
        suffix = (
            ("-quick" if args.quick else "")
            + (f"-{args.only}" if args.only else "")
            + ("-profile" if args.profile else "")
        )
    return out_dir / f"results{suffix}.json", out_dir / f"RESULTS{suffix}.md", out_dir / f"plots{suffix}"


def describe_stack(args, params, nofile):
    return (
        f"1 gunicorn instance, {args.workers} gevent workers (deploy/gunicorn.conf.py), behind Nginx "
        "(deploy/nginx.conf rendered for loopback by harness/nginx.py, plain HTTP), a private "
        "redis-server, PostgreSQL (a database of its own on the shared server) reached through the "
        "statement meter benchmarks/pgmeter.py. Rate limits raised to 1000000/minute. "
        "App settings are the defaults, "
        + (
            f"except that before busy the app is restarted with {params['busy_env']} so that games "
            "can push ~10 updates/s. "
            if params["busy_restart"]
            else ""
        )
        + f"RLIMIT_NOFILE {nofile} (the hard limit here: raising it is not permitted)."
    )


def run_loop(args, params, results, workdir):
    """Every scenario on a fresh client loop, within the time limit; returns 2 if the run failed
    (the error goes into the results), else 0."""
    loop, results["client_loop"] = lean.new_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(
            asyncio.wait_for(run_all(args, params, results, workdir), params["time_limit"])
        )
        return 0
    except BaseException as error:  # recorded in the results, then the exit code says so
        results["error"] = "".join(traceback.format_exception(error))
        print(results["error"], file=sys.stderr)
        return 2
    finally:
        _close_all()
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
        except Exception:
            pass
        loop.close()


def draw_plots(results, plots_dir):
    """The SVGs that RESULTS.md shows; a plot that cannot be drawn is a note in the results,
    never the cause of a run's figures going unwritten."""
    try:
        return plots.draw(results, plots_dir)
    except Exception as error:
        traceback.print_exc()
        results["notes"].append(f"plots not drawn: {type(error).__name__}: {error}")
        return []


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    params = QUICK if args.quick else FULL
    install_signal_handlers()
    nofile = raise_nofile()
    full_run = not args.quick and args.only is None and not args.profile
    json_path, md_path, plots_dir = output_paths(args, full_run)
    started = time.monotonic()
    results = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "mode": "quick" if args.quick else "full",
        "only": args.only,
        "profiled": args.profile,
        "params": params,
        "machine": report.machine(),
        "versions": report.versions(),
        "stack": describe_stack(args, params, nofile),
        "scenarios": {},
        "notes": [],
    }
    workdir = Path(tempfile.mkdtemp(prefix="pubquiz-bench-"))
    try:
        status = run_loop(args, params, results, workdir)
    finally:
        results["seconds"] = round(time.monotonic() - started, 1)
        results["workdir"] = str(workdir)
        report.write(results, json_path, md_path, args.quick, draw_plots(results, plots_dir))
        print(
            f"[bench] wrote {json_path.relative_to(ROOT) if json_path.is_relative_to(ROOT) else json_path} "
            f"and {md_path.name} in {results['seconds']} s",
            flush=True,
        )
        for row in results.get("targets", []):
            print(f"[bench] {row['verdict']:>24}  {row['target']}: {row['measured']}", flush=True)
    if status == 0 and report.lost_anything(results):
        print("[bench] FAILED: events or answers were lost", file=sys.stderr)
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
