"""results.json and RESULTS.md, written by the runner from what it measured (never by hand)."""

import json
import os
import platform
import re
import shutil
import subprocess
from importlib import metadata

import psutil

from .stack import ROOT, admin_conninfo, conninfo


def _run(command):
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=10, cwd=ROOT)
        return (result.stdout + result.stderr).strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def machine():
    model = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu_model": model or platform.processor(),
        "cores": os.cpu_count(),
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "kernel": platform.release(),
        "note": "shared and noisy: percentiles are from one run",
    }


def versions():
    def package(name):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    postgres = ""
    try:
        import psycopg

        with psycopg.connect(conninfo(admin_conninfo()), autocommit=True, connect_timeout=5) as conn:
            postgres = conn.execute("show server_version").fetchone()[0]
    except Exception as error:  # reported, never fatal
        postgres = f"unknown ({type(error).__name__})"
    nginx = re.sub(r"^nginx version: ", "", _run(["/usr/sbin/nginx", "-v"]))
    redis_server = _run([shutil.which("redis-server") or "redis-server", "--version"])
    match = re.search(r"v=(\S+)", redis_server)
    commit = _run(["git", "rev-parse", "HEAD"])
    app_paths = ["pubquiz", "templates", "sql", "deploy", "wsgi.py"]
    dirty = bool(_run(["git", "status", "--porcelain", "--", *app_paths]))
    return {
        "python": platform.python_version(),
        "gevent": package("gevent"),
        "gunicorn": package("gunicorn"),
        "flask": package("flask"),
        "psycopg": package("psycopg"),
        "redis_py": package("redis"),
        "flask_sse": package("flask-sse"),
        "uvloop": package("uvloop"),
        "aiohttp": package("aiohttp"),
        "nginx": nginx,
        "postgresql": postgres,
        "redis": match.group(1) if match else redis_server,
        "pubquiz_commit": commit + (" (with uncommitted changes to the app)" if dirty else ""),
    }


def _get(data, *path):
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _fmt(value, unit=""):
    if value is None:
        return "–"
    if isinstance(value, float):
        value = f"{value:g}"
    return f"{value}{unit}"


def _verdict(ok, sized=False, quick=False):
    """pass / MISS; not measured without a figure; size targets are only judged at full size."""
    if ok is None:
        return "not measured"
    if sized and quick:
        return "not judged (quick size)"
    return "pass" if ok else "MISS"


def _streams_held(s, quick):
    held = _get(s, "night", "idle_memory", "streams_open")
    fan_lost = [_get(s, "night", k, "lost") for k in ("fanout_spread", "fanout_burst")]
    ok = None if held is None else (held >= 5000 and all(x == 0 for x in fan_lost if x is not None))
    return [
        (
            "5,000 streams held by one host (1 instance, 2 gevent workers)",
            f"{_fmt(held)} open, fan-out lost {fan_lost}",
            _verdict(ok, sized=True, quick=quick),
        )
    ]


def _concurrent_games(s, quick):
    scale = s.get("scale") or {}
    ok = (
        None
        if not scale
        else (
            scale.get("games", 0) >= 1000
            and scale.get("lost") == 0
            and scale.get("streams_open") == scale.get("streams")
        )
    )
    return [
        (
            "1,000 concurrent games",
            f"{_fmt(scale.get('games'))} games, {_fmt(scale.get('streams_open'))} "
            f"streams, lost {_fmt(scale.get('lost'))}",
            _verdict(ok, sized=True, quick=quick),
        )
    ]


def _fanout_latency(s):
    rows = []
    for key, label, limit in (
        ("fanout_spread", "spread fan-out p99 host click -> team < 20 ms", 20),
        ("fanout_burst", "burst fan-out p99 host click -> team < 100 ms", 100),
    ):
        p99 = _get(s, "night", key, "click_to_arrival_ms", "p99")
        rows.append((label, _fmt(p99, " ms"), _verdict(None if p99 is None else p99 < limit)))
    return rows


