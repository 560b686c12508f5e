"""A counting TCP proxy in front of PostgreSQL: what the app asks the database, exactly.

Run as its own process (`python -m benchmarks.pgmeter --listen PORT --target HOST:PORT
--control PORT`); the app's DATABASE_URL points here (with sslmode=disable, so the frontend
protocol stays readable). Bytes are forwarded unchanged both ways; only the client's messages are
read, by their 5-byte headers:

* a round trip is a simple Query ('Q') or a Sync ('S'): each makes the client wait for
  ReadyForQuery. An extended-protocol statement is Parse/Bind/Execute/Sync (or Bind/Execute/Sync
  once psycopg has prepared it), so one statement is one round trip; BEGIN and COMMIT are each one
  more, and so is psycopg_pool's connection check (an empty query).
* each executed statement ('Q', or 'E' of the statement last bound) is counted under the name of
  the sql/queries/*.sql block it came from ("insert_answer", "game_by_id", ...), or its first word
  ("begin", "commit", "empty", ...) when it is not one of those.

A line "snapshot" on the control port answers with the cumulative counters as JSON.
Why a proxy: pg_stat_statements needs shared_preload_libraries (a restart of a shared server)
and does not see round trips (empty queries, the split between BEGIN, statement and COMMIT);
pg_stat_database.xact_commit counts transactions, not statements, and is flushed lazily.
"""

import argparse
import asyncio
import json
import re
import struct
from collections import Counter
from pathlib import Path

SQL = Path(__file__).resolve().parents[1] / "sql" / "queries"
_SPACE = re.compile(rb"\s+")
_PARAM_SQL = re.compile(rb"%\(\w+\)s")
_PARAM_WIRE = re.compile(rb"\$\d+")


def _norm(query):
    return _SPACE.sub(b" ", query).strip().rstrip(b";").strip().lower()


def load_names(folder=SQL):
    """normalised query text (placeholders as ?) -> name, from sql/queries/*.sql."""
    names = {}
    for path in sorted(folder.glob("*.sql")):
        for block in re.split(r"^-- name: ", path.read_text(), flags=re.M)[1:]:
            name, _, body = block.partition("\n")
            lines = [line for line in body.strip().splitlines() if not line.strip().startswith("--")]
            text = "\n".join(line.split(" -- ")[0] for line in lines).encode()
            names[_norm(_PARAM_SQL.sub(b"?", text))] = name.strip()
    return names


class Meter:
    def __init__(self):
        self.names = load_names()
        self.counts = Counter()  # statement name -> executions
        self.checkouts = Counter()  # "empty begin insert_answer commit" -> times seen
        self.checkout_trips = Counter()  # the same key -> round trips they took
        self.round_trips = 0
        self.connections = 0
        self._cache = {}

    def classify(self, query):
        name = self._cache.get(query)
        if name is None:
            text = _norm(_PARAM_WIRE.sub(b"?", query))
            # The app's SQL files keep their comments inside statements; strip them the same way.
            text_nc = _norm(
                b"\n".join(
                    line.split(b" -- ")[0]
                    for line in query.splitlines()
                    if not line.strip().startswith(b"--")
                )
            )
            text_nc = _norm(_PARAM_WIRE.sub(b"?", text_nc))
            name = self.names.get(text) or self.names.get(text_nc)
            if name is None:
                word = text_nc.split(b" ", 1)[0].decode(errors="replace") if text_nc else "empty"
                name = "sql:" + word
            if len(self._cache) < 10000:
                self._cache[query] = name
        return name

    def snapshot(self):
        return {
            "round_trips": self.round_trips,
            "connections": self.connections,
            "statements": dict(self.counts),
            "checkouts": dict(self.checkouts),
            "checkout_round_trips": dict(self.checkout_trips),
        }

    def finish(self, names, trips):
        """One use of a pooled connection, from psycopg_pool's check (an empty query) to COMMIT
        or ROLLBACK (or to the next check): what one piece of app code asked, in order."""
        if names:
            key = " ".join(names)
            if len(self.checkouts) < 5000 or key in self.checkouts:
                self.checkouts[key] += 1
                self.checkout_trips[key] += trips


