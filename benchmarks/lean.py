"""Lean HTTP clients for thousands of connections in one asyncio process (uvloop when installed).

No HTTP library: raw non-blocking sockets watched with loop.add_reader, read with recvmsg_into into
one shared buffer. Each read carries the kernel's receive time (SO_TIMESTAMPNS, CLOCK_REALTIME):
the moment the bytes reached the client's socket, so a client busy with other streams does not
inflate the measured latency. Senders stamp time.time() (the same clock) just before send().

* SseFleet: one SSE stream per team/screen, reconnecting with Last-Event-ID like a browser.
  Per read it only de-chunks and looks for "id:" lines, recording (id, receive time).
* Requests: one request per pre-connected socket (Connection: close), sent in a tight loop:
  answer bursts and host clicks "at the same instant".
* Pollers: the seed design's clients, each polling one URL once a second on a keep-alive socket.
"""

import asyncio
import random
import re
import socket
import struct
import time
from collections import Counter

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux; SCM_TIMESTAMPNS has the same value
ANCILLARY = socket.CMSG_SPACE(16)
ID_LINE = re.compile(rb"^id: ?([^\r\n]*)", re.M)
VERSION = re.compile(rb'"v":\s*(\d+)')
BUFFER = 262144


def new_loop():
    try:
        import uvloop

        return uvloop.new_event_loop(), "uvloop"
    except ImportError:
        return asyncio.new_event_loop(), "asyncio"


def _socket():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _kernel_time(ancillary):
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(data) >= 16:
            seconds, nanoseconds = struct.unpack_from("qq", data)
            return seconds + nanoseconds * 1e-9
    return time.time()


class Reader:
    """A shared receive buffer: every callback runs on the one loop thread."""

    def __init__(self):
        self.buffer = bytearray(BUFFER)
        self.view = memoryview(self.buffer)

    def read(self, sock):
        """(bytes, kernel receive time); b"" at end of stream or on error; None if nothing yet."""
        try:
            size, ancillary, _, _ = sock.recvmsg_into([self.buffer], ANCILLARY)
        except (BlockingIOError, InterruptedError):
            return None, 0.0
        except OSError:
            return b"", time.time()
        if size == 0:
            return b"", time.time()
        return bytes(self.view[:size]), _kernel_time(ancillary)


class Stream:
    __slots__ = (
        "key",
        "path",
        "cookie",
        "after",
        "last_id",
        "events",
        "sock",
        "state",
        "head",
        "chunked",
        "chunk_left",
        "skip",
        "cbuf",
        "tail",
        "connects",
        "statuses",
        "wanted",
        "ends",
        "connected_at",
        "dropped_at",
        "reconnected_at",
        "backlog_to",
        "pings",
    )

    def __init__(self, key, path, cookie=None, after=""):
        self.key = key  # the caller's: (game, team id) or similar
        self.path = path
        self.cookie = cookie
        self.after = after
        self.last_id = b""
        self.events = []  # (id bytes, kernel receive time)
        self.sock = None
        self.state = 0
        self.connects = 0
        self.statuses = []
        self.wanted = False
        self.ends = 0
        self.connected_at = None
        self.dropped_at = None
        self.reconnected_at = None
        self.pings = 0  # heartbeat comments received

    def _reset(self):
        self.state = 0  # 0: reading the response head; 1: the body
        self.head = b""
        self.chunked = False
        self.chunk_left = 0
        self.skip = 0
        self.cbuf = b""
        self.tail = b""

    def request(self):
        path = self.path
        if self.after:
            path += ("&" if "?" in path else "?") + "after=" + self.after
        lines = [
            f"GET {path} HTTP/1.1",
            "Host: 127.0.0.1",
            "Accept: text/event-stream",
            "Cache-Control: no-cache",
        ]
        if self.cookie:
            lines.append("Cookie: " + self.cookie)
        if self.last_id:
            lines.append("Last-Event-ID: " + self.last_id.decode())
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    def ids(self):
        return [event_id for event_id, _ in self.events]


