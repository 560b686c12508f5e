"""The benchmark plots (benchmarks/plots.py), drawn by `python -m benchmarks.plots` from a small
results file: what the SVGs say, and that the same results draw the same bytes. Run as a command,
as the lead runs it: the tests never import benchmarks/ (tests/test_layout.py)."""

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _series(p50, p95, p99, largest, quantiles=None):
    """A latency series as results.json keeps it; without quantiles, as a run before plots did."""
    series = {"count": 5100, "p50": p50, "p95": p95, "p99": p99, "max": largest}
    if quantiles is not None:
        series["quantiles"] = quantiles
    return series


# 201 quantiles from 5 ms to 15 ms, as benchmarks/analysis.py keeps them
SPREAD = [round(5 + i / 20, 3) for i in range(201)]
RESULTS = {
    "mode": "full",
    "scenarios": {
        "night": {
            "fanout_spread": {
                "click_to_arrival_ms": _series(10.0, 14.5, 14.9, 15.0, SPREAD),
                "cpu_us_per_delivered_app": 135.3,
                "cpu_us_per_delivered_stack": 184.3,
            },
            "busy": {
                "click_to_arrival_ms": _series(407.4, 842.1, 967.2, 1429.4),
                "cpu_us_per_delivered_app": 449.4,
                "cpu_us_per_delivered_stack": 631.0,
            },
        },
        "nchan": {
            "fanout_spread": {
                "click_to_arrival_ms": _series(0.7, 1.1, 1.3, 1.6, [0.5] * 100 + [1.3] * 101),
                "cpu_us_per_delivered_app": 21.6,
                "cpu_us_per_delivered_stack": 21.6,
            }
        },
    },
}


def _draw(tmp_path, name):
    results = tmp_path / "results.json"
    results.write_text(json.dumps(RESULTS))
    out = tmp_path / name
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.plots", str(results), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return out


def _texts(svg):
    """The lines of text a reader sees (the SVGs keep text as text)."""
    return set(re.findall(r">([^<>]+)</text>", svg.read_text()))


def test_the_plots_show_each_scenario_that_ran_with_its_p99_and_nchan_beside_pubquiz(tmp_path):
    out = _draw(tmp_path, "plots")
    # Only the figures the results have data for: no answer burst or side by side ran here.
    assert sorted(p.name for p in out.iterdir()) == ["cpu_per_delivery.svg", "latency_cdf.svg"]
    latency = _texts(out / "latency_cdf.svg")
    assert {"Fan-out spread", "Busy games", "p99 14.9 ms", "p99 1.3 ms", "p99 967.2 ms"} <= latency
    assert "nchan (C reference, same client)" in latency
    assert "Reconnect storm" not in latency  # it did not run
    # busy has no quantiles (a results file from before them): a step through its percentiles,
    # and the legend says so
    assert "Dashed: this run kept only p50, p95," in latency
    cpu = _texts(out / "cpu_per_delivery.svg")
    assert {"135.3", "184.3", "21.6", "449.4", "631", "nchan (whole server)"} <= cpu


def test_the_same_results_draw_the_same_bytes_with_no_date(tmp_path):
    first, second = _draw(tmp_path, "first"), _draw(tmp_path, "second")
    for svg in first.iterdir():
        assert svg.read_bytes() == (second / svg.name).read_bytes(), svg.name
        assert b"<dc:date>" not in svg.read_bytes()
