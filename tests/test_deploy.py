"""The production deployment files in deploy/: Nginx's config is valid and does what the streams
need, gunicorn's config loads, and a gunicorn instance ends its open streams at once when it is
told to stop or reload, so browsers reconnect to another instance without waiting."""

import gzip
import http.client
import os
import re
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from helpers import redis_url, require

from harness import nginx as loopback_nginx
from harness.processes import free_port

REPO = Path(__file__).resolve().parent.parent
GUNICORN_CONF = REPO / "deploy" / "gunicorn.conf.py"
GRACEFUL_TIMEOUT = 15  # deploy/gunicorn.conf.py
# "At once" means: before gunicorn's graceful_timeout would have cut it. Short of it by 3 s, so a
# slow loaded machine is no failure while a stream held until gunicorn's kill still is one.
BEFORE_THE_TIMEOUT = GRACEFUL_TIMEOUT - 3
SSE_LOCATION = "location ~ ^/(play|host|screen|mark)/[^/]+/events$ {"


def _require_nginx():
    require(
        os.path.exists(loopback_nginx.NGINX),
        f"no nginx at {loopback_nginx.NGINX} (apt-get install nginx-light)",
    )


def _new_game(database_url):
    """A game straight in the database: its projector stream is public, so no login is needed."""
    from pubquiz.games import new_code

    code = new_code()
    with psycopg.connect(database_url, autocommit=True) as conn:
        host_id = conn.execute(
            "insert into host (email, password_hash) values (%s, 'not-a-hash') returning id",
            (f"deploy-{secrets.token_hex(4)}@example.org",),
        ).fetchone()[0]
        quiz_id = conn.execute(
            "insert into quiz (host_id, title) values (%s, 'Deploy test') returning id", (host_id,)
        ).fetchone()[0]
        conn.execute(
            "insert into game (quiz_id, host_id, code) values (%s, %s, %s)", (quiz_id, host_id, code)
        )
    return code


class Gunicorn:
    """`gunicorn -c deploy/gunicorn.conf.py`, started from another folder, one worker."""

    def __init__(self, database_url, workdir, port=None, **env):
        self.port = port or free_port()
        self.log_path = Path(workdir) / "gunicorn.log"
        metrics = Path(workdir) / "metrics"
        metrics.mkdir(exist_ok=True)
        self.env = dict(
            os.environ,
            DATABASE_URL=database_url,
            SECRET_KEY="deploy-test-" + secrets.token_hex(8),
            PUBQUIZ_WORKERS="1",
            PUBQUIZ_BIND=f"127.0.0.1:{self.port}",
            PUBQUIZ_INSTANCE_DIR=str(workdir),
            PROMETHEUS_MULTIPROC_DIR=str(metrics),
            **env,
        )
        self.workdir = workdir
        self.process = None

    def start(self, timeout=30):
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF)],
                cwd=self.workdir,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                pytest.fail("gunicorn exited at start:\n" + self.log())
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/")
                if conn.getresponse().status == 200:
                    conn.close()
                    return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail("gunicorn did not answer GET / in time:\n" + self.log())
            time.sleep(0.1)

    def log(self):
        return self.log_path.read_text() if self.log_path.exists() else ""

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=GRACEFUL_TIMEOUT + 5)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # its own session: the master and its workers
            self.process.wait(timeout=10)


