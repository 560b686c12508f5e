"""Compression on the laptop path (`pubquiz serve` wraps the app in compression.Compress)."""

import gzip
import re

import brotli
from helpers import CHOICE
from werkzeug.test import Client

from pubquiz.compression import Compress


def test_pages_and_static_files_are_compressed_as_the_browser_accepts(app):
    client = Client(Compress(app))
    plain = client.get("/")
    assert "Content-Encoding" not in plain.headers
    html = same_page(plain.get_data())
    zipped = client.get("/", headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert same_page(gzip.decompress(zipped.get_data())) == html
    assert "Accept-Encoding" in zipped.headers["Vary"]
    chromium = client.get("/", headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert chromium.headers["Content-Encoding"] == "br"
    assert same_page(brotli.decompress(chromium.get_data())) == html
    assert int(chromium.headers["Content-Length"]) == len(chromium.get_data()) < len(html) / 2

    script = re.search(r'<script src="([^"]+htmx.min.js[^"]*)"', html.decode()).group(1)
    first = client.get(script, headers={"Accept-Encoding": "br"})
    assert first.headers["Content-Encoding"] == "br" and first.headers["ETag"].startswith('W/"')
    assert brotli.decompress(first.get_data()) == client.get(script).get_data()
    again = client.get(script, headers={"Accept-Encoding": "br", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def same_page(html):
    return re.sub(rb'data-server-now="\d+"', b"", html)  # the server's clock, for countdowns


def test_the_event_stream_is_never_compressed(app, host):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    client = Client(Compress(app))
    response = client.get(f"/screen/{code}/events", headers={"Accept-Encoding": "gzip, br"}, buffered=False)
    try:
        assert response.headers["Content-Type"].startswith("text/event-stream")
        assert "Content-Encoding" not in response.headers
        assert next(iter(response.response)).startswith(b":")  # the first bytes at once, readable
    finally:
        response.close()


def test_small_pictures_and_encoded_responses_are_left_alone(app):
    def already_encoded(environ, start_response):
        body = gzip.compress(b"x" * 2000)
        start_response(
            "200 OK",
            [("Content-Type", "text/html"), ("Content-Encoding", "gzip"), ("Content-Length", str(len(body)))],
        )
        return [body]

    response = Client(Compress(already_encoded)).get("/", headers={"Accept-Encoding": "gzip"})
    assert gzip.decompress(response.get_data()) == b"x" * 2000
    client = Client(Compress(app))
    small = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers and small.get_json() == {"status": "ok"}