def _cpu_per_event(s):
    cpu = {
        k: _get(s, "night", k, "cpu_us_per_delivered_app") for k in ("fanout_spread", "fanout_burst", "busy")
    }
    stack_cpu = {
        k: _get(s, "night", k, "cpu_us_per_delivered_stack") for k in ("fanout_spread", "fanout_burst")
    }
    measured = [v for v in cpu.values() if v is not None]
    rows = [
        (
            "server CPU per delivered event <= 20 µs (all-in: the host's request, rendering, publishing "
            "and writing, divided by deliveries)",
            "app: "
            + ", ".join(f"{k} {_fmt(v)} µs" for k, v in cpu.items())
            + "; whole stack: "
            + ", ".join(f"{k} {_fmt(v)} µs" for k, v in stack_cpu.items()),
            _verdict(None if not measured else max(measured) <= 20),
        )
    ]
    beats = _get(s, "night", "heartbeats") or {}
    if beats:
        rows.append(
            (
                "(for reference) marginal CPU of one message on one stream: an idle heartbeat",
                f"app {_fmt(beats.get('cpu_us_per_heartbeat_app'))} µs, whole stack "
                f"{_fmt(beats.get('cpu_us_per_heartbeat_stack'))} µs "
                f"({beats.get('heartbeats_delivered')} heartbeats)",
                _verdict(
                    beats.get("cpu_us_per_heartbeat_app") is not None
                    and beats["cpu_us_per_heartbeat_app"] <= 20
                ),
            )
        )
    return rows


def _nothing_lost(results):
    losses = event_losses(results)
    answers = answer_losses(results)
    return [
        (
            "0 events and 0 answers lost everywhere",
            f"events lost {sum(losses.values())} {losses}; answers lost {sum(answers.values())} {answers}",
            _verdict(
                None
                if not losses and not answers
                else sum(losses.values()) == 0 and sum(answers.values()) == 0
            ),
        )
    ]


def _database_reads(results):
    db = _get(results.get("scenarios", {}), "night", "answer_burst", "db") or {}
    trips = db.get("round_trips_per_accepted_answer")
    reads = db.get("other_reads_in_window")
    stream_reads = stream_path_reads(results)
    ok = None if trips is None else (trips == 1 and not reads and not stream_reads)
    return [
        (
            "1 DB round trip per accepted answer; no DB reads on the answer and stream paths",
            f"{_fmt(trips)} round trips per accepted answer {db.get('answer_checkouts')}; "
            f"reads on answer path {reads or 'none'}; "
            f"reads while streams open/reconnect {stream_reads or 'none'}",
            _verdict(ok),
        )
    ]


def _memory_per_stream(s, quick):
    per_stream = [
        x
        for x in (
            _get(s, "night", "idle_memory", "rss_per_stream_kb"),
            _get(s, "scale", "idle_memory", "rss_per_stream_kb"),
        )
        if x is not None
    ]
    return [
        (
            "RSS <= 20 KB per idle stream",
            ", ".join(f"{x} KB" for x in per_stream) or "–",
            _verdict(None if not per_stream else max(per_stream) <= 20, sized=True, quick=quick),
        )
    ]


def targets(results, quick):
    """[(target, measured, verdict)], in the order of RESULTS.md's table."""
    s = results.get("scenarios", {})
    return (
        _streams_held(s, quick)
        + _concurrent_games(s, quick)
        + _fanout_latency(s)
        + _cpu_per_event(s)
        + _nothing_lost(results)
        + _database_reads(results)
        + _memory_per_stream(s, quick)
    )