class RawStream:
    """An SSE request on a plain socket, so the test sees exactly when the server ends it."""

    def __init__(self, port, path, headers=""):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n"
            f"{headers}\r\n".encode()
        )
        self.data = b""
        self.eof = False

    def read_until(self, needle, seconds):
        deadline = time.monotonic() + seconds
        while needle not in self.data:
            if self.eof or time.monotonic() > deadline:
                return False
            self.recv_some(deadline)
        return True

    def recv_some(self, deadline):
        self.sock.settimeout(max(0.01, min(1.0, deadline - time.monotonic())))
        try:
            chunk = self.sock.recv(65536)
        except TimeoutError:
            return
        except ConnectionResetError:
            chunk = b""
        self.data += chunk
        self.eof = not chunk

    def headers(self):
        return self.data.split(b"\r\n\r\n", 1)[0].decode("latin-1").lower()

    def ended(self):
        """The server sent the last chunk of the response."""
        return self.data.endswith(b"\r\n0\r\n\r\n")

    def wait_end(self, seconds):
        """Seconds until the response ended (last chunk) and until the connection closed;
        None for what did not happen in time."""
        start = time.monotonic()
        deadline = start + seconds
        ended = closed = None
        while time.monotonic() < deadline:
            if ended is None and self.ended():
                ended = time.monotonic() - start
            if self.eof:
                closed = time.monotonic() - start
            if closed is not None:
                break
            self.recv_some(deadline)
        return ended, closed

    def close(self):
        self.sock.close()


def _rendered(tmp_path):
    return loopback_nginx.render(tmp_path / "nginx", [free_port()], free_port(), free_port(), REPO / "static")


def test_nginx_accepts_the_production_config_and_its_test_rendering(tmp_path):
    _require_nginx()
    production = loopback_nginx.render_production(tmp_path / "production")
    ok, output = loopback_nginx.check(production)
    assert ok, output
    rendered = _rendered(tmp_path)
    ok, output = loopback_nginx.check(rendered)
    assert ok, output

    text = rendered.read_text()
    assert SSE_LOCATION in text
    sse_block = text.split(SSE_LOCATION, 1)[1].split("}", 1)[0]
    for directive in (
        "proxy_buffering off;",
        "proxy_cache off;",
        "gzip off;",
        "proxy_read_timeout 1h;",
        "proxy_http_version 1.0;",  # unframed: the app writes events to the socket (events.py)
        'proxy_set_header Connection "";',
    ):
        assert directive in sse_block, directive
    assert "text/event-stream" not in text.split("gzip_types", 1)[1].split(";", 1)[0]


def test_a_change_to_a_line_the_test_config_needs_fails_loudly(tmp_path):
    _require_nginx()  # the rendering makes a certificate, like the tests that start nginx
    changed = tmp_path / "nginx.conf"
    source = loopback_nginx.SOURCE.read_text()
    changed.write_text(source.replace("server 127.0.0.1:8002", "server 127.0.0.1:9002"))
    with pytest.raises(loopback_nginx.NginxConfigDrift, match="127.0.0.1:8002"):
        loopback_nginx.render(tmp_path / "out", [1], 2, 3, REPO / "static", source=changed)


def test_gunicorn_accepts_its_config_from_any_folder(database_url, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--check-config", "-c", str(GUNICORN_CONF)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(
            os.environ,
            DATABASE_URL=database_url,
            SECRET_KEY="check-config-" + secrets.token_hex(8),
            PUBQUIZ_INSTANCE_DIR=str(tmp_path),
        ),
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _bus_env(bus):
    """The app's settings for one bus: "memory" (one process) or "redis" (production)."""
    if bus == "memory":
        return {"REDIS_URL": ""}
    return {"REDIS_URL": redis_url(), "PUBQUIZ_REDIS_PREFIX": "pubquiz-deploy-test-" + secrets.token_hex(4)}


