"""The plots of one benchmark run, drawn from its results (the runner calls draw() after a run;
`python -m benchmarks.plots [results.json] [--out DIR]` redraws them from a results file).

Each latency series in results.json keeps its distribution (`quantiles`: the i/200 quantiles,
benchmarks/analysis.py); a results file written before that has only p50 / p95 / p99 / max, and
its curves are drawn as the step through those four points (dashed, and the legend says so).
The SVGs are deterministic: text stays text, ids come from a fixed salt and no date is written,
so redrawing the same results writes the same bytes.
"""

import argparse
import json
import math
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display here, and none needed
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter  # noqa: E402

from .report import _get  # noqa: E402  (results.json read the way RESULTS.md reads it)

HERE = Path(__file__).resolve().parent
STYLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "pubquiz-benchmarks",
    "font.size": 15,
    "axes.titlesize": 17,
    "axes.titleweight": "bold",
    "axes.labelsize": 15,
    "legend.fontsize": 15,
    "xtick.labelsize": 13,
    "ytick.labelsize": 13,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.35,
}
METADATA = {"Date": None, "Creator": None}  # no date, no matplotlib version: same data, same file
PUBQUIZ, NCHAN, TARGET = "#1f5fa8", "#d9711c", "#777777"
OTHERS = ("#2e8b57", "#a23b72")

# (title, pubquiz's click -> team series, nchan's series or None, target p99 ms or None)
LATENCY_PANELS = (
    ("Fan-out spread", ("night", "fanout_spread", "click_to_arrival_ms"), ("nchan", "fanout_spread"), 20),
    ("Fan-out burst", ("night", "fanout_burst", "click_to_arrival_ms"), ("nchan", "fanout_burst"), 100),
    ("Busy games", ("night", "busy", "click_to_arrival_ms"), None, None),
    ("Reconnect storm", ("night", "reconnect_storm", "click_to_arrival_ms_all"), None, None),
    ("Scale: every game starts", ("scale", "click_to_arrival_ms"), None, None),
)
# (label, the scenario's results, nchan's results of the same schedule or None)
CPU_BARS = (
    ("fan-out\nspread", ("night", "fanout_spread"), ("nchan", "fanout_spread")),
    ("fan-out\nburst", ("night", "fanout_burst"), ("nchan", "fanout_burst")),
    ("busy", ("night", "busy"), None),
    ("scale", ("scale",), None),
    ("side by side\n(pubquiz)", ("night", "compare_pubquiz"), None),
)
CPU_TARGET_US = 20


def _ran(series):
    """A latency series that has values, else None."""
    return series if series and series.get("count") else None


def _curve(series):
    """(x ms, y fraction, exact): the kept quantiles, or the step through the four percentiles."""
    if series.get("quantiles"):
        q = series["quantiles"]
        return q, [i / (len(q) - 1) for i in range(len(q))], True
    x = [series["p50"], series["p50"], series["p95"], series["p99"], series["max"]]
    return x, [0, 0.5, 0.95, 0.99, 1.0], False


def _cdf(ax, series, colour, p99_height):
    """One CDF with its p99 marked (a dot on the curve, a dotted line down to its label);
    returns whether the curve is the whole distribution."""
    x, y, exact = _curve(series)
    x = [max(v, 0.01) for v in x]  # a log axis: a clock tick of 0 ms shows at 0.01
    ax.plot(
        x, y, color=colour, lw=2.6, ls="-" if exact else "--", drawstyle="default" if exact else "steps-post"
    )
    p99 = series["p99"]
    ax.plot([p99], [0.99], "o", color=colour, ms=8)
    ax.plot([p99, p99], [p99_height, 0.99], ":", color=colour, lw=1.6)
    ax.annotate(
        f"p99 {p99:g} ms",
        (p99, p99_height),
        xytext=(5, 0),
        textcoords="offset points",
        color=colour,
        va="center",
        fontsize=13,
        weight="bold",
        bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.5},
    )
    return exact


def _latency_axes(ax, title, xlim):
    ax.set_title(title, loc="left")
    ax.set_xscale("log")
    ax.set_xlim(*xlim)
    decades = math.log10(xlim[1] / xlim[0])
    # about five labelled ticks whatever the range: every other decade, every decade, or between
    if decades >= 2.5:
        ax.xaxis.set_major_locator(LogLocator(numticks=5))
    else:
        ax.xaxis.set_major_locator(LogLocator(subs=(1, 2, 5) if decades >= 1 else (1, 1.5, 2, 3, 5, 7)))
    ax.set_ylim(0, 1.02)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_xlabel("ms (log scale)")


