"""nginx + nchan (Debian's libnginx-mod-nchan, a pub/sub module in C) as the benchmark's reference row.

What the same client gets from a server that does nothing but fan bytes out: the same lean client
(lean.py) holds as many streams as pubquiz's Night does (games x (teams + 1 projector)), one nchan
channel per game, and this runner publishes one fragment per game on the fan-out schedule of
scenarios/fanout.py: "spread" (one game every spread_gap s) and "burst" (every game at the same
instant), each publish a POST on a new connection like a host's click. Before that, the idle
streams' memory, like scenarios/idle.py. CPU and RSS are psutil's over the nginx master and its
workers, the way stack.py measures the app; nginx + nchan is the whole server (no Redis, no
database), so its "app" and "stack" CPU are the same figure.
"""

import asyncio
import atexit
import json
import os
import time
from pathlib import Path

import psutil

from harness import nginx
from harness.processes import free_port

from . import lean
from .analysis import Deliveries
from .night import log, per_delivery
from .stack import Stack, total_rss

MODULE = Path("/usr/lib/nginx/modules/ngx_nchan_module.so")
# About the SSE message a team stream gets when a question opens (1.6-1.8 KB of HTML from the
# stage, countdown and answer-box fragments, measured over the same templates), on one line.
FRAGMENT = (
    '<section id="stage" class="stage" data-phase="question" hx-swap-oob="true">'.ljust(1690, "x")
    + "</section>"
).encode()
PUBLISHED = (200, 201, 202)  # nchan answers 201 for a new channel, 202 for a queued message

CONFIG = """load_module {module};
# As deploy/nginx.conf: one worker per core, 16384 connections each.
worker_processes auto;
worker_rlimit_nofile 65536;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{
    worker_connections 16384;
}}
http {{
    access_log off;
{temp_paths}
    server {{
        listen 127.0.0.1:{port};
        location ~ ^/sub/(\\w+)$ {{
            nchan_subscriber eventsource;
            nchan_channel_id $1;
            nchan_subscriber_first_message newest;
        }}
        location ~ ^/pub/(\\w+)$ {{
            nchan_publisher;
            nchan_channel_id $1;
        }}
    }}
}}
"""


class NchanServer:
    """One nginx with the nchan module, its config and logs in workdir/nchan."""

    def __init__(self, workdir):
        self.workdir = Path(workdir).resolve() / "nchan"
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.process = None
        self._nginx = nginx
        atexit.register(self.close)  # every exit path of the runner stops it, as for the stacks

    def start(self):
        temp_paths = "".join(
            f"    {kind}_temp_path {self.workdir}/{kind}_temp;\n" for kind in self._nginx.TEMP_PATHS
        )
        config = self.workdir / "nginx.conf"
        config.write_text(
            CONFIG.format(module=MODULE, workdir=self.workdir, temp_paths=temp_paths, port=self.port)
        )
        self.process = self._nginx.start(config)
        return self

    def processes(self):
        """The nginx master and its workers."""
        try:
            master = psutil.Process(self.process.pid)
            return [master] + master.children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def cpu_sample(self):
        """{"nginx": {pid: cpu seconds}}, the shape Stack.cpu_delta compares."""
        sample = {}
        for process in self.processes():
            try:
                times = process.cpu_times()
                sample[process.pid] = times.user + times.system
            except psutil.NoSuchProcess:
                pass
        return {"nginx": sample}

    def rss(self):
        return total_rss(self.processes())

    def close(self):
        if self.process is not None:
            self._nginx.stop(self.process)
            self.process = None


def publish_request(channel):
    """A host's click in nchan terms: POST the fragment to the game's channel, then hang up."""
    head = (
        f"POST /pub/{channel} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        f"Accept: text/json\r\nContent-Type: text/html\r\nContent-Length: {len(FRAGMENT)}\r\n\r\n"
    )
    return lean.Request(channel, head.encode() + FRAGMENT)


async def _idle_memory(server, fleet, streams, settle):
    """nginx's RSS growth per stream once every stream is open and idle."""
    baseline = server.rss()
    started = time.monotonic()
    not_connected = await fleet.open(streams, timeout=max(60, len(streams) / 50))
    seconds = time.monotonic() - started
    await asyncio.sleep(settle)
    after = server.rss()
    out = {
        "streams_open": fleet.open_count,
        "not_connected": not_connected,
        "open_seconds": round(seconds, 2),
        "rss_before_mb": round(baseline / 2**20, 1),
        "rss_after_mb": round(after / 2**20, 1),
        "rss_per_stream_kb": round((after - baseline) / max(fleet.open_count, 1) / 1024, 1),
        "errors": dict(fleet.errors),
    }
    log(
        f"nchan: {fleet.open_count}/{len(streams)} streams open in {seconds:.1f}s, "
        f"{out['rss_per_stream_kb']} KB RSS per stream"
    )
    return out


