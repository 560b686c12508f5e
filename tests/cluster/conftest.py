"""A cluster on loopback: app instances (gunicorn, gevent workers, deploy/gunicorn.conf.py) behind
Nginx (a config derived from deploy/nginx.conf), sharing the real PostgreSQL and a Redis."""

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest
from helpers import TABLES, redis_url, require

from harness import nginx
from harness.processes import answers_on, free_port

ROOT = Path(__file__).resolve().parents[2]
NGINX = "/usr/sbin/nginx"


def wait_until_answers(url, process=None, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


class Instance:
    """One app instance: a gunicorn master and its gevent workers."""

    def __init__(self, port, env, log_path):
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.log = open(log_path, "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py")],
            env=dict(env, PUBQUIZ_BIND=f"127.0.0.1:{port}"),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until_answers(self.base + "/healthz", self.process)

    def workers(self):
        return psutil.Process(self.process.pid).children()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


class RedisServer:
    """A private redis-server, so a test can stop and restart it without touching anyone else's."""

    def __init__(self, workdir):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if answers_on(self.port):
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class Cluster:
    def __init__(self, workdir, database_url, redis, instances=2, workers=2):
        self.workdir = workdir
        self.env = dict(
            os.environ,
            DATABASE_URL=database_url,
            REDIS_URL=redis,
            PUBQUIZ_REDIS_PREFIX="pubquiz-cluster-" + secrets.token_hex(4),
            SECRET_KEY="cluster-" + secrets.token_hex(8),
            PUBQUIZ_WORKERS=str(workers),
            PUBQUIZ_TRUSTED_PROXIES="1",
            PUBQUIZ_DEADLINE_SWEEP_SECONDS="0.5",
            PUBQUIZ_INSTANCE_DIR=str(workdir),
            PROMETHEUS_MULTIPROC_DIR="",
        )
        self.env.pop("PROMETHEUS_MULTIPROC_DIR")  # each master makes its own
        self.instances = [Instance(free_port(), self.env, workdir / f"app{i}.log") for i in range(instances)]
        http_port = free_port()
        config = nginx.render(
            workdir / "nginx", [i.port for i in self.instances], http_port, free_port(), ROOT / "static"
        )
        self.nginx = nginx.start(config)
        self.base = f"http://127.0.0.1:{http_port}"

    def stop(self):
        nginx.stop(self.nginx)
        for instance in self.instances:
            instance.stop()

    def logs(self):
        return "\n".join(p.read_text()[-3000:] for p in sorted(self.workdir.glob("app*.log")))


@pytest.fixture
def cluster_workdir(tmp_path):
    require(os.path.exists(NGINX), f"no nginx at {NGINX} (apt-get install nginx-light)")
    require(shutil.which("redis-server"), "no redis-server on PATH")
    return tmp_path


@pytest.fixture
def cluster_db(database_url):
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("truncate " + ", ".join(TABLES) + " restart identity cascade")
    return database_url


@pytest.fixture
def cluster(cluster_workdir, cluster_db):
    group = Cluster(cluster_workdir, cluster_db, redis_url())
    yield group
    group.stop()


@pytest.fixture
def private_redis(cluster_workdir):
    server = RedisServer(cluster_workdir)
    server.start()
    yield server
    server.stop()
