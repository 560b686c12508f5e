"""Monitoring as files (deploy/prometheus/): the rules pass promtool and its unit tests, the Grafana
dashboard reads only metrics the app exposes, and a real Prometheus scraping a running instance
(gunicorn, two workers, Redis) evaluates the rules and the latency quantiles from what it saw."""

import json
import math
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from helpers import redis_url, require, run_async
from prometheus_client.parser import text_string_to_metric_families

from harness.people import Host, Stream, close_all
from harness.processes import free_port, stop_process, wait_for_http
from harness.quiz import RED_PLANET

ROOT = Path(__file__).resolve().parent.parent
MONITORING = ROOT / "deploy" / "prometheus"
RULES = MONITORING / "pubquiz.rules.yml"
DASHBOARD = MONITORING / "grafana-dashboard.json"
RULE_TESTS = ROOT / "tests" / "data" / "prometheus" / "pubquiz.rules.test.yml"
RULE_COUNT = RULES.read_text().count("- record:") + RULES.read_text().count("- alert:")
METRIC = re.compile(r"\bpubquiz_[a-z0-9_]+")
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}


def promtool(*args):
    require(shutil.which("promtool"), "no promtool on PATH (apt-get install prometheus)")
    return subprocess.run(["promtool", *args], capture_output=True, text=True, timeout=60)


def test_the_rules_and_the_example_config_pass_promtool():
    rules = promtool("check", "rules", str(RULES))
    assert rules.returncode == 0, rules.stdout + rules.stderr
    assert f"SUCCESS: {RULE_COUNT} rules found" in rules.stdout
    config = promtool("check", "config", str(MONITORING / "prometheus.yml"))
    assert config.returncode == 0, config.stdout + config.stderr


def test_the_alerts_fire_when_they_should_and_not_beside_it():
    result = promtool("test", "rules", str(RULE_TESTS))
    assert result.returncode == 0, result.stdout + result.stderr


def dashboard_queries():
    panels = json.loads(DASHBOARD.read_text())["panels"]
    assert len(panels) >= 10
    return {(panel["title"], target["expr"]) for panel in panels for target in panel["targets"]}


def exposed_names(text):
    """The sample names a scrape of /metrics holds, labelled metrics with no sample yet included."""
    return {
        family.name + suffix
        for family in text_string_to_metric_families(text)
        for suffix in SUFFIXES.get(family.type, ("",))
    }


def test_every_dashboard_panel_reads_metrics_the_app_exposes(client):
    exposed = exposed_names(client.get("/metrics").get_data(as_text=True))
    for title, expr in dashboard_queries():
        names = set(METRIC.findall(expr))
        assert names, f"panel {title!r} reads no pubquiz metric: {expr}"
        assert names <= exposed, f"panel {title!r} reads {names - exposed}, which /metrics does not expose"


class Prometheus:
    """A private Prometheus scraping one target every second, with pubquiz's rules."""

    def __init__(self, workdir, target):
        require(shutil.which("prometheus"), "no prometheus on PATH (apt-get install prometheus)")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        config = workdir / "prometheus.yml"
        config.write_text(
            json.dumps(  # JSON is YAML
                {
                    "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                    "rule_files": [str(RULES)],
                    "scrape_configs": [{"job_name": "pubquiz", "static_configs": [{"targets": [target]}]}],
                }
            )
        )
        self.log = open(workdir / "prometheus.log", "w")
        self.process = subprocess.Popen(
            [
                "prometheus",
                f"--config.file={config}",
                f"--storage.tsdb.path={workdir / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for_http(self.base + "/-/ready", self.process, timeout=30)

    def api(self, path, **params):
        url = f"{self.base}/api/v1/{path}?{urllib.parse.urlencode(params)}"
        with urllib.request.urlopen(url, timeout=5) as response:
            answer = json.load(response)
        assert answer["status"] == "success", answer
        return answer["data"]

    def query(self, expr):
        """The instant vector of `expr` as {labels: value}."""
        data = self.api("query", query=expr)
        return {json.dumps(r["metric"], sort_keys=True): float(r["value"][1]) for r in data["result"]}

    def wait_for(self, expr, seconds=30):
        """The first answer of `expr` that holds a number (not NaN); fails after `seconds`."""
        deadline = time.monotonic() + seconds
        while True:
            values = {k: v for k, v in self.query(expr).items() if not math.isnan(v)}
            if values:
                return values
            assert time.monotonic() < deadline, f"no value for {expr} within {seconds}s"
            time.sleep(0.5)

    def stop(self):
        stop_process(self.process)
        self.log.close()


@pytest.fixture
def instance(database_url, tmp_path):
    """pubquiz as deployed: gunicorn with deploy/gunicorn.conf.py, two workers, Redis."""
    port = free_port()
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        REDIS_URL=redis_url(),
        PUBQUIZ_REDIS_PREFIX="pubquiz-prometheus-" + secrets.token_hex(4),
        SECRET_KEY="prometheus-test-" + secrets.token_hex(8),
        PUBQUIZ_WORKERS="2",
        PUBQUIZ_BIND=f"127.0.0.1:{port}",
        PUBQUIZ_INSTANCE_DIR=str(tmp_path),
        PUBQUIZ_DEADLINE_SWEEP_SECONDS="0.5",
        PROMETHEUS_MULTIPROC_DIR=str(metrics),
    )
    with open(tmp_path / "gunicorn.log", "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py")],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz", process, timeout=30)
        yield f"127.0.0.1:{port}"
    finally:
        stop_process(process)