def event_losses(results):
    s = results.get("scenarios", {})
    out = {}
    for key in ("fanout_spread", "fanout_burst", "reconnect_storm", "busy", "compare_pubquiz"):
        value = _get(s, "night", key, "lost")
        if value is not None:
            out[key] = value
    count_updates = _get(s, "night", "answer_burst", "count_updates_on_screens", "lost")
    if count_updates is not None:
        out["answer_counts_on_screens"] = count_updates
    if _get(s, "night", "reconnect_storm", "replay_wrong") is not None:
        out["reconnect_replay_wrong"] = _get(s, "night", "reconnect_storm", "replay_wrong")
    if _get(s, "scale", "lost") is not None:
        out["scale"] = _get(s, "scale", "lost")
    for key in ("fanout_spread", "fanout_burst"):
        if _get(s, "nchan", key, "lost") is not None:
            out["nchan_" + key] = _get(s, "nchan", key, "lost")
    return out


def answer_losses(results):
    s = results.get("scenarios", {})
    out = {}
    if _get(s, "night", "answer_burst", "lost") is not None:
        out["answer_burst"] = _get(s, "night", "answer_burst", "lost")
        stored = _get(s, "night", "answer_burst", "stored_in_db")
        accepted = _get(s, "night", "answer_burst", "accepted")
        if stored is not None and stored != accepted:
            out["answer_burst_db_mismatch"] = abs(stored - accepted)
    if _get(s, "night", "busy", "answers_lost") is not None:
        out["busy"] = _get(s, "night", "busy", "answers_lost")
    return out


def stream_path_reads(results):
    """App statements (not the deadline sweep) while only streams were opened."""
    s = results.get("scenarios", {})
    windows = [_get(s, "night", "open_first"), _get(s, "night", "open_rest"), _get(s, "scale", "open")]
    reads = {}
    for opened in windows:
        for name, count in (_get(opened, "window", "db_statements") or {}).items():
            if not name.startswith("sql:") and name != "due_games":
                reads[name] = reads.get(name, 0) + count
    return reads


def lost_anything(results):
    return sum(event_losses(results).values()) + sum(answer_losses(results).values()) > 0


def write(results, json_path, md_path, quick, plots=()):
    """plots: [(SVG path, alt text)] drawn beside RESULTS.md (benchmarks/plots.py), linked in it."""
    results["targets"] = [{"target": t, "measured": m, "verdict": v} for t, m, v in targets(results, quick)]
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    links = [(path.relative_to(md_path.parent).as_posix(), alt) for path, alt in plots]
    md_path.write_text(markdown(results, quick, links))


def _lat(d):
    if not d:
        return "–"
    return f"{_fmt(d.get('p50'))} / {_fmt(d.get('p95'))} / {_fmt(d.get('p99'))} / {_fmt(d.get('max'))}"


# Measured by hand, not by this run (benchmarks/channels.py); the figures are in SCALE.md.
CHANNELS_ROW = (
    "**Per-game channels** (`python -m benchmarks.channels`, not part of this run): 20 processes, "
    "1,000 games on 1-3 of them, per 16 kB event: 20.0 → 1.96 messages from Redis, 316 → 31 kB "
    "decoded, 428 → 145 µs Redis CPU. What 10,000 to 1,000,000 players need: [SCALE.md](SCALE.md)."
)


def _header(results, quick):
    m, v = results["machine"], results["versions"]
    return [
        "# pubquiz benchmark results",
        "",
        f"Written by `python -m benchmarks.run{' --quick' if quick else ''}` on {results['date']} "
        f"(run took {results.get('seconds', '?')} s). Do not edit by hand: run `make bench` again.",
        "",
        f"**Machine:** {m['cpu_model']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, Linux {m['kernel']}; "
        f"{m['note']}. Clients run on the same 2 cores as the servers.",
        "",
        f"**Versions:** Python {v['python']}, gevent {v['gevent']}, gunicorn {v['gunicorn']}, "
        f"Flask {v['flask']}, psycopg {v['psycopg']}, nginx {v['nginx']}, PostgreSQL {v['postgresql']}, "
        f"Redis {v['redis']}, flask-sse {v['flask_sse']}, client loop {results.get('client_loop')}; "
        f"pubquiz commit {v['pubquiz_commit']}.",
        "",
        f"**Stack:** {results['stack']}",
        "",
        CHANNELS_ROW,
        "",
    ]