async def _until_delivered(streams, wanted, timeout, quiet):
    """Wait (bounded) until each stream holds its `wanted` count of events, then `quiet` s more
    for strays (a duplicate would arrive then)."""
    deadline = time.monotonic() + timeout
    pairs = list(zip(streams, wanted, strict=True))
    while time.monotonic() < deadline and any(len(s.events) < n for s, n in pairs):
        await asyncio.sleep(0.05)
    await asyncio.sleep(quiet)


def _check(requests, streams):
    """Every stream of a game must get the message its game's publish returned the id of."""
    sent = {}
    for request in requests:
        if request.status in PUBLISHED:
            message_id = json.loads(request.body)["last_message_id"].encode()
            sent[request.key] = {message_id: request.sent}
    result = Deliveries()
    for stream in streams:
        published = sent.get(stream.key, {})
        result.add(stream, list(published), published, published)
    summary = result.summary()
    # nchan's ids carry whole seconds only: the send time is the one clock there is.
    del summary["publish_to_arrival_ms"]
    return summary, [r.key for r in requests if r.status not in PUBLISHED]


async def _fanout(server, fleet, channels, kind, p):
    """One publish per game: spread over spread_gap s per game, or all at the same instant."""
    spread = p["spread_gap"] * len(channels) if kind == "spread" else 0.0
    streams = fleet.streams
    wanted = [len(s.events) + 1 for s in streams]
    requests = [publish_request(channel) for channel in channels]
    cpu0, started = server.cpu_sample(), time.monotonic()
    await lean.run_requests(server.port, requests, timeout=60, spread=spread)
    await _until_delivered(streams, wanted, timeout=20, quiet=p["quiet"])
    cpu = Stack.cpu_delta(cpu0, server.cpu_sample())["nginx"]
    summary, failed = _check(requests, streams)
    latency = summary["click_to_arrival_ms"]
    log(
        f"nchan fan-out {kind}: {summary['delivered']}/{summary['expected']} delivered, lost "
        f"{summary['lost']}, publish POST -> stream p50/p99 {latency['p50']}/{latency['p99']} ms"
    )
    us = per_delivery(cpu, summary["delivered"])
    return {
        "games": len(channels),
        "streams": len(streams),
        "publishes": len(requests) - len(failed),
        "failed_publishes": failed[:5],
        **summary,
        "cpu_us_per_delivered_app": us,
        "cpu_us_per_delivered_stack": us,
        "window": {"seconds": round(time.monotonic() - started, 2), "cpu_seconds": {"nginx": round(cpu, 3)}},
    }


def _missing():
    """None if the module is here; else the one line that says why the reference is skipped
    (or, with PUBQUIZ_REQUIRE_SERVICES=1, the error)."""
    if MODULE.exists():
        return None
    missing = f"{MODULE} is missing (apt-get install libnginx-mod-nchan)"
    if os.environ.get("PUBQUIZ_REQUIRE_SERVICES") == "1":
        raise RuntimeError("the nchan reference cannot run: " + missing)
    log("nchan reference skipped: " + missing)
    return "nchan reference skipped: " + missing


async def reference(workdir, p):
    """The nchan reference: idle memory, then fan-out spread and burst; {"skipped": why} without it."""
    skipped = _missing()
    if skipped:
        return {"skipped": skipped}
    server = NchanServer(workdir).start()
    fleet = lean.SseFleet(server.port)
    channels = [f"g{n}" for n in range(p["games"])]
    streams = [lean.Stream(channel, f"/sub/{channel}") for channel in channels for _ in range(p["teams"] + 1)]
    try:
        out = {
            "design": "nginx + nchan (libnginx-mod-nchan): one channel per game, EventSource "
            "subscribers, one POST per publish",
            "fragment_bytes": len(FRAGMENT),
            "games": len(channels),
            "streams": len(streams),
        }
        out["idle_memory"] = await _idle_memory(server, fleet, streams, p["idle_settle"])
        out["fanout_spread"] = await _fanout(server, fleet, channels, "spread", p)
        out["fanout_burst"] = await _fanout(server, fleet, channels, "burst", p)
        out["streams_still_open"] = fleet.open_count
        return out
    finally:
        fleet.close()
        server.close()