@pytest.mark.parametrize("bus", ["memory", "redis"])
@pytest.mark.parametrize(
    "signum, master_exits",
    [(signal.SIGTERM, True), (signal.SIGHUP, False)],
    ids=["stop (SIGTERM)", "reload (SIGHUP)"],
)
def test_stop_and_reload_end_open_streams_at_once(database_url, tmp_path, signum, master_exits, bus):
    """SIGTERM to the master (systemctl stop, a container stop) and SIGHUP (systemctl reload, a
    code deploy) both send SIGTERM to the workers: each must end its streams straight away, not
    hold them for graceful_timeout."""
    code = _new_game(database_url)
    server = Gunicorn(database_url, tmp_path, **_bus_env(bus)).start()
    stream = None
    try:
        stream = RawStream(server.port, f"/screen/{code}/events")
        assert stream.read_until(b": ping", 5), stream.data
        assert "text/event-stream" in stream.headers()

        sent = time.monotonic()
        server.process.send_signal(signum)
        ended, closed = stream.wait_end(GRACEFUL_TIMEOUT + 5)
        print(
            f"\n{signal.Signals(signum).name}: response ended after {ended} s, "
            f"connection closed after {closed} s"
        )
        assert ended is not None and ended < BEFORE_THE_TIMEOUT, (
            f"the server did not end the stream before graceful_timeout (ended={ended}, closed={closed}):"
            f"\n{server.log()}"
        )
        assert closed is not None and closed < BEFORE_THE_TIMEOUT, (
            f"the connection stayed open:\n{server.log()}"
        )

        if master_exits:
            server.process.wait(timeout=GRACEFUL_TIMEOUT + 5)
            exited = time.monotonic() - sent
            print(f"master exited after {exited:.2f} s")
            assert exited < BEFORE_THE_TIMEOUT, f"the master took {exited:.1f} s to exit:\n{server.log()}"
            assert server.process.returncode == 0, server.log()
        else:
            # The new worker serves a new stream: browsers reconnecting here find it.
            again = RawStream(server.port, f"/screen/{code}/events")
            try:
                assert again.read_until(b": ping", 10), again.data
            finally:
                again.close()
            assert server.process.poll() is None
    finally:
        if stream is not None:
            stream.close()
        server.stop()


def test_nginx_serves_static_files_streams_and_pages(database_url, tmp_path):
    _require_nginx()
    from pubquiz.errors import SECURITY_HEADERS

    code = _new_game(database_url)
    # The default heartbeat (15 s) is the app's only write on an idle stream: a buffering proxy
    # would hold the first bytes far longer than the test waits.
    # Secure cookies: the app sends HSTS itself, and Nginx must not add a second one.
    server = Gunicorn(
        database_url, tmp_path, PUBQUIZ_HEARTBEAT_SECONDS="15", PUBQUIZ_SECURE_COOKIES="1"
    ).start()
    http_port, https_port = free_port(), free_port()
    config = loopback_nginx.render(tmp_path / "nginx", [server.port], http_port, https_port, REPO / "static")
    nginx = None
    try:
        nginx = loopback_nginx.start(config)
        conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)

        conn.request("GET", "/static/css/pubquiz.css", headers={"Accept-Encoding": "gzip"})
        response = conn.getresponse()
        body = response.read()
        assert response.status == 200
        assert response.getheader("Content-Encoding") == "gzip"
        assert gzip.decompress(body) == (REPO / "static" / "css" / "pubquiz.css").read_bytes()
        cache = ", ".join(response.headers.get_all("Cache-Control") or [])
        assert "public" in cache
        assert int(re.search(r"max-age=(\d+)", cache).group(1)) >= 24 * 3600, cache
        assert response.getheader("Expires")
        assert response.getheader("X-Content-Type-Options") == "nosniff"

        conn.request("GET", "/", headers={"Accept-Encoding": "gzip"})
        response = conn.getresponse()
        body = response.read()
        assert response.status == 200
        assert response.getheader("Content-Encoding") == "gzip"
        assert b"<html" in gzip.decompress(body).lower()
        assert response.headers.get_all("Content-Security-Policy") == [
            SECURITY_HEADERS["Content-Security-Policy"]
        ]
        # Set by the app; Nginx adds it only where the app did not, so never twice.
        assert response.headers.get_all("X-Content-Type-Options") == ["nosniff"]
        assert response.headers.get_all("Strict-Transport-Security") == ["max-age=63072000"]
        # Nginx's request id reaches the app (which echoes it), so both logs carry the same id.
        assert re.fullmatch(r"[0-9a-f]{32}", response.getheader("X-Request-ID") or ""), response.getheader(
            "X-Request-ID"
        )

        conn.request("GET", "/metrics")
        response = conn.getresponse()
        response.read()
        assert response.status == 404  # scraped on each instance, never public
        conn.close()

        stream = RawStream(http_port, f"/screen/{code}/events", headers="Accept-Encoding: gzip\r\n")
        try:
            started = time.monotonic()
            assert stream.read_until(b": ping", 3), f"no stream bytes through nginx in 3 s: {stream.data!r}"
            print(f"\nfirst stream bytes through nginx after {time.monotonic() - started:.3f} s")
            head = stream.headers()
            assert head.startswith("http/1.1 200")
            assert "content-type: text/event-stream" in head
            assert "content-encoding" not in head
        finally:
            stream.close()

        # HTTPS with HTTP/2 offered, on the same locations.
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        context.set_alpn_protocols(["h2", "http/1.1"])
        with socket.create_connection(("127.0.0.1", https_port), timeout=5) as raw:
            with context.wrap_socket(raw, server_hostname="localhost") as tls:
                assert tls.selected_alpn_protocol() == "h2"
        secure = http.client.HTTPSConnection(
            "127.0.0.1", https_port, timeout=10, context=ssl._create_unverified_context()
        )
        secure.request("GET", "/static/js/pubquiz.js")
        assert secure.getresponse().status == 200
        secure.close()
    finally:
        if nginx is not None:
            loopback_nginx.stop(nginx)
        server.stop()