def _xlim(series_list, label_share):
    """The x range of a panel: from a little below its fastest value to past its slowest, with
    label_share of the width right of every p99 for its label."""
    values = [v for series in series_list for v in _curve(series)[0] if v > 0]
    low = min(values) / 1.3
    p99 = max(series["p99"] for series in series_list)
    # on a log axis: log(high) - log(p99) = label_share * (log(high) - log(low))
    high = math.exp((math.log(p99) - label_share * math.log(low)) / (1 - label_share))
    return low, max(high, max(values) * 1.3)


def latency_cdf(s):
    """click -> team, one panel per scenario that ran, nchan's curve beside pubquiz's."""
    panels = [
        (
            title,
            _ran(_get(s, *ours)),
            _ran(_get(s, *theirs, "click_to_arrival_ms")) if theirs else None,
            target,
        )
        for title, ours, theirs, target in LATENCY_PANELS
    ]
    panels = [p for p in panels if p[1]]
    if not panels:
        return None
    # two columns: shown a README wide (about 900 px), each panel stays readable
    fig, axes = plt.subplots(3, 2, figsize=(11.5, 12.5), sharey=True)
    axes = axes.flatten()
    exact = True
    for ax, (title, ours, theirs, target) in zip(axes, panels, strict=False):
        _latency_axes(ax, title, _xlim([ours, theirs] if theirs else [ours], 0.3))
        exact &= _cdf(ax, ours, PUBQUIZ, 0.62)
        if theirs:
            exact &= _cdf(ax, theirs, NCHAN, 0.40)
        if target:
            ax.axvline(target, color=TARGET, lw=1.6, ls="-.")
    for ax in axes[: len(panels) : 2]:
        ax.set_ylabel("deliveries arrived")
    _legend_panel(axes, len(panels), exact)
    fig.suptitle("Host click → event on each team's socket", fontsize=21, weight="bold", x=0.01, ha="left")
    fig.tight_layout()
    return fig


HOW_TO_READ = (
    "How to read: where a curve is at 80 %\nand 10 ms, 80 % of the deliveries\narrived within 10 ms."
)
COARSE = (
    "Dashed: this run kept only p50, p95,\np99 and max (a step through them);\n"
    "the next run keeps every curve whole."
)


TARGETS = (
    "target p99\n(" + ", ".join(f"{t.split()[-1]} {ms} ms" for t, _, _, ms in LATENCY_PANELS if ms) + ")"
)


def _legend_panel(axes, used, exact):
    """The panels left over hold the one legend and how to read the curves."""
    for ax in axes[used:]:
        ax.set_axis_off()
    if used >= len(axes):
        return
    ax = axes[used]
    handles = [
        Line2D([], [], color=PUBQUIZ, lw=3, label="pubquiz (production stack)"),
        Line2D([], [], color=NCHAN, lw=3, label="nchan (C reference, same client)"),
        Line2D([], [], color="#333333", ls="", marker="o", ms=8, label="p99"),
        Line2D([], [], color=TARGET, lw=1.6, ls="-.", label=TARGETS),
    ]
    ax.legend(handles=handles, loc="upper left", frameon=False)
    ax.text(0.0, 0.34, HOW_TO_READ + ("" if exact else "\n\n" + COARSE), transform=ax.transAxes, va="top")


def answer_post_cdf(s):
    """Answer POST sent -> response, in the answer burst and in busy games."""
    series = (
        ("answer burst: every team within 1 s", ("night", "answer_burst", "answer_post_ms"), PUBQUIZ),
        ("busy games: ~10 answers/s per game", ("night", "busy", "answer_post_ms"), OTHERS[0]),
    )
    return _one_panel_cdf(
        s, series, "Answer POST sent → response (accepted answers)", "answers with their response"
    )


def side_by_side_cdf(s):
    """Update POST -> client sees it, for the three designs on the same schedule."""
    series = (
        ("pubquiz (SSE, Redis bus)", ("night", "compare_pubquiz", "latency_ms"), PUBQUIZ),
        ("flask-sse (a subscription per client)", ("compare_flask_sse", "latency_ms"), OTHERS[1]),
        ("polling once a second", ("compare_polling", "latency_ms"), OTHERS[0]),
    )
    return _one_panel_cdf(s, series, "Side by side: host's update → client sees it", "updates seen")


