"""The production shape on loopback, started and stopped by the benchmark runner.

One Stack is one benchmarked server: gunicorn with gevent workers from deploy/gunicorn.conf.py
(the pubquiz app, or a harness app under benchmarks/), Nginx from deploy/nginx.conf (rendered for
loopback by harness/nginx.py), a private redis-server (so its CPU and clients are ours
alone), a database of its own on the PostgreSQL server, and the statement meter
(benchmarks/pgmeter.py) between the app and PostgreSQL.

Every process is started in its own session and registered for cleanup: Stack.close() stops them
in reverse order, and an atexit hook and SIGTERM/SIGINT handlers make sure that happens on every
exit path of the runner.
"""

import atexit
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

from harness import nginx
from harness.processes import free_port, stop_process, wait_for_http, wait_for_port

ROOT = Path(__file__).resolve().parents[1]
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
HIGH_LIMIT = "1000000 per minute"

_open_stacks = []


def _close_all():
    while _open_stacks:
        _open_stacks[-1].close()


atexit.register(_close_all)


def install_signal_handlers():
    """SIGTERM (a CI timeout, make interrupted) ends the run through the normal cleanup."""

    def handler(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGHUP, handler)


def admin_conninfo():
    """The PostgreSQL server to use, as a dict (DATABASE_URL or the local default)."""
    from psycopg.conninfo import conninfo_to_dict

    return conninfo_to_dict(
        os.environ.get("BENCH_DATABASE_URL")
        or os.environ.get("DATABASE_URL")
        or "postgresql://postgres@127.0.0.1:5432/postgres"
    )


def conninfo(base, **changes):
    from psycopg.conninfo import make_conninfo

    return make_conninfo(**dict(base, **{k: str(v) for k, v in changes.items()}))


_certificate = {}


def _reuse_certificate(nginx):
    """One self-signed certificate per run (an RSA key takes a second to make), copied to each
    stack's folder; the rendered config is otherwise exactly what harness/nginx.py makes."""
    if getattr(nginx, "_bench_original_certificate", None) is None:
        nginx._bench_original_certificate = nginx.self_signed_certificate

        def cached(workdir):
            workdir = Path(workdir)
            if not _certificate:
                cert, key = nginx._bench_original_certificate(workdir)
                _certificate.update(cert=Path(cert).read_bytes(), key=Path(key).read_bytes())
                return cert, key
            cert, key = workdir / "cert.pem", workdir / "key.pem"
            cert.write_bytes(_certificate["cert"])
            key.write_bytes(_certificate["key"])
            return cert, key

        nginx.self_signed_certificate = cached