def _open_streams(port):
    """pubquiz_open_streams on one instance, summed over its workers (its own /metrics)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode()
    finally:
        conn.close()
    match = re.search(r"^pubquiz_open_streams(?:\{[^}]*\})? ([0-9.e+-]+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


def _refused(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


def _wait_for(predicate, seconds):
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_stopping_one_instance_moves_its_streams_to_the_other(database_url, tmp_path):
    """Two instances behind Nginx sharing Redis, as in production: least_conn puts one stream on
    each; stopping one ends its stream at once, the other stream is untouched, and the browser's
    reconnect through Nginx lands on the instance that is still up."""
    _require_nginx()
    settings = _bus_env("redis")
    code = _new_game(database_url)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = Gunicorn(database_url, tmp_path / "a", **settings)
    second = Gunicorn(database_url, tmp_path / "b", **settings)
    nginx = None
    streams = []
    try:
        first.start()
        second.start()
        http_port = free_port()
        config = loopback_nginx.render(
            tmp_path / "nginx", [first.port, second.port], http_port, free_port(), REPO / "static"
        )
        nginx = loopback_nginx.start(config)

        for _ in range(2):
            streams.append(RawStream(http_port, f"/screen/{code}/events"))
            assert streams[-1].read_until(b": ping", 5), streams[-1].data
        assert _wait_for(lambda: (_open_streams(first.port), _open_streams(second.port)) == (1, 1), 5), (
            _open_streams(first.port),
            _open_streams(second.port),
        )

        sent = time.monotonic()
        first.process.send_signal(signal.SIGTERM)
        deadline = sent + 5
        while not any(s.ended() or s.eof for s in streams) and time.monotonic() < deadline:
            for s in streams:
                s.recv_some(min(deadline, time.monotonic() + 0.05))
        moved = time.monotonic() - sent
        ended = [s for s in streams if s.ended() or s.eof]
        assert len(ended) == 1, f"{len(ended)} streams ended in 5 s:\n{first.log()}"
        print(f"\nthe stopped instance's stream ended through nginx after {moved:.3f} s")
        kept = next(s for s in streams if s not in ended)
        kept.read_until(b"never sent", 1)
        assert not (kept.ended() or kept.eof), "the other instance's stream was ended too"

        again = RawStream(http_port, f"/screen/{code}/events")
        streams.append(again)
        assert again.read_until(b": ping", 5), again.data
        assert _wait_for(lambda: _open_streams(second.port) == 2, 5), _open_streams(second.port)
        first.process.wait(timeout=GRACEFUL_TIMEOUT + 5)
        assert time.monotonic() - sent < GRACEFUL_TIMEOUT / 2, first.log()
    finally:
        for s in streams:
            s.close()
        if nginx is not None:
            loopback_nginx.stop(nginx)
        first.stop()
        second.stop()


def test_a_stream_opened_during_the_drain_is_ended_too(database_url, tmp_path):
    """Nginx may send a reconnecting browser to a stopping instance over a keep-alive connection
    it opened earlier: that stream must not hold the drain either."""
    code = _new_game(database_url)
    server = Gunicorn(database_url, tmp_path).start()
    late = None
    try:
        late = RawStream(server.port, "/healthz")  # an idle keep-alive connection, as Nginx keeps them
        assert late.read_until(b'"ok"', 5), late.data
        sent = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        # The worker has begun its drain once new connections are refused (it closes its listener
        # on SIGTERM); the keep-alive connection opened before stays served.
        assert _wait_for(lambda: _refused(server.port), 10), server.log()
        late.data = b""
        late.sock.sendall(f"GET /screen/{code}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        assert late.read_until(b": ping", 5), late.data
        ended, closed = late.wait_end(GRACEFUL_TIMEOUT + 5)
        print(f"\nlate stream: ended {ended} s, closed {closed} s after it started")
        assert ended is not None and ended < BEFORE_THE_TIMEOUT, server.log()
        server.process.wait(timeout=GRACEFUL_TIMEOUT + 5)
        assert time.monotonic() - sent < BEFORE_THE_TIMEOUT, server.log()
    finally:
        if late is not None:
            late.close()
        server.stop()


def test_nginx_refuses_a_host_name_that_is_not_the_quizs(tmp_path):
    """A forged Host never reaches the app: Nginx closes the connection without an answer (444),
    over plain HTTP and over TLS, while the quiz's own name is passed on (here to no app: 502)."""
    _require_nginx()
    http_port, https_port = free_port(), free_port()
    config = loopback_nginx.render(tmp_path / "nginx", [free_port()], http_port, https_port, REPO / "static")
    nginx = loopback_nginx.start(config)
    try:
        plain = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
        plain.request("GET", "/", headers={"Host": "127.0.0.1"})
        assert plain.getresponse().status == 502
        plain.close()
        unverified = ssl._create_unverified_context()
        # TLS for the quiz's name (SNI localhost), then a request for another.
        for connection in (
            http.client.HTTPConnection("127.0.0.1", http_port, timeout=10),
            http.client.HTTPSConnection("localhost", https_port, timeout=10, context=unverified),
        ):
            connection.request("GET", "/join/ABCDEF", headers={"Host": "evil.example"})
            with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
                connection.getresponse()
            connection.close()
    finally:
        loopback_nginx.stop(nginx)


