"""A statistical CPU sampler inside a gevent worker, for `python -m benchmarks.run --profile`.

py-spy cannot attach here (it fails with "Failed to find python version from target process":
no access to another process's memory in this sandbox), so each worker samples itself: a real OS
thread (gevent's original _thread, not a greenlet) looks at the main thread's current Python
stack every few milliseconds, that is at the stack of whichever greenlet is running. Samples in
the gevent hub waiting for events are idle time; the rest is where the worker spends CPU.

Control: while the file <dir>/on exists the sampler counts stacks; the file holds the window's
label. When it disappears, the counts are written to <dir>/<label>-<pid>.txt as collapsed stacks
("root;...;leaf count", the flamegraph format). Loaded by benchmarks/gunicorn_profile.conf.py.
"""

import collections
import os
import sys

IDLE_LEAVES = ("gevent/hub.py:run", "gevent/_hub_primitives.py:wait", "hub.py:switch")


def _frame_name(code):
    path = code.co_filename
    for marker in ("site-packages/", "/work/main/", "lib/python3."):
        index = path.find(marker)
        if index >= 0:
            path = path[index + len(marker) :]
            break
    return f"{path}:{code.co_name}"


def start(directory, interval=0.003, trace_memory=False):
    from gevent import monkey

    # A thread can only look when the worker lets go of the GIL: at a system call, or when the
    # switch interval expires. 0.5 ms (default 5 ms) keeps pure-Python work from being undercounted.
    sys.setswitchinterval(0.0005)
    snap_control = os.path.join(directory, "snap")
    state = {"last_snap": None, "snapshot": None}

    start_new_thread = monkey.get_original("_thread", "start_new_thread")
    get_ident = monkey.get_original("_thread", "get_ident")
    sleep = monkey.get_original("time", "sleep")
    main = get_ident()
    control = os.path.join(directory, "on")

    def run():
        counts = collections.Counter()
        label = None
        checks = 0
        while True:
            checks += 1
            if trace_memory and checks % 20 == 1:
                _memory(directory, snap_control, state)
            if checks % 20 == 1:
                try:
                    with open(control) as f:
                        label = f.read().strip() or "window"
                except OSError:
                    if counts:
                        path = os.path.join(directory, f"{label}-{os.getpid()}.txt")
                        with open(path, "w") as out:
                            for stack, count in counts.items():
                                out.write(f"{stack} {count}\n")
                        counts = collections.Counter()
                    label = None
            if label is not None:
                frame = sys._current_frames().get(main)
                names = []
                while frame is not None and len(names) < 80:
                    names.append(_frame_name(frame.f_code))
                    frame = frame.f_back
                counts[";".join(reversed(names))] += 1
            sleep(interval if label is not None else 0.05)

    start_new_thread(run, ())


def _memory(directory, control, state):
    """When <dir>/snap names a new label: a tracemalloc snapshot, and the difference from the
    previous one (top allocation sites by growth) in <dir>/mem-<label>-<pid>.txt."""
    import tracemalloc

    try:
        with open(control) as f:
            label = f.read().strip()
    except OSError:
        return
    if not label or label == state["last_snap"]:
        return
    state["last_snap"] = label
    if not tracemalloc.is_tracing():  # from the first snapshot on: the setup before runs at full speed
        tracemalloc.start(12)
    snapshot = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
    if state["snapshot"] is not None:
        stats = snapshot.compare_to(state["snapshot"], "lineno")
        with open(os.path.join(directory, f"mem-{label}-{os.getpid()}.txt"), "w") as out:
            total = sum(stat.size_diff for stat in stats)
            out.write(f"total {total}\n")
            for stat in stats[:40]:
                frame = stat.traceback[0]
                out.write(f"{stat.size_diff} {stat.count_diff} {_short(frame.filename)}:{frame.lineno}\n")
    state["snapshot"] = snapshot


def _short(path):
    for marker in ("site-packages/", "/work/main/", "lib/python3."):
        index = path.find(marker)
        if index >= 0:
            return path[index + len(marker) :]
    return path


def summarize(directory, label, top=30):
    """{samples, busy_samples, self: [(function, % of busy)], inclusive: [(function, % of busy)]}
    over every worker's file for this window."""
    stacks = collections.Counter()
    for name in os.listdir(directory):
        if name.startswith(label + "-") and name.endswith(".txt"):
            with open(os.path.join(directory, name)) as f:
                for line in f:
                    stack, _, count = line.rstrip("\n").rpartition(" ")
                    stacks[stack] += int(count)
    total = sum(stacks.values())
    busy = {s: c for s, c in stacks.items() if not s.split(";")[-1].endswith(IDLE_LEAVES)}
    busy_total = sum(busy.values()) or 1
    own = collections.Counter()
    inclusive = collections.Counter()
    for stack, count in busy.items():
        frames = stack.split(";")
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    pct = lambda c: round(100.0 * c / busy_total, 1)  # noqa: E731
    return {
        "samples": total,
        "busy_samples": sum(busy.values()),
        "self_pct": [(f, pct(c)) for f, c in own.most_common(top)],
        "inclusive_pct": [
            (f, pct(c)) for f, c in inclusive.most_common(top * 2) if not f.endswith(IDLE_LEAVES)
        ][: top * 2],
    }
