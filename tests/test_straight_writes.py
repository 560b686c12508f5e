"""Under gunicorn, a stream's events go straight to the client's socket from the delivering
greenlet while the stream waits (pubquiz/events.py, Subscription): the bytes must be the same, in
the same order, whatever the socket takes at once, and only a plain socket with an unframed body
is written this way. Real sockets; the stream's greenlet waiting is stood for by `parked`, as
wait() sets it."""

import socket
import ssl

import gevent
import pytest

from pubquiz import stream
from pubquiz.events import Subscription, encode


def _straight_to_a_socket():
    """A subscription whose client is the other end of a socket pair, made in a greenlet (as a
    gunicorn request is), and waiting for events: (subscription, our socket, the client's)."""
    ours, client = socket.socketpair()
    ours.setblocking(False)
    ours.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    client.setblocking(False)
    sub = gevent.spawn(Subscription, 1, ("player",), fd=ours.fileno()).get()
    sub.parked = True  # its greenlet waits in wait(), as it does between events
    return sub, ours, client


def _read_all(sock):
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except BlockingIOError:
            return data
        if not chunk:
            return data
        data += chunk


def test_a_waiting_stream_is_written_straight_and_what_its_socket_cannot_take_follows_in_order():
    sub, ours, client = _straight_to_a_socket()
    messages = [encode(f"1-{n}", f"<p>{n}</p>" * 150) for n in range(60)]  # ~100 kB in all
    for message in messages[:30]:
        sub.push(message)
    straight = _read_all(client)  # the client takes what was written, and the socket has room
    assert straight and len(straight) < sum(len(m) for m in messages[:30])
    for message in messages[30:]:
        sub.push(message)  # behind what is queued, though the socket could take it now
    straight += _read_all(client)
    queued = b"".join(sub.wait(0))  # what the stream's greenlet writes through the server
    assert straight + queued == b"".join(messages)
    assert not sub.parked and not sub.closed
    ours.close()
    client.close()


def test_a_stream_whose_client_is_gone_is_closed_by_the_write_that_finds_out():
    sub, ours, client = _straight_to_a_socket()
    client.close()
    sub.push(encode("1-1", "<p>hello</p>"))
    assert sub.closed
    assert sub.wait(0) == [None]
    ours.close()


@pytest.mark.parametrize(
    ("protocol", "tls", "straight"),
    [("HTTP/1.0", False, True), ("HTTP/1.1", False, False), ("HTTP/1.0", True, False)],
    ids=["behind-nginx", "chunked", "tls-in-gunicorn"],
)
def test_only_an_unframed_plain_socket_is_written_straight(app, protocol, tls, straight):
    # HTTP/1.1 frames the body in chunks the server writes; a TLS socket's file descriptor must
    # never get bare bytes.
    plain = socket.socket()
    sock = ssl.create_default_context().wrap_socket(plain, server_hostname="quiz") if tls else plain
    try:
        environ = {"gunicorn.socket": sock, "SERVER_PROTOCOL": protocol}
        with app.test_request_context("/", environ_overrides=environ):
            assert stream._client_socket() == (sock.fileno() if straight else None)
    finally:
        sock.close()