class ClientSide(asyncio.Protocol):
    """Bytes from the app: parsed by message header, forwarded as they came."""

    def __init__(self, meter, target):
        self.meter = meter
        self.target = target
        self.upstream = None
        self.pending = []
        self.buf = b""
        self.started = False  # past the startup message
        self.opaque = False  # TLS was negotiated: nothing more can be read
        self.statements = {}  # prepared statement name -> query
        self.bound = b""
        self.names = []  # the current checkout
        self.trips = 0
        self.in_transaction = False

    def connection_made(self, transport):
        self.transport = transport
        self.meter.connections += 1
        asyncio.get_running_loop().create_task(self._open())

    async def _open(self):
        loop = asyncio.get_running_loop()
        try:
            _, self.upstream = await loop.create_connection(lambda: ServerSide(self), *self.target)
        except OSError:
            self.transport.close()
            return
        for data in self.pending:
            self.upstream.transport.write(data)
        self.pending = None

    def data_received(self, data):
        if not self.opaque:
            self._parse(data)
        if self.pending is not None:
            self.pending.append(data)
        else:
            self.upstream.transport.write(data)

    def _parse(self, data):
        """Read every whole message in what came so far; keep a partial one for the next bytes."""
        buf = self.buf + data if self.buf else data
        pos, size = 0, len(buf)
        while True:
            if not self.started:
                if size - pos < 8:
                    break
                length, code = struct.unpack_from("!ii", buf, pos)
                if size - pos < length:
                    break
                pos += length
                # SSLRequest (the answer decides; assume plain: sslmode=disable) and GSSENCRequest
                # come before the startup message proper.
                self.started = code not in (80877103, 80877104)
                continue
            if size - pos < 5:
                break
            (length,) = struct.unpack_from("!i", buf, pos + 1)
            end = pos + 1 + length
            if size < end:
                break
            self._message(buf[pos], buf[pos + 5 : end])
            pos = end
        self.buf = buf[pos:] if pos < size else b""

    def _message(self, kind, body):
        if kind == 0x51:  # Q: query\0
            self._query(self.meter.classify(bytes(body[:-1])))
        elif kind == 0x50:  # P: name\0 query\0 ...
            name_end = body.index(b"\0")
            query_end = body.index(b"\0", name_end + 1)
            self.statements[bytes(body[:name_end])] = bytes(body[name_end + 1 : query_end])
        elif kind == 0x42:  # B: portal\0 statement\0 ...
            portal_end = body.index(b"\0")
            stmt_end = body.index(b"\0", portal_end + 1)
            self.bound = self.statements.get(bytes(body[portal_end + 1 : stmt_end]), b"?")
        elif kind == 0x45:  # E
            name = self.meter.classify(self.bound)
            self.meter.counts[name] += 1
            self.names.append(name)
        elif kind == 0x53:  # S
            self.meter.round_trips += 1
            self.trips += 1
            if not self.in_transaction and self.names and self.names[-1] != "sql:empty":
                # An autocommit statement outside BEGIN ... COMMIT is a use on its own.
                self._finish_use()

    def _query(self, name):
        """A simple query: one round trip; an empty one (the pool's check) starts a new use of the
        connection, COMMIT or ROLLBACK ends one."""
        meter = self.meter
        meter.round_trips += 1
        meter.counts[name] += 1
        if name == "sql:empty" and self.names:
            self._finish_use()
        self.names.append(name)
        self.trips += 1
        if name == "sql:begin":
            self.in_transaction = True
        if name in ("sql:commit", "sql:rollback"):
            self.in_transaction = False
            self._finish_use()

    def _finish_use(self):
        self.meter.finish(self.names, self.trips)
        self.names, self.trips = [], 0

    def connection_lost(self, exc):
        if self.upstream is not None:
            self.upstream.transport.close()


class ServerSide(asyncio.Protocol):
    def __init__(self, client):
        self.client = client

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.client.transport.write(data)

    def connection_lost(self, exc):
        self.client.transport.close()


class Control(asyncio.Protocol):
    def __init__(self, meter):
        self.meter = meter

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        if b"snapshot" in data:
            self.transport.write(json.dumps(self.meter.snapshot()).encode() + b"\n")


async def main(listen, target, control):
    meter = Meter()
    loop = asyncio.get_running_loop()
    await loop.create_server(lambda: ClientSide(meter, target), "127.0.0.1", listen, backlog=1024)
    await loop.create_server(lambda: Control(meter), "127.0.0.1", control)
    await asyncio.Event().wait()


def snapshot(control_port, timeout=5):
    """The meter's counters (a client for the control port)."""
    import socket

    with socket.create_connection(("127.0.0.1", control_port), timeout=timeout) as conn:
        conn.sendall(b"snapshot\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
    return json.loads(data)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", type=int, required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--control", type=int, required=True)
    args = parser.parse_args()
    host, port = args.target.rsplit(":", 1)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(main(args.listen, (host, int(port)), args.control))