def _targets_table(results):
    return ["## Targets", "", "| target | measured | verdict |", "| --- | --- | --- |"] + [
        f"| {row['target']} | {row['measured']} | {row['verdict']} |" for row in results.get("targets", [])
    ]


def _scenario_row(label, r):
    """One row of the scenarios table: streams, deliveries, latencies, CPU, window."""
    return (
        f"| {label} | {r['streams']} | {r['delivered']} / {r['expected']} | {r['lost']} "
        f"| {_lat(r.get('click_to_arrival_ms'))} | {_lat(r.get('publish_to_arrival_ms'))} "
        f"| {_fmt(r.get('cpu_us_per_delivered_app'))} / {_fmt(r.get('cpu_us_per_delivered_stack'))} "
        f"| {r.get('window', {}).get('seconds')} |"
    )


def _storm_row(r):
    return (
        f"| reconnect storm (click → team includes the {r['dropped']} streams that were away "
        f"{r['reconnect_delay_s']} s) | {r['streams']} | – | {r['lost']} "
        f"| {_lat(r.get('click_to_arrival_ms_all'))} | – | – | {r.get('window', {}).get('seconds')} |"
    )


def _scenarios_table(night, scale, reference):
    lines = [
        "",
        "## Scenarios",
        "",
        "Latency: p50 / p95 / p99 / max in ms. *click → team*: from the host's POST leaving the "
        "client to the event reaching each team's socket (kernel receive time). *publish → team*: "
        "from the event's Redis id time (when it was published) to the same arrival. CPU per delivered "
        "event: CPU seconds of the gunicorn master and workers (*app*) or of app + Nginx + Redis + "
        "the PostgreSQL backends of the benchmark database (*stack*), during the window, divided by "
        "event deliveries to streams.",
        "",
        "| scenario | streams | delivered / expected | lost | click → team ms | publish → team ms "
        "| CPU µs/delivery app / stack | window s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for key, label in (
        ("fanout_spread", "fan-out spread"),
        ("fanout_burst", "fan-out burst"),
        ("busy", "busy"),
    ):
        if night.get(key):
            lines.append(_scenario_row(label, night[key]))
        if key != "busy" and reference.get(key):
            lines.append(_scenario_row(f"{label}: nchan (reference)", reference[key]))
    if night.get("reconnect_storm"):
        lines.append(_storm_row(night["reconnect_storm"]))
    if scale:
        lines.append(_scenario_row(f"scale: {scale['games']} games start", scale))
    return lines


def _setup_and_fanout(night):
    lines = []
    setup = night.get("setup")
    if setup:
        lines += [
            "",
            f"Setup: {setup['hosts']} hosts, {setup['games']} games, {setup['teams']} teams "
            f"joined over HTTP in {setup['join_seconds']} s ({setup['joins_per_second']} joins/s); "
            f"one projector stream per game besides the teams'.",
        ]
    for key, label in (("fanout_spread", "Spread"), ("fanout_burst", "Burst")):
        r = night.get(key)
        if r:
            lines.append(
                f"{label}: host POST response {_lat(r.get('host_post_ms'))} ms; "
                f"server CPU in the window {r['window']['cpu_seconds']} s; "
                f"client CPU {r['window']['client_cpu_seconds']} s."
            )
    return lines


def _heartbeats(beats):
    return [
        "",
        f"**Idle:** {beats['streams']} open streams for {beats['seconds']} s, nothing published: "
        f"{beats['heartbeats_delivered']} heartbeats; {beats['cpu_us_per_heartbeat_app']} µs app CPU "
        f"({beats['cpu_us_per_heartbeat_stack']} µs whole stack) per heartbeat: the marginal cost of one "
        f"message on one stream (CPU in the window: {beats['window']['cpu_seconds']} s).",
    ]


