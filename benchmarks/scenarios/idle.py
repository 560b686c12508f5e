"""Idle streams: what they cost in memory (the workers' RSS per stream; with --tracemalloc, the
Python allocation sites) and in CPU (heartbeats, when nothing else happens)."""

import asyncio

from ..night import log, per_delivery
from ..stack import Window


async def idle_memory(night, streams_open, baseline):
    """The workers' RSS growth per stream since `baseline`, once the streams sit idle."""
    await asyncio.sleep(night.p["idle_settle"])
    workers = night.stack.workers_rss()
    per_stream = (workers - baseline) / max(streams_open, 1)
    return {
        "streams_open": streams_open,
        "workers_rss_before_mb": round(baseline / 2**20, 1),
        "workers_rss_after_mb": round(workers / 2**20, 1),
        "rss_per_stream_kb": round(per_stream / 1024, 1),
        "held_by_workers": [w.pid for w in night.stack.workers_of_app()],
    }


def _read_snapshots(directory, label):
    """The workers' tracemalloc growth files for `label`: ({site: bytes}, total bytes)."""
    sites, total = {}, 0
    for path in directory.glob(f"mem-{label}-*.txt"):
        lines = path.read_text().splitlines()
        total += int(lines[0].split()[1])
        for line in lines[1:]:
            size, count, site = line.split(" ", 2)
            sites[site] = sites.get(site, 0) + int(size)
    return sites, total


async def memory_snapshot(night, label, streams=0):
    """With --tracemalloc: each worker snapshots; returns the top growth sites per new stream."""
    directory = night.stack.profile_dir
    if not directory or night.stack.env.get("BENCH_TRACEMALLOC") != "1":
        return None
    await asyncio.sleep(2)
    (directory / "snap").write_text(label)
    await asyncio.sleep(8)
    sites, total = _read_snapshots(directory, label)
    if not streams:
        return None
    top = sorted(sites.items(), key=lambda kv: -kv[1])[:25]
    return {
        "python_bytes_per_stream": round(total / streams),
        "sites_bytes_per_stream": [(site, round(size / streams)) for site, size in top],
    }


async def heartbeats(night, seconds):
    """Nothing happens for `seconds`: the only messages are the streams' heartbeats (one per
    stream every PUBQUIZ_HEARTBEAT_SECONDS). Their CPU is the marginal cost of one message on
    one stream, without any publishing or rendering."""
    streams = night.all_streams()
    before = sum(s.pings for s in streams)
    window = Window(night.stack, "heartbeats").start()
    await asyncio.sleep(seconds)
    window.stop()
    pings = sum(s.pings for s in streams) - before
    out = {
        "streams": len(streams),
        "seconds": round(window.seconds, 1),
        "heartbeats_delivered": pings,
        "cpu_us_per_heartbeat_app": per_delivery(window.app_cpu, pings),
        "cpu_us_per_heartbeat_stack": per_delivery(window.stack_cpu, pings),
        "window": window.summary(),
    }
    log(
        f"idle {seconds}s: {pings} heartbeats, {out['cpu_us_per_heartbeat_app']} us app CPU each "
        f"({out['cpu_us_per_heartbeat_stack']} us whole stack)"
    )
    return out
