"""The join link and QR code a quiz master shows the pub: a console opened at loopback says phones
cannot reach it and links the same page at the machine's network address; with PUBQUIZ_PUBLIC_URL
the links use it and nothing warns. Each test runs its own `pubquiz serve` with those settings."""

import os
import re
import subprocess
import sys

import pytest
import segno
from playwright.sync_api import expect

from harness.processes import free_port, stop_process, wait_for_http
from pubquiz.links import lan_addresses

PUBLIC = "https://quiz.example.test"


def _serve(database_url, instance, *options, **env):
    port = free_port()
    log = open(instance / "server.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "pubquiz.cli", "serve", "--port", str(port), *options],
        env=dict(
            os.environ,
            DATABASE_URL=database_url,
            PUBQUIZ_INSTANCE_DIR=str(instance),
            SECRET_KEY="e2e-links-secret-key",
            **env,
        ),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    wait_for_http(f"http://127.0.0.1:{port}/healthz", process)
    return process, port, log


@pytest.fixture
def serve(database_url, tmp_path):
    started = []

    def start(*options, **env):
        process, port, log = _serve(database_url, tmp_path, *options, **env)
        started.append((process, log))
        return port

    yield start
    for process, log in started:
        stop_process(process)
        log.close()


def _qr_path(url):
    svg = segno.make(url, error="m").svg_inline(scale=1, border=2, omitsize=True)
    return re.search(r' d="([^"]+)"', svg).group(1)


def test_a_console_opened_at_loopback_points_the_host_at_the_network_address(people, serve):
    port = serve("--host", "0.0.0.0")
    people.base = f"http://127.0.0.1:{port}"
    host, code = people.true_or_false_game("host@example.org", ["The sky is blue."], True)
    warning = host.locator("#loopback")
    expect(warning).to_contain_text("Phones can't reach 127.0.0.1")
    screen = people.new(width=1280, height=720)
    screen.goto(f"{people.base}/screen/{code}")
    expect(screen.locator("#loopback")).to_contain_text("Phones can't reach 127.0.0.1")

    if not lan_addresses():
        pytest.skip("this machine has no non-loopback IPv4 address to offer")
    lan = f"http://{lan_addresses()[0]}:{port}"
    expect(warning.locator(f'a[href="{lan}/host/{code}"]')).to_have_text(lan)
    expect(screen.locator(f'#loopback a[href="{lan}/host/{code}"]')).to_have_text(lan)
    warning.locator("a").first.click()
    host.fill("#email", "host@example.org")  # a new address is a new site: log in there
    host.fill("#password", "a long enough password")
    host.click("button.primary")
    expect(host).to_have_url(f"{lan}/host/{code}")
    expect(host.locator(".join-link")).to_have_text(f"{lan}/join/{code}")
    expect(host.locator("#loopback")).to_have_count(0)
    assert _qr_path(f"{lan}/join/{code}") in host.locator(".join-info .qr").inner_html()
    screen.reload()  # the projector, still at 127.0.0.1, now shows the link phones can open
    expect(screen.locator("#loopback")).to_have_count(0)
    expect(screen.locator(".join-panel")).to_contain_text(lan)


def test_with_a_public_url_the_links_use_it_and_nothing_warns(people, serve):
    port = serve(PUBQUIZ_PUBLIC_URL=PUBLIC)
    people.base = f"http://127.0.0.1:{port}"
    host, code = people.true_or_false_game("host@example.org", ["The sky is blue."], True)
    expect(host.locator(".join-link")).to_have_text(f"{PUBLIC}/join/{code}")
    expect(host.locator("#loopback")).to_have_count(0)
    assert _qr_path(f"{PUBLIC}/join/{code}") in host.locator(".join-info .qr").inner_html()
    screen = people.new(width=1280, height=720)
    screen.goto(f"{people.base}/screen/{code}")
    expect(screen.locator(".join-panel")).to_contain_text(PUBLIC)
    expect(screen.locator("#loopback")).to_have_count(0)
    assert _qr_path(f"{PUBLIC}/join/{code}") in screen.locator(".join-panel .qr").inner_html()