def _restart(restart):
    return [
        "",
        f"**App restart before busy** (with {restart['settings']}): gunicorn stopped and started "
        f"in {restart['seconds_app_restart']} s; {restart['streams_back']}/{restart['streams']} streams "
        f"back on their own after {restart['seconds_to_all_streams_back']} s (clients saw "
        f"{restart['errors_seen_by_clients']} while it was down).",
    ]


def _busy(busy):
    return [
        "",
        f"**Busy:** {busy['games']} games for {busy['seconds']} s: {busy['published_events']} events "
        f"published ({busy['updates_per_game_per_second']} per game per second; answer counts pushed "
        f"every COUNT_INTERVAL while answers arrive, plus host clicks), {busy['host_clicks']} host "
        f"clicks, answers {busy['answers_accepted']}/{busy['answers_sent']} accepted, answer POST "
        f"{_lat(busy.get('answer_post_ms'))} ms; server CPU {busy['window']['cpu_seconds']} s.",
    ]


def _answer_burst(answers):
    db = answers["db"]
    return [
        "",
        "### Answer burst",
        "",
        f"{answers['sent']} teams answered, sends spread over {answers['send_spread_s']} s; "
        f"**{answers['accepted']} accepted**, {answers['stored_in_db']} stored, lost {answers['lost']}; "
        f"last response after {answers['seconds_to_last_response']} s "
        f"({answers['accepted_per_second']} accepted/s).",
        "",
        f"Answer POST latency p50 / p95 / p99 / max: {_lat(answers['answer_post_ms'])} ms. "
        f"App CPU {answers['cpu_ms_per_accepted_answer_app']} ms per accepted answer.",
        "",
        f"Database ({db['method']}): {db['insert_answer_statements']} insert_answer statements "
        f"({db['statements_per_accepted_answer']} per accepted answer), "
        f"**{db['round_trips_per_accepted_answer']} round trips per accepted answer**; each answer's "
        f"connection use: {db['answer_checkouts']}. Other app reads in the window (not the coalesced "
        f"count push or deadline sweep): {db['other_reads_in_window'] or 'none'}. "
        f"pg_stat_database delta: {db['pg_stat_database_delta']}.",
        "",
        f'"N answered" pushes to the projectors: {answers["count_updates_on_screens"]}.',
    ]


def _reconnect_storm(storm):
    return [
        "",
        "### Reconnect storm",
        "",
        f"{storm['dropped']} of {storm['streams']} streams dropped at once and came back after "
        f"{storm['reconnect_delay_s']} s with Last-Event-ID, while every host clicked once. "
        f"{storm['reconnected']} reconnected; **{storm['replayed_exactly']} ended with exactly the ids "
        f"they should have**, {storm['replay_wrong']} did not; all recovered "
        f"{storm['seconds_to_all_recovered']} s after the drop. Server CPU in the window: "
        f"app {storm['server_cpu_seconds_app']} s, stack {storm['server_cpu_seconds_stack']} s "
        f"(window {storm['window']['seconds']} s). Statements: {storm['window']['db_statements']}.",
    ]


def _night_paragraphs(night):
    """The paragraphs under the scenarios table, each for a scenario that ran."""
    lines = _setup_and_fanout(night)
    for key, paragraph in (
        ("heartbeats", _heartbeats),
        ("app_restart", _restart),
        ("busy", _busy),
        ("answer_burst", _answer_burst),
        ("reconnect_storm", _reconnect_storm),
    ):
        if night.get(key):
            lines += paragraph(night[key])
    return lines


