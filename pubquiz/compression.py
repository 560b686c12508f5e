"""Compression on the laptop path (`pubquiz serve`, no Nginx in front): pages, CSS and scripts
reach the phones on a pub's Wi-Fi brotli- or gzip-compressed, a third of their size.

Only complete responses are compressed (they have a Content-Length); a stream has none, and the
event stream must reach the browser event by event, never held back in a compressor's buffer.
A response that is already encoded (by a proxy, or a view) is passed on as it is, and Nginx in
turn passes an encoded response on without compressing it again.
"""

import gzip

from werkzeug.datastructures import Headers
from werkzeug.http import parse_accept_header

try:
    import brotli
except ImportError:  # gzip alone then; brotli is a wheel that not every platform has
    brotli = None

TYPES = {
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "image/svg+xml",
    "text/plain",
}
# Below this the headers outweigh what compression saves.
MIN_SIZE = 512


def encoding_for(accept_encoding):
    """ "br", "gzip" or None: the best coding the browser accepts."""
    accepted = parse_accept_header(accept_encoding)
    if brotli is not None and accepted.quality("br") > 0:
        return "br"
    return "gzip" if accepted.quality("gzip") > 0 else None


def compress(data, encoding):
    # Mid levels: as small as the top levels within a few per cent, several times faster.
    return brotli.compress(data, quality=5) if encoding == "br" else gzip.compress(data, compresslevel=6)


def _worth_compressing(status, headers):
    mimetype = headers.get("Content-Type", "").split(";")[0].strip().lower()
    return (
        status.startswith("200")
        and mimetype in TYPES
        and "Content-Encoding" not in headers
        and int(headers.get("Content-Length") or 0) >= MIN_SIZE
        and "no-transform" not in headers.get("Cache-Control", "")
    )


class Compress:
    """WSGI middleware around the app."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        encoding = encoding_for(environ.get("HTTP_ACCEPT_ENCODING", ""))
        if encoding is None or environ["REQUEST_METHOD"] == "HEAD":
            return self.app(environ, start_response)
        held = {}

        def hold(status, headers, exc_info=None):
            headers = Headers(headers)
            if not _worth_compressing(status, headers):
                return start_response(status, headers.to_wsgi_list(), exc_info)
            held.update(status=status, headers=headers, written=[])
            return held["written"].append

        body = self.app(environ, hold)
        if not held:
            return body
        try:
            data = b"".join(held["written"]) + b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        data = compress(data, encoding)
        headers = held["headers"]
        headers["Content-Encoding"] = encoding
        headers["Content-Length"] = str(len(data))
        vary = [v for v in headers.get("Vary", "").split(",") if v.strip()]
        headers["Vary"] = ", ".join([v.strip() for v in vary] + ["Accept-Encoding"])
        etag = headers.get("ETag")
        if etag and not etag.startswith("W/"):  # other bytes than the tag was made for
            headers["ETag"] = "W/" + etag
        start_response(held["status"], headers.to_wsgi_list())
        return [data]