class SseFleet:
    def __init__(self, port, reconnect_delay=0.5):
        self.loop = asyncio.get_running_loop()
        self.address = ("127.0.0.1", port)
        self.reader = Reader()
        self.reconnect_delay = reconnect_delay
        self.streams = []
        self.errors = Counter()
        self.open_count = 0

    async def open(self, streams, concurrency=256, timeout=120):
        """Connect every stream; returns once each has its response head (or the timeout)."""
        self.streams.extend(streams)
        limit = asyncio.Semaphore(concurrency)

        async def one(stream):
            async with limit:
                stream.wanted = True
                await self._connect(stream)

        await asyncio.gather(*(one(s) for s in streams))
        return await self.wait_connected(streams, timeout)

    async def wait_connected(self, streams, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            waiting = sum(1 for s in streams if s.state != 1)
            if not waiting:
                return 0
            await asyncio.sleep(0.05)
        return sum(1 for s in streams if s.state != 1)

    async def _connect(self, stream):
        stream._reset()
        sock = _socket()
        try:
            await asyncio.wait_for(self.loop.sock_connect(sock, self.address), 10)
            sock.send(stream.request())
        except (TimeoutError, OSError) as error:
            sock.close()
            self.errors["connect: " + type(error).__name__] += 1
            self._retry(stream)
            return
        stream.sock = sock
        self.loop.add_reader(sock.fileno(), self._readable, stream)

    def _retry(self, stream):
        if stream.wanted:
            delay = self.reconnect_delay * (0.5 + random.random())
            self.loop.call_later(delay, lambda: self.loop.create_task(self._connect(stream)))

    def _readable(self, stream):
        data, received = self.reader.read(stream.sock)
        if data is None:
            return
        if not data:
            self._ended(stream)
            return
        if stream.state == 0:
            head = stream.head + data
            end = head.find(b"\r\n\r\n")
            if end < 0:
                stream.head = head
                return
            status = int(head[9:12])
            stream.statuses.append(status)
            stream.chunked = b"chunked" in head[:end].lower()
            data = head[end + 4 :]
            stream.head = b""
            if status != 200:
                self.errors[f"status {status}"] += 1
                self._ended(stream)
                return
            stream.state = 1
            stream.connects += 1
            self.open_count += 1
            if stream.connected_at is None:
                stream.connected_at = received
            elif stream.dropped_at is not None and stream.reconnected_at is None:
                stream.reconnected_at = received
            if not data:
                return
        if stream.chunked:
            data = self._dechunk(stream, data)
            if data is None:  # the last chunk: the server ended this response
                self._ended(stream)
                return
        if data:
            self._scan(stream, data, received)

    @staticmethod
    def _dechunk(stream, data):
        if stream.cbuf:
            data = stream.cbuf + data
            stream.cbuf = b""
        out = []
        pos, size = 0, len(data)
        while pos < size:
            if stream.chunk_left:
                take = min(stream.chunk_left, size - pos)
                out.append(data[pos : pos + take])
                pos += take
                stream.chunk_left -= take
                if not stream.chunk_left:
                    stream.skip = 2  # the CRLF after a chunk's data
            elif stream.skip:
                take = min(stream.skip, size - pos)
                pos += take
                stream.skip -= take
            else:
                eol = data.find(b"\r\n", pos)
                if eol < 0:
                    stream.cbuf = data[pos:]
                    break
                length = int(data[pos:eol].split(b";", 1)[0], 16)
                pos = eol + 2
                if length == 0:
                    return None
                stream.chunk_left = length
        return out[0] if len(out) == 1 else b"".join(out)

    @staticmethod
    def _scan(stream, data, received):
        text = stream.tail + data if stream.tail else data
        newline = text.rfind(b"\n")
        if newline < 0:
            stream.tail = text
            return
        stream.tail = text[newline + 1 :]
        if b"id:" not in text:
            if b": ping" in text:
                stream.pings += text.count(b": ping")
            return
        events = stream.events
        for match in ID_LINE.finditer(text, 0, newline + 1):
            event_id = match.group(1)
            events.append((event_id, received))
            stream.last_id = event_id

    def _ended(self, stream):
        self._shut(stream)
        stream.ends += 1
        self._retry(stream)

    def _shut(self, stream):
        if stream.sock is not None:
            self.loop.remove_reader(stream.sock.fileno())
            stream.sock.close()
            stream.sock = None
            if stream.state == 1:
                self.open_count -= 1
        stream.state = 0

    def drop(self, stream):
        """The client loses the connection (its socket closes) and reconnects after the delay."""
        stream.dropped_at = time.time()
        stream.reconnected_at = None
        self._shut(stream)
        self._retry(stream)

    def close(self, streams=None):
        for stream in list(streams if streams is not None else self.streams):
            stream.wanted = False
            self._shut(stream)
        if streams is None:
            self.streams = []
        else:
            gone = set(map(id, streams))
            self.streams = [s for s in self.streams if id(s) not in gone]


def form_body(fields):
    from urllib.parse import urlencode

    return urlencode(fields).encode()


def post_bytes(path, fields, cookie=None, token=None, htmx=True):
    body = form_body(fields)
    lines = [
        f"POST {path} HTTP/1.1",
        "Host: 127.0.0.1",
        "Connection: close",
        "Content-Type: application/x-www-form-urlencoded",
        f"Content-Length: {len(body)}",
    ]
    if cookie:
        lines.append("Cookie: " + cookie)
    if token:
        lines.append("X-CSRF-Token: " + token)
    if htmx:
        lines.append("HX-Request: true")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def get_bytes(path, cookie=None, keep_alive=True):
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1"]
    if not keep_alive:
        lines.append("Connection: close")
    if cookie:
        lines.append("Cookie: " + cookie)
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


class Request:
    __slots__ = ("key", "data", "sock", "sent", "done", "status", "response", "error")

    def __init__(self, key, data):
        self.key = key
        self.data = data
        self.sock = None
        self.sent = None
        self.done = None
        self.status = None
        self.response = b""
        self.error = None

    @property
    def body(self):
        return self.response.partition(b"\r\n\r\n")[2]

    @property
    def latency(self):
        return None if self.done is None or self.sent is None else self.done - self.sent


class Requests:
    """One request per socket (Connection: close): connect them all first, then send together."""

    def __init__(self, port):
        self.loop = asyncio.get_running_loop()
        self.address = ("127.0.0.1", port)
        self.reader = Reader()
        self.pending = 0
        self._finished = None

    async def connect(self, requests, concurrency=256):
        limit = asyncio.Semaphore(concurrency)

        async def one(request):
            async with limit:
                sock = _socket()
                try:
                    await asyncio.wait_for(self.loop.sock_connect(sock, self.address), 10)
                except (TimeoutError, OSError) as error:
                    sock.close()
                    request.error = "connect: " + type(error).__name__
                    return
                request.sock = sock

        await asyncio.gather(*(one(r) for r in requests))

    def send(self, requests, spread=0.0, connected_only=True):
        """Send every connected request now (or spread evenly over `spread` seconds); with
        connected_only=False, requests without a socket connect when their turn comes."""
        self._finished = self.loop.create_future()
        ready = [r for r in requests if r.sock is not None or (not connected_only and r.error is None)]
        self.pending += len(ready)
        if not ready:
            self._finished.set_result(None)
            return self._finished
        if spread <= 0:
            for request in ready:
                self._send(request)
        else:
            step = spread / len(ready)
            start = self.loop.time()
            for index, request in enumerate(ready):
                self.loop.call_at(start + index * step, self._send, request)
        return self._finished

    def _send(self, request):
        if request.sock is None:  # not pre-connected: connect now, like a phone opening a connection
            self.loop.create_task(self._connect_and_send(request))
            return
        request.sent = time.time()
        try:
            request.sock.send(request.data)
        except OSError as error:
            request.error = "send: " + type(error).__name__
            self._finish(request)
            return
        self.loop.add_reader(request.sock.fileno(), self._readable, request)

    async def _connect_and_send(self, request):
        request.sent = time.time()  # the latency includes the TCP connect
        sock = _socket()
        try:
            await asyncio.wait_for(self.loop.sock_connect(sock, self.address), 10)
            sock.send(request.data)
        except (TimeoutError, OSError) as error:
            sock.close()
            request.error = "connect: " + type(error).__name__
            self._finish(request)
            return
        request.sock = sock
        self.loop.add_reader(sock.fileno(), self._readable, request)

    def _readable(self, request):
        data, received = self.reader.read(request.sock)
        if data is None:
            return
        if data:
            request.response += data
            request.done = received
            if request.status is None and len(request.response) >= 12:
                request.status = int(request.response[9:12])
            return
        self.loop.remove_reader(request.sock.fileno())
        self._finish(request)

    def _finish(self, request):
        if request.sock is not None:
            request.sock.close()
            request.sock = None
        self.pending -= 1
        if self.pending <= 0 and self._finished is not None and not self._finished.done():
            self._finished.set_result(None)

    def abandon(self, requests):
        for request in requests:
            if request.sock is not None:
                try:
                    self.loop.remove_reader(request.sock.fileno())
                except (ValueError, OSError):
                    pass
                request.sock.close()
                request.sock = None
                request.error = request.error or "timeout"


async def run_requests(port, requests, timeout=60, spread=0.0, preconnect=True):
    """Connect, send together, wait for every response (bounded by `timeout`). preconnect=False:
    each request opens its connection when it is sent (thousands of idle sockets opened ahead
    would be closed by Nginx when its worker runs short of connections)."""
    client = Requests(port)
    if preconnect:
        await client.connect(requests)
    finished = client.send(requests, spread, connected_only=preconnect)
    try:
        await asyncio.wait_for(asyncio.shield(finished), timeout)
    except TimeoutError:
        client.abandon(requests)
    return requests


class Poller:
    __slots__ = ("key", "path", "sock", "buf", "version", "seen", "polls", "errors", "in_flight", "sent")

    def __init__(self, key, path):
        self.key = key
        self.path = path
        self.sock = None
        self.buf = b""
        self.version = None
        self.seen = []  # (version, kernel receive time) when a newer version first arrived
        self.polls = 0
        self.errors = 0
        self.in_flight = False
        self.sent = 0.0


class PollFleet:
    """Each poller asks for its URL every `interval` seconds (random phase) on a keep-alive socket."""

    def __init__(self, port, interval=1.0):
        self.loop = asyncio.get_running_loop()
        self.address = ("127.0.0.1", port)
        self.interval = interval
        self.reader = Reader()
        self.pollers = []
        self.running = False

    async def start(self, pollers, concurrency=256):
        self.pollers = pollers
        self.running = True
        limit = asyncio.Semaphore(concurrency)

        async def one(poller):
            async with limit:
                await self._connect(poller)

        await asyncio.gather(*(one(p) for p in pollers))
        for poller in pollers:
            self.loop.call_later(random.random() * self.interval, self._tick, poller)

    async def _connect(self, poller):
        sock = _socket()
        try:
            await asyncio.wait_for(self.loop.sock_connect(sock, self.address), 10)
        except (TimeoutError, OSError):
            sock.close()
            poller.errors += 1
            return
        poller.sock = sock
        poller.buf = b""
        self.loop.add_reader(sock.fileno(), self._readable, poller)

    def _tick(self, poller):
        if not self.running:
            return
        self.loop.call_later(self.interval, self._tick, poller)
        if poller.sock is None:
            self.loop.create_task(self._connect(poller))
            return
        if poller.in_flight:  # the previous poll has not been answered: skip this one
            return
        poller.in_flight = True
        poller.sent = time.time()
        try:
            poller.sock.send(get_bytes(poller.path))
        except OSError:
            self._broken(poller)

    def _broken(self, poller):
        poller.errors += 1
        poller.in_flight = False
        if poller.sock is not None:
            self.loop.remove_reader(poller.sock.fileno())
            poller.sock.close()
            poller.sock = None

    def _readable(self, poller):
        data, received = self.reader.read(poller.sock)
        if data is None:
            return
        if not data:
            self._broken(poller)
            return
        buf = poller.buf + data
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            poller.buf = buf
            return
        head = buf[:end].lower()
        marker = head.find(b"content-length:")
        if marker < 0:
            self._broken(poller)
            return
        length = int(
            head[marker + 15 : head.find(b"\r\n", marker) if head.find(b"\r\n", marker) > 0 else None]
        )
        if len(buf) < end + 4 + length:
            poller.buf = buf
            return
        body = buf[end + 4 : end + 4 + length]
        poller.buf = buf[end + 4 + length :]
        poller.in_flight = False
        poller.polls += 1
        if buf[9:12] != b"200":
            poller.errors += 1
            return
        match = VERSION.search(body)
        if match:
            version = int(match.group(1))
            if poller.version is None:
                poller.version = version
            elif version > poller.version:
                poller.version = version
                poller.seen.append((version, received))

    def stop(self):
        self.running = False
        for poller in self.pollers:
            if poller.sock is not None:
                self.loop.remove_reader(poller.sock.fileno())
                poller.sock.close()
                poller.sock = None