def _memory_table(idle, scale_idle, reference_idle):
    if not (idle or scale_idle or reference_idle):
        return []
    lines = [
        "",
        "### Memory per idle stream",
        "",
        "| where | streams open | workers' RSS before → after | per stream |",
        "| --- | --- | --- | --- |",
    ]
    for label, r in (("100 games (fan-out stack)", idle), ("1,000 games (fresh stack)", scale_idle)):
        if r:
            lines.append(
                f"| {label} | {r['streams_open']} | {r['workers_rss_before_mb']} → "
                f"{r['workers_rss_after_mb']} MB | {r['rss_per_stream_kb']} KB |"
            )
    if reference_idle:
        r = reference_idle
        lines.append(
            f"| nchan (reference): nginx master + workers | {r['streams_open']} "
            f"| {r['rss_before_mb']} → {r['rss_after_mb']} MB | {r['rss_per_stream_kb']} KB |"
        )
    return lines


def _ratio(ours, theirs):
    return f"{ours / theirs:.1f}x" if ours is not None and theirs else "–"


def _reference_ratios(night, reference):
    """pubquiz / nchan for the figures the reference is there to judge against."""
    if reference.get("skipped"):
        return ["", "## Against nchan (reference)", "", reference["skipped"] + "."]
    if not reference:
        return []
    rows = [
        ("spread fan-out p99 ms", ("fanout_spread", "click_to_arrival_ms", "p99")),
        ("burst fan-out p99 ms", ("fanout_burst", "click_to_arrival_ms", "p99")),
        ("server CPU µs per delivery, spread", ("fanout_spread", "cpu_us_per_delivered_stack")),
        ("server CPU µs per delivery, burst", ("fanout_burst", "cpu_us_per_delivered_stack")),
        ("RSS KB per idle stream", ("idle_memory", "rss_per_stream_kb")),
    ]
    lines = [
        "",
        "## Against nchan (reference)",
        "",
        "nginx + nchan (benchmarks/nchan.py), the practical floor on this box: the same lean client, "
        f"{reference['streams']} streams over {reference['games']} channels (one per game), one "
        f"{reference['fragment_bytes']}-byte fragment per game published on the fan-out schedule "
        "above (a POST on a new connection). Latency: publish POST sent → stream (pubquiz: the "
        "host's click). CPU: pubquiz's whole stack; nchan's nginx master and workers, its whole "
        "server (its windows take a few hundredths of a CPU second, counted in psutil's 10 ms ticks: "
        "rough, ±15 % at full size). RSS: "
        "pubquiz's gunicorn workers; nchan's nginx master and workers.",
        "",
        "| figure | pubquiz | nchan | pubquiz / nchan |",
        "| --- | --- | --- | --- |",
    ]
    for label, path in rows:
        ours, theirs = _get(night, *path), _get(reference, *path)
        lines.append(f"| {label} | {_fmt(ours)} | {_fmt(theirs)} | {_ratio(ours, theirs)} |")
    return lines


