"""Optional error tracking: with SENTRY_DSN set an unhandled error reaches the Sentry endpoint (a
real HTTP server on loopback that takes the SDK's envelopes), without the host's cookie or a
password; without it the SDK is never loaded."""

import gzip
import json
import os
import secrets
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import brotli
import pytest
import sentry_sdk
from flask import request
from helpers import HostActions, csrf_token

from pubquiz import create_app

DECODE = {"gzip": gzip.decompress, "br": brotli.decompress, None: bytes}


class SentryEndpoint:
    """Where a DSN points: takes every envelope posted to it, decompressed."""

    def __init__(self):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((self.path, DECODE[self.headers.get("Content-Encoding")](body).decode()))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.dsn = f"http://public-key@127.0.0.1:{self.server.server_port}/7"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, needle, seconds=10):
        """The envelopes so far, once one holds `needle`."""
        deadline = time.monotonic() + seconds
        while not any(needle in body for _, body in self.received):
            assert time.monotonic() < deadline, f"{needle!r} not reported; got {self.received!r}"
            time.sleep(0.05)
        return self.received

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sentry(clean_db, tmp_path):
    """An app reporting to a SentryEndpoint; the SDK is switched off again afterwards."""
    endpoint = SentryEndpoint()
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": clean_db,
            "SECRET_KEY": "test-secret-" + secrets.token_hex(8),
            "INSTANCE_DIR": str(tmp_path),
            "DEADLINE_SWEEP_SECONDS": 0,
            "SENTRY_DSN": endpoint.dsn,
        }
    )
    yield app, endpoint
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)
    endpoint.stop()
    app.extensions["background"].stop()
    app.extensions["hub"].stop()
    app.extensions["bus"].close()
    app.extensions["db_pool"].close()


def test_an_unhandled_error_is_reported_without_the_session_or_a_password(sentry):
    app, endpoint = sentry

    def broken():
        given = request.form["password"]  # a local variable of the failing frame
        raise RuntimeError(f"the projector cable is on fire ({len(given)})")

    app.add_url_rule("/broken", view_func=broken, methods=["POST"])
    # Made here, not written out: the report quotes this file's source around the failing line.
    login, typed, pin, token = (secrets.token_hex(8) for _ in range(4))
    host = HostActions(app)
    assert host.register(password="pw " + login).status_code == 303
    cookie = host.client.get_cookie("session").value
    page = host.client.post(
        "/broken?token=" + token,
        data={"password": typed, "pin": pin, "csrf_token": csrf_token(host.client)},
        headers={"X-Request-ID": "req42"},
    )
    app.extensions["background"].republish([987654])  # background work that fails: no such game
    sentry_sdk.flush(timeout=5)

    assert page.status_code == 500  # the person still sees our error page
    received = endpoint.wait_for("the projector cable is on fire")
    endpoint.wait_for("background work _republish failed")
    assert {path for path, _ in received} == {"/api/7/envelope/"}
    report = next(body for _, body in received if "the projector cable is on fire" in body)
    event = json.loads(report.splitlines()[2])  # envelope header, item header, the event
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert event["request"]["url"].endswith("/broken")
    assert event["tags"]["request_id"] == "req42"
    everything = "\n".join(body for _, body in received)
    for secret in (cookie, login, typed, pin, token):
        assert secret not in everything


def test_without_a_dsn_the_sdk_is_not_even_loaded(clean_db, tmp_path):
    """In a fresh process, as a server starts: with SENTRY_DSN unset nothing could be sent."""
    script = (
        "import sys; from pubquiz import create_app; "
        f"create_app({{'DATABASE_URL': {clean_db!r}, 'INSTANCE_DIR': {str(tmp_path)!r}}}); "
        "print('sentry_sdk' in sys.modules)"
    )

    def loaded(**env):
        base = {k: v for k, v in os.environ.items() if k != "SENTRY_DSN"}
        run = subprocess.run(
            [sys.executable, "-c", script], env=dict(base, **env), capture_output=True, text=True, timeout=60
        )
        assert run.returncode == 0, run.stderr
        return run.stdout.split()[-1]

    assert loaded() == "False"
    # The same process with the variable set does load it: the check above can fail.
    assert loaded(SENTRY_DSN="http://public-key@127.0.0.1:9/7") == "True"