def _tls_version(port, server_name, version):
    """The protocol a handshake offering only `version` agrees on with Nginx, or None if refused."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.minimum_version = context.maximum_version = version
    # OpenSSL 3 itself will not offer TLS 1.1 at its default security level: the client must,
    # so that only the server's answer decides.
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        try:
            with context.wrap_socket(raw, server_hostname=server_name) as tls:
                return tls.version()
        except (ssl.SSLError, ConnectionResetError):
            return None


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1:DeprecationWarning")  # offered to be refused
def test_nginx_speaks_only_tls_1_2_and_1_3(tmp_path):
    """Phones in a pub run browsers from the last years: TLS 1.2 and 1.3, nothing older, for the
    quiz's own name and for the server that refuses every other name."""
    _require_nginx()
    https_port = free_port()
    config = loopback_nginx.render(
        tmp_path / "nginx", [free_port()], free_port(), https_port, REPO / "static"
    )
    nginx = loopback_nginx.start(config)
    try:
        for name in ("localhost", "other.example"):
            assert _tls_version(https_port, name, ssl.TLSVersion.TLSv1_3) == "TLSv1.3", name
            assert _tls_version(https_port, name, ssl.TLSVersion.TLSv1_2) == "TLSv1.2", name
            assert _tls_version(https_port, name, ssl.TLSVersion.TLSv1_1) is None, name
            assert _tls_version(https_port, name, ssl.TLSVersion.TLSv1) is None, name
    finally:
        loopback_nginx.stop(nginx)