class Stack:
    """app: "pubquiz" (wsgi:app), or a module:app under benchmarks/ for the comparison harnesses."""

    def __init__(
        self, name, workdir, app="pubquiz", workers=2, redis=True, database=True, env=None, profile=None
    ):
        self.name = name
        self.workdir = Path(workdir) / name
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.app = app
        self.workers = workers
        self.want_redis = redis
        self.want_database = database
        self.extra_env = env or {}
        self.profile_dir = None
        self.flames_dir = profile  # where each Window's flame graph goes (None: no profiling)
        if profile:  # benchmarks/sampler.py in every worker, switched on per Window
            self.profile_dir = self.workdir / "profile"
            self.profile_dir.mkdir(exist_ok=True)
        self.processes = {}  # role -> Popen
        self.logs = []
        self.database = None
        self.admin = None
        self.redis_url = None
        self.redis_port = None
        self.meter_control = None
        self.base = None
        self.app_base = None
        self.env = None
        self._nginx = None
        self._closed = False
        self.secret_key = "bench-" + secrets.token_hex(16)  # kept across app restarts: cookies stay valid
        self.redis_prefix = "pubquiz-bench-" + secrets.token_hex(4)
        _open_stacks.append(self)

    # -- start ---------------------------------------------------------------------------------
    def start(self, prepare_database=None):
        """prepare_database(conninfo) creates the app's tables (direct, not through the meter)."""
        if self.want_redis:
            self._start_redis()
        if self.want_database:
            self._create_database()
            if prepare_database:
                prepare_database(self.direct_url)
            self._start_meter()
        self._start_gunicorn()
        self._start_nginx()
        return self

    def _spawn(self, role, command, env=None):
        log = open(self.workdir / f"{role}.log", "w")
        self.logs.append(log)
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=str(ROOT)
        )
        self.processes[role] = process
        return process

    def _start_redis(self):
        self.redis_port = free_port()
        process = self._spawn(
            "redis",
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
                "--maxclients",
                "50000",
                "--loglevel",
                "warning",
            ],
        )
        wait_for_port(self.redis_port, process, "redis-server")
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"

    def _create_database(self):
        import psycopg

        self.admin = admin_conninfo()
        self.database = "pubquiz_bench_" + secrets.token_hex(4)
        with psycopg.connect(conninfo(self.admin), autocommit=True) as conn:
            conn.execute(f'create database "{self.database}"')
        self.direct_url = conninfo(self.admin, dbname=self.database)

    def _start_meter(self):
        listen, self.meter_control = free_port(), free_port()
        target = f"{self.admin.get('host') or '127.0.0.1'}:{self.admin.get('port') or 5432}"
        process = self._spawn(
            "pgmeter",
            [
                sys.executable,
                "-m",
                "benchmarks.pgmeter",
                "--listen",
                str(listen),
                "--target",
                target,
                "--control",
                str(self.meter_control),
            ],
        )
        wait_for_port(self.meter_control, process, "pgmeter")
        self.app_database_url = conninfo(
            self.admin, dbname=self.database, host="127.0.0.1", port=listen, sslmode="disable"
        )

    def _start_gunicorn(self, port=None):
        port = port or free_port()
        env = dict(os.environ)
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        env.update(
            {
                "PUBQUIZ_WORKERS": str(self.workers),
                "PUBQUIZ_BIND": f"127.0.0.1:{port}",
                "PUBQUIZ_TRUSTED_PROXIES": "1",
                "SECRET_KEY": self.secret_key,
                "PUBQUIZ_INSTANCE_DIR": str(self.workdir),
                "PUBQUIZ_REDIS_PREFIX": self.redis_prefix,
                "DATABASE_URL": getattr(self, "app_database_url", ""),
                "REDIS_URL": self.redis_url or "",
            }
        )
        for limit in ("JOIN", "NEW_TEAMS", "LOOKUP", "ANSWER", "LOGIN_ADDRESS", "LOGIN_ACCOUNT", "REGISTER"):
            env[f"PUBQUIZ_LIMIT_{limit}"] = HIGH_LIMIT
        # Every benchmark client is 127.0.0.1: the per-address stream cap would stop it at 500.
        env["PUBQUIZ_MAX_STREAMS_PER_ADDRESS"] = "0"
        env.update(self.extra_env)
        conf = GUNICORN_CONF
        if self.profile_dir:
            env["BENCH_SAMPLER_DIR"] = str(self.profile_dir)
            conf = ROOT / "benchmarks" / "gunicorn_profile.conf.py"
        self.env = env
        command = [sys.executable, "-m", "gunicorn", "-c", str(conf)]
        if self.app != "pubquiz":
            command.append(self.app)
        process = self._spawn("gunicorn", command, env)
        self.app_port = port
        self.app_base = f"http://127.0.0.1:{port}"
        wait_for_http(self.app_base + "/healthz", process)
        # Every worker up (each imports the app on its own after the fork).
        deadline = time.monotonic() + 30
        while len(psutil.Process(process.pid).children()) < self.workers and time.monotonic() < deadline:
            time.sleep(0.1)

    def restart_app(self, env):
        """Stop gunicorn (graceful: its streams are ended, browsers reconnect) and start it again on
        the same port with these settings changed. Nginx, Redis and the database stay."""
        self.extra_env.update(env)
        stop_process(self.processes.pop("gunicorn"))
        self._start_gunicorn(self.app_port)

    def _start_nginx(self):
        _reuse_certificate(nginx)
        http_port = free_port()
        config = nginx.render(
            self.workdir / "nginx", [self.app_port], http_port, free_port(), ROOT / "static"
        )
        self._nginx = nginx.start(config)
        self.processes["nginx"] = self._nginx
        self.http_port = http_port
        self.base = f"http://127.0.0.1:{http_port}"

    # -- measure -------------------------------------------------------------------------------
    def server_processes(self):
        """role -> psutil processes serving: app (gunicorn master + workers), nginx, redis,
        postgres (the backends connected to this stack's database)."""
        roles = {}
        for role, popen in self.processes.items():
            if popen.poll() is not None:
                continue
            try:
                parent = psutil.Process(popen.pid)
                roles[role] = [parent] + parent.children(recursive=True)
            except psutil.NoSuchProcess:
                continue
        roles["postgres"] = self._backends()
        return {("app" if k == "gunicorn" else k): v for k, v in roles.items()}

    def _backends(self):
        if not self.database:
            return []
        import psycopg

        try:
            with psycopg.connect(self.direct_url, autocommit=True) as conn:
                pids = [
                    r[0]
                    for r in conn.execute(
                        "select pid from pg_stat_activity where datname = current_database() "
                        "and pid <> pg_backend_pid()"
                    )
                ]
        except psycopg.Error:
            return []
        processes = []
        for pid in pids:
            try:
                processes.append(psutil.Process(pid))
            except psutil.NoSuchProcess:
                pass
        return processes

    def workers_of_app(self):
        return psutil.Process(self.processes["gunicorn"].pid).children()

    def cpu_sample(self):
        """{role: {pid: cpu seconds}} now."""
        sample = {}
        for role, processes in self.server_processes().items():
            sample[role] = {}
            for process in processes:
                try:
                    times = process.cpu_times()
                    sample[role][process.pid] = times.user + times.system
                except psutil.NoSuchProcess:
                    pass
        return sample

    @staticmethod
    def cpu_delta(before, after):
        """{role: cpu seconds spent between two samples} (processes that appeared count from 0)."""
        delta = {}
        for role, now in after.items():
            then = before.get(role, {})
            delta[role] = round(sum(max(0.0, t - then.get(pid, 0.0)) for pid, t in now.items()), 3)
        return delta

    def rss(self):
        """{role: resident bytes}; app_workers is the sum over gunicorn's workers only."""
        out = {role: total_rss(processes) for role, processes in self.server_processes().items()}
        out["app_workers"] = self.workers_rss()
        return out

    def workers_rss(self):
        return total_rss(self.workers_of_app())

    def redis_clients(self):
        if not self.redis_url:
            return 0
        import redis

        client = redis.Redis.from_url(self.redis_url)
        try:
            return int(client.info("clients")["connected_clients"]) - 1  # not this one
        finally:
            client.close()

    def meter(self):
        if not self.meter_control:
            return {"round_trips": 0, "statements": {}}
        from .pgmeter import snapshot

        return snapshot(self.meter_control)

    def db_stats(self):
        """pg_stat_database of this database (flushed by backends about once a second)."""
        if not self.database:
            return {}
        import psycopg

        with psycopg.connect(self.direct_url, autocommit=True) as conn:
            row = conn.execute(
                "select xact_commit, xact_rollback, tup_inserted, tup_fetched, tup_returned "
                "from pg_stat_database where datname = current_database()"
            ).fetchone()
        names = ("xact_commit", "xact_rollback", "tup_inserted", "tup_fetched", "tup_returned")
        return dict(zip(names, row, strict=True))

    def sql(self, query, params=None):
        """A side-channel query straight to PostgreSQL (not through the meter)."""
        import psycopg

        with psycopg.connect(self.direct_url, autocommit=True) as conn:
            return conn.execute(query, params).fetchall()

    def log_tail(self, role="gunicorn", chars=3000):
        path = self.workdir / f"{role}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    # -- stop ----------------------------------------------------------------------------------
    def close(self):
        if self._closed:
            return
        self._closed = True
        try:
            if self._nginx is not None:
                nginx.stop(self._nginx)
            # The harness apps have no way to end their streams on SIGTERM (pubquiz's
            # post_worker_init hook does): gunicorn's quick shutdown, not graceful_timeout's 15 s.
            stop_process(
                self.processes.get("gunicorn"), sig=signal.SIGTERM if self.app == "pubquiz" else signal.SIGINT
            )
            for role in ("pgmeter", "redis"):
                stop_process(self.processes.get(role))
            for log in self.logs:
                log.close()
            if self.database:
                import psycopg

                try:
                    with psycopg.connect(conninfo(self.admin), autocommit=True) as conn:
                        conn.execute(f'drop database if exists "{self.database}" with (force)')
                except psycopg.Error as error:
                    print(f"[bench] could not drop database {self.database}: {error}", file=sys.stderr)
        finally:
            if self in _open_stacks:
                _open_stacks.remove(self)