def _performance_targets(s, night, reference, quick):
    """The performance targets set against nchan (the practical floor) and the seed's table, each
    judged from this run's figures (at full size only)."""
    if not reference or reference.get("skipped"):
        return []
    rows = []

    def judged(measure, value, target, ok):
        rows.append(f"| {measure} | {value} | {target} | {_verdict(ok, sized=True, quick=quick)} |")

    def ratio(*path):
        ours, theirs = _get(night, *path), _get(reference, *path)
        return ours / theirs if ours is not None and theirs else None

    cpu = [ratio(name, "cpu_us_per_delivered_stack") for name in ("fanout_spread", "fanout_burst")]
    judged(
        "server CPU per delivered event, all-in, vs nchan (spread / burst)",
        " / ".join(_fmt(r and round(r, 1), "x") for r in cpu),
        "≤ 2x",
        None if None in cpu else max(cpu) <= 2,
    )
    burst = ratio("fanout_burst", "click_to_arrival_ms", "p99")
    judged(
        "burst fan-out p99 vs nchan", _fmt(burst and round(burst, 1), "x"), "≤ 1.5x", burst and burst <= 1.5
    )
    spread = _get(night, "fanout_spread", "click_to_arrival_ms", "p99")
    judged("spread fan-out p99", _fmt(spread, " ms"), "≤ 5 ms", spread is not None and spread <= 5)
    memory = ratio("idle_memory", "rss_per_stream_kb")
    judged(
        "RSS per idle stream vs nchan",
        _fmt(memory and round(memory, 1), "x"),
        "≤ 1.5x",
        memory and memory <= 1.5,
    )
    clicks = (s.get("clicks") or {}).get("teams", {})
    by_teams = {int(teams): figures for teams, figures in clicks.items()}
    if 50 in by_teams:
        worst = max(by_teams[50].values())
        judged(
            "app CPU per console click (50 teams, the dearest click)",
            _fmt(worst, " ms"),
            "≤ 1.5 ms",
            worst <= 1.5,
        )
    if by_teams:
        reveals = {teams: figures["reveal"] for teams, figures in sorted(by_teams.items())}
        limits = {10: 1, 50: 1.5, 200: 3}
        growth = s["clicks"]["per_extra_team_us"]["reveal"]
        judged(
            "reveal CPU at " + " / ".join(map(str, reveals)) + " teams; µs per extra team",
            " / ".join(_fmt(ms) for ms in reveals.values()) + f" ms; {_fmt(growth)} µs",
            "≤ 1 / 1.5 / 3 ms; ≤ 10 µs",
            all(ms <= limits.get(teams, ms) for teams, ms in reveals.items()) and growth <= 10,
        )
    answers = night.get("answer_burst") or {}
    if answers:
        per_answer = answers["cpu_ms_per_accepted_answer_app"]
        judged(
            "app CPU per accepted answer, through Nginx, real limiter",
            _fmt(per_answer, " ms"),
            "≤ 0.4 ms",
            per_answer <= 0.4,
        )
        p99 = answers["answer_post_ms"]["p99"] / 1000
        everyone = answers["accepted"] == answers["sent"]
        judged(
            f"{answers['sent']} answers sent within {answers['send_spread_s']} s: all accepted, POST p99",
            f"{answers['accepted']} accepted, p99 {_fmt(round(p99, 2), ' s')}",
            "all, < 1 s",
            everyone and p99 < 1,
        )
    polling, ours = s.get("compare_polling"), s.get("compare_pubquiz") or night.get("compare_pubquiz")
    if polling and ours and ours["db_statements_per_minute"]:
        fewer = polling["db_statements_per_minute"] / ours["db_statements_per_minute"]
        judged("DB statements vs polling at the same load", f"{fewer:.1f}x fewer", "≥ 20x fewer", fewer >= 20)
    return [
        "",
        "## Performance targets",
        "",
        "Judged against nchan (the reference row above, same client and schedule) and the seed's "
        "table. The seed's scenario 2 at full size (100 games of 50 teams, 10 updates a second to "
        "every stream of a game, for 60 s) is not part of this run.",
        "",
        "| measure | this run | target | verdict |",
        "| --- | --- | --- | --- |",
        *rows,
    ]


