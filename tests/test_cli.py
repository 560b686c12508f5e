"""`make run` (`pubquiz serve --demo`) as a quiz master sees it on the laptop: the address phones
can open first, the login, how to stop, and little else; the login stays the same run after run."""

import os
import secrets
import signal
import subprocess
import sys
import time

import psycopg
from werkzeug.security import check_password_hash

from harness.processes import free_port
from pubquiz.links import lan_addresses

MAX_LINES = 6


def _make_run(database_url, instance):
    """The output of one `pubquiz serve --demo`, started and stopped with Ctrl+C."""
    out = instance / f"run-{secrets.token_hex(4)}.log"
    env = dict(os.environ, DATABASE_URL=database_url, PUBQUIZ_INSTANCE_DIR=str(instance))
    env.pop("REDIS_URL", None)
    with open(out, "w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pubquiz.cli",
                "serve",
                "--demo",
                "--host",
                "0.0.0.0",
                "--port",
                str(free_port()),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while "Ctrl+C" not in out.read_text() and process.poll() is None:
            assert time.monotonic() < deadline, "the server never said it was ready:\n" + out.read_text()
            time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0, out.read_text()
    return out.read_text()


def test_make_run_prints_the_lan_address_first_the_login_and_how_to_stop(clean_db, tmp_path):
    output = _make_run(clean_db, tmp_path)
    lines = output.splitlines()
    assert len(lines) <= MAX_LINES, output
    assert "Traceback" not in output and "Warning" not in output, output
    urls = [line for line in lines if "http://" in line]
    if lan_addresses():
        assert f"http://{lan_addresses()[0]}:" in urls[0], output
    assert "http://127.0.0.1:" in urls[-1], output
    assert any(line.startswith("Log in as") and "demo@pubquiz.local  /  " in line for line in lines), output
    assert "Press Ctrl+C to stop." in lines, output


def test_make_run_again_keeps_the_demo_login(clean_db, tmp_path):
    def password(output):
        line = next(line for line in output.splitlines() if line.startswith("Log in as"))
        return line.split("  /  ")[1].split()[0]

    first = password(_make_run(clean_db, tmp_path))
    assert password(_make_run(clean_db, tmp_path)) == first
    with psycopg.connect(clean_db) as conn:
        (stored,) = conn.execute(
            "select password_hash from host where email = %s", ("demo@pubquiz.local",)
        ).fetchone()
    assert check_password_hash(stored, first)