@pytest.fixture
def prometheus(instance, tmp_path):
    server = Prometheus(tmp_path, instance)
    yield server
    server.stop()


async def play_one_question(base):
    """A host opens a question with the projector watching, and its deadline closes it."""
    host = Host(base)
    await host.register(f"prometheus-{secrets.token_hex(4)}@example.org")
    quiz_id = await host.create_quiz("Scraped night", [dict(RED_PLANET, time_limit="5")])
    code = await host.start_game(quiz_id)
    projector = Stream(host, f"/screen/{code}/events").start()
    try:
        await projector.wait_for("Scan the code")
        assert await host.act(code, "start") == 200
        assert await host.act(code, "open_question") == 200
        await projector.wait_for("Which planet is red?")
        await projector.wait_for("Time is up!", timeout=15)  # closed by the deadline, not the host
    finally:
        await close_all(projector, host)


def test_prometheus_scrapes_a_running_instance_and_evaluates_the_rules(instance, prometheus):
    up = prometheus.wait_for('up{job="pubquiz"} == 1')
    assert list(up.values()) == [1.0]
    # A first scrape before the night, so its events are an increase Prometheus sees.
    prometheus.wait_for("pubquiz_publish_deliver_seconds_count")

    run_async(play_one_question("http://" + instance))

    p99 = prometheus.wait_for(
        "histogram_quantile(0.99, sum by (le) (rate(pubquiz_publish_deliver_seconds_bucket[1m])))"
    )
    assert 0 < next(iter(p99.values())) < 1
    # The rules ran on what was scraped: the recorded quantiles are numbers.
    delivered = prometheus.wait_for("instance:pubquiz_publish_deliver_seconds:p99_5m")
    assert 0 < next(iter(delivered.values())) < 1
    late = prometheus.wait_for("instance:pubquiz_deadline_lateness_seconds:p99_10m")
    assert 0 < next(iter(late.values())) < 3
    ready = prometheus.query("pubquiz_service_ready")
    assert sorted((json.loads(k)["service"], v) for k, v in ready.items()) == [
        ("postgresql", 1.0),
        ("redis", 1.0),
    ]

    # Every rule was evaluated without an error, and on a healthy instance no alert fires.
    groups = prometheus.api("rules")["groups"]
    rules = [rule for group in groups for rule in group["rules"]]
    assert len(rules) == RULE_COUNT
    assert [(r["name"], r["health"], r.get("lastError", "")) for r in rules if r["health"] != "ok"] == []
    assert prometheus.api("alerts")["alerts"] == []

    # Every panel of the dashboard is a query this Prometheus evaluates.
    for title, expr in dashboard_queries():
        try:
            prometheus.query(expr.replace("$__rate_interval", "1m"))
        except urllib.error.HTTPError as error:  # 400: Prometheus cannot parse it
            pytest.fail(f"panel {title!r}: {error.read().decode()}")