def _one_panel_cdf(s, series, title, ylabel):
    """The CDFs of series [(label, path, colour)] that ran, on one panel, the legend below it."""
    series = [(label, _ran(_get(s, *path)), colour) for label, path, colour in series]
    series = [(label, data, colour) for label, data, colour in series if data]
    if not series:
        return None
    fig, ax = plt.subplots(figsize=(12, 7.5), layout="constrained")
    _latency_axes(ax, title, _xlim([data for _, data, _ in series], 0.2))
    handles = []
    for (label, data, colour), height in zip(series, (0.62, 0.40, 0.18), strict=False):
        exact = _cdf(ax, data, colour, height)
        coarse = "" if exact else ", dashed: p50/p95/p99/max only"
        label = f"{label} (n = {data['count']:,}{coarse})"
        handles.append(Line2D([], [], color=colour, lw=3, ls="-" if exact else "--", label=label))
    ax.set_ylabel(ylabel)
    fig.legend(handles=handles, loc="outside lower center", frameon=False)
    return fig


def cpu_per_delivery(s):
    """Bars of server CPU µs per delivery: app, whole stack and nchan, per scenario."""
    rows = []
    for label, ours, theirs in CPU_BARS:
        r = _get(s, *ours) or {}
        nchan = _get(s, *theirs, "cpu_us_per_delivered_stack") if theirs else None
        if r.get("cpu_us_per_delivered_app") is not None:
            rows.append((label, r["cpu_us_per_delivered_app"], r.get("cpu_us_per_delivered_stack"), nchan))
    if not rows:
        return None
    fig, ax = plt.subplots(figsize=(13, 6.5))
    width = 0.27
    for offset, column, name, colour in (
        (-1, 1, "pubquiz app (gunicorn)", PUBQUIZ),
        (0, 2, "pubquiz whole stack (+ Nginx, Redis, PostgreSQL)", "#7fa7d6"),
        (1, 3, "nchan (whole server)", NCHAN),
    ):
        xs = [i + offset * width for i, row in enumerate(rows) if row[column] is not None]
        values = [row[column] for row in rows if row[column] is not None]
        bars = ax.bar(xs, values, width, label=name, color=colour)
        ax.bar_label(bars, labels=[f"{v:g}" for v in values], padding=3, fontsize=12)
    ax.axhline(CPU_TARGET_US, color=TARGET, lw=1.4, ls="-.")
    ax.set_xlim(-0.6, len(rows) - 0.4)
    ax.text(
        len(rows) - 0.45,
        CPU_TARGET_US,
        f"target ≤ {CPU_TARGET_US} µs",
        color="#555555",
        ha="right",
        va="bottom",
        fontsize=12,
    )
    ax.set_xticks(range(len(rows)), [row[0] for row in rows])
    ax.set_ylabel("server CPU µs per delivery")
    ax.set_title("Server CPU per event delivered to one stream", loc="left")
    ax.grid(axis="x", visible=False)
    ax.legend(frameon=False, loc="upper left")
    fig.tight_layout()
    return fig


FIGURES = (
    ("latency_cdf.svg", "Host click to team latency CDFs per scenario, pubquiz beside nchan", latency_cdf),
    ("cpu_per_delivery.svg", "Server CPU per delivery per scenario", cpu_per_delivery),
    ("answer_post_cdf.svg", "Answer POST latency CDFs", answer_post_cdf),
    ("side_by_side_cdf.svg", "Update latency CDFs of pubquiz, flask-sse and polling", side_by_side_cdf),
)


def draw(results, out_dir):
    """Writes each figure the results have data for; returns [(path, alt text)]."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with plt.rc_context(STYLE):
        for name, alt, figure in FIGURES:
            fig = figure(results.get("scenarios", {}))
            if fig is None:
                continue
            fig.savefig(out_dir / name, format="svg", metadata=METADATA)
            plt.close(fig)
            written.append((out_dir / name, alt))
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.plots", description=__doc__.split("\n\n")[0])
    parser.add_argument("results", nargs="?", type=Path, default=HERE / "results.json")
    parser.add_argument("--out", type=Path, help="folder for the SVGs (default: plots/ beside the results)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    results = json.loads(args.results.read_text())
    for path, _ in draw(results, args.out or args.results.parent / "plots"):
        print(f"[bench] wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