def total_rss(processes):
    """Resident bytes of these processes together (one that exited meanwhile counts 0)."""
    return _total(processes, lambda p: p.memory_info().rss)


def total_fds(processes):
    """Open file descriptors of these processes together."""
    return _total(processes, lambda p: p.num_fds())


def _total(processes, read):
    total = 0
    for process in processes:
        try:
            total += read(process)
        except psutil.NoSuchProcess:
            pass
    return total


def _minus(after, before):
    return {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0)}


class Window:
    """What the stack spent between start() and stop(): CPU by role, meter counts, pg_stat_database."""

    def __init__(self, stack, label=None):
        self.stack = stack
        self.label = label
        self.profile = None

    def start(self):
        if self.stack.profile_dir and self.label:
            (self.stack.profile_dir / "on").write_text(self.label)
            time.sleep(0.2)
        self.t0 = time.monotonic()
        self.cpu0 = self.stack.cpu_sample()
        self.meter0 = self.stack.meter()
        self.db0 = self.stack.db_stats()
        self.self0 = psutil.Process().cpu_times()
        return self

    def stop(self):
        self.seconds = time.monotonic() - self.t0
        self.cpu = Stack.cpu_delta(self.cpu0, self.stack.cpu_sample())
        meter = self.stack.meter()
        self.round_trips = meter["round_trips"] - self.meter0["round_trips"]
        self.statements = _minus(meter["statements"], self.meter0["statements"])
        self.checkouts = _minus(meter.get("checkouts", {}), self.meter0.get("checkouts", {}))
        self.checkout_trips = _minus(
            meter.get("checkout_round_trips", {}), self.meter0.get("checkout_round_trips", {})
        )
        times = psutil.Process().cpu_times()
        self.client_cpu = round(times.user + times.system - self.self0.user - self.self0.system, 3)
        if self.stack.profile_dir and self.label:
            from . import flames, sampler

            (self.stack.profile_dir / "on").unlink()
            time.sleep(0.5)
            self.profile = sampler.summarize(self.stack.profile_dir, self.label)
            # The window's flame graph (a full-size run's are kept in benchmarks/profiles/).
            files = sorted(self.stack.profile_dir.glob(f"{self.label}-*.txt"))
            self.stack.flames_dir.mkdir(parents=True, exist_ok=True)
            (self.stack.flames_dir / f"{self.label}.svg").write_text(
                flames.svg(flames.read(files), f"{self.label}: where the gunicorn workers spend CPU")
            )
        return self

    def db_delta(self, settle=1.2):
        """pg_stat_database deltas; backends report at most once a second, so wait a little."""
        time.sleep(settle)
        db1 = self.stack.db_stats()
        return {k: db1[k] - self.db0.get(k, 0) for k in db1}

    @property
    def app_cpu(self):
        return self.cpu.get("app", 0.0)

    @property
    def stack_cpu(self):
        return round(sum(v for k, v in self.cpu.items() if k != "pgmeter"), 3)

    def summary(self):
        return {
            "seconds": round(self.seconds, 2),
            "cpu_seconds": self.cpu,
            "client_cpu_seconds": self.client_cpu,
            "db_round_trips": self.round_trips,
            "db_statements": self.statements,
            "db_checkouts": {
                k: {"times": v, "round_trips": self.checkout_trips.get(k, 0)}
                for k, v in sorted(self.checkouts.items(), key=lambda kv: -kv[1])[:25]
            },
            **({"profile": self.profile} if self.profile else {}),
        }