def _side_by_side(s, night):
    lines = [
        "",
        "## Side by side",
        "",
        "Same client count and update schedule for each design; each on its own stack (gunicorn "
        "gevent workers from deploy/gunicorn.conf.py behind the same Nginx config). Latency: from the "
        "update's POST to the client seeing it (for polling: the first poll response with the new "
        "version). DB queries: statements the app sent (statement meter, BEGIN/COMMIT/pool checks "
        "excluded; round trips and pg_stat_database xact_commit also given).",
        "",
        "| design | clients | updates | delivered | lost | latency p50 / p99 ms | CPU µs per delivered "
        "update app / stack | DB queries/min (round trips/min, commits/min) | Redis connections "
        "| RSS app workers MB |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for key in ("compare_polling", "compare_flask_sse", "compare_pubquiz"):
        r = s.get(key) or night.get(key)
        if not r:
            continue
        lat = r["latency_ms"]
        lines.append(
            f"| {r['design']} | {r['clients']} | {r['updates']} | {r['delivered']} | {r['lost']} "
            f"| {_fmt(lat.get('p50'))} / {_fmt(lat.get('p99'))} "
            f"| {_fmt(r['cpu_us_per_delivered_app'])} / {_fmt(r['cpu_us_per_delivered_stack'])} "
            f"| {r['db_statements_per_minute']} ({r['db_round_trips_per_minute']}, "
            f"{r['db_xact_commit_per_minute']}) | {r['redis_connections']} "
            f"| {r['rss_mb'].get('app_workers')} |"
        )
    return lines


def _clicks(clicks):
    """What one console click costs the app at each game size (benchmarks/clicks.py)."""
    if not clicks:
        return []
    actions = ("open_question", "close_question", "reveal", "show_leaderboard")
    lines = [
        "",
        "## One console click",
        "",
        "App CPU (process_time, in process: Flask's test client on the app with the Redis bus and "
        "PostgreSQL; no HTTP parsing, no Nginx) of one click, the least over 6 questions, with half "
        "the teams having answered (four different answers). It covers the request, the "
        "transaction, the snapshot, every audience's renders, the publish and the reply.",
        "",
        "| teams | " + " | ".join(a.replace("_", " ") + " ms" for a in actions) + " |",
        "| --- |" + " --- |" * len(actions),
    ]
    for teams, figures in clicks["teams"].items():
        lines.append(f"| {teams} | " + " | ".join(_fmt(figures[a]) for a in actions) + " |")
    growth = clicks["per_extra_team_us"]
    lines.append("| µs per extra team | " + " | ".join(_fmt(growth[a]) for a in actions) + " |")
    return lines


def _profiles():
    """The flame graphs kept in benchmarks/profiles/ (a --profile run draws them), linked."""
    folder = ROOT / "benchmarks" / "profiles"
    drawn = sorted(folder.glob("*.svg"))
    if not drawn:
        return []
    lines = [
        "",
        "## Profiles",
        "",
        "Flame graphs of the gunicorn workers (benchmarks/flames.py, from the in-worker sampler of "
        "`python -m benchmarks.run --only NAME --profile`), one per measured window; the gevent "
        "hub's idle waits are left out. Names ending in -before are from the commit before this "
        "performance work, for comparison.",
        "",
    ]
    return lines + [f"- [{svg.stem}](profiles/{svg.name})" for svg in drawn]


def _notes_and_error(results):
    lines = []
    notes = results.get("notes") or []
    if notes:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    if results.get("error"):
        lines += ["", "## Error", "", "```", results["error"][-3000:], "```"]
    return lines


def _plots(links):
    if not links:
        return []
    lines = [
        "",
        "## Plots",
        "",
        "Drawn by benchmarks/plots.py; `python -m benchmarks.plots` redraws them from results.json.",
    ]
    for link, alt in links:
        lines += ["", f"![{alt}]({link})"]
    return lines


def markdown(results, quick, plots=()):
    """RESULTS.md: one function per section, in the order they appear; plots: [(link, alt text)]."""
    s = results.get("scenarios", {})
    night, scale, reference = s.get("night", {}), s.get("scale"), s.get("nchan", {})
    memory = _memory_table(
        night.get("idle_memory"), (scale or {}).get("idle_memory"), reference.get("idle_memory")
    )
    lines = (
        _header(results, quick)
        + _targets_table(results)
        + _plots(plots)
        + _scenarios_table(night, scale, reference)
        + _night_paragraphs(night)
        + memory
        + _reference_ratios(night, reference)
        + _performance_targets(s, night, reference, quick)
        + _side_by_side(s, night)
        + _clicks(s.get("clicks"))
        + _profiles()
        + _notes_and_error(results)
        + _old_answers()
    )
    return "\n".join(lines) + "\n"


def _old_answers():
    """The section of the last `python -m benchmarks.partitions` (a run of its own: 10 million
    rows are not part of make bench), kept when the rest is rewritten."""
    path = ROOT / "benchmarks" / "partitions.json"
    if not path.exists():
        return []
    from .partitions import section

    return section(json.loads(path.read_text()))
