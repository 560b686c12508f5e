"""Gunicorn settings for one pubquiz instance: `gunicorn -c deploy/gunicorn.conf.py`, from any folder.

Run several instances (one per port or host) behind Nginx (deploy/nginx.conf); each holds the
Server-Sent Events streams of the browsers Nginx sent to it.

Environment: PUBQUIZ_WORKERS (default: the number of CPUs), PUBQUIZ_BIND (default 127.0.0.1:8000;
several addresses separated by commas), PUBQUIZ_WORKER_CONNECTIONS (default 10000),
PUBQUIZ_LOG_LEVEL (default info), PUBQUIZ_CONTROL_SOCKET (default: none). The app reads its own
settings (DATABASE_URL, REDIS_URL, SECRET_KEY, ...): see deploy/README.md.
"""

import os
import shutil
import signal
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

wsgi_app = "wsgi:app"
chdir = ROOT  # wsgi.py and the app's templates, static files and SQL are found from here

# wsgi.py monkey-patches gevent at import. Without preload it is imported in each worker after the
# fork, before psycopg, redis or ssl; a preloaded app would be patched in the master instead and
# its pool and background threads would not survive the fork.
preload_app = False
worker_class = "gevent"
workers = int(os.environ.get("PUBQUIZ_WORKERS") or os.cpu_count() or 1)
bind = [address.strip() for address in os.environ.get("PUBQUIZ_BIND", "127.0.0.1:8000").split(",")]

# A gevent worker serves at most worker_connections connections at once, and every open page
# holds one SSE stream for the whole night: this, times the workers, is how many phones and
# projectors one instance can keep. Each stream is an idle greenlet and a socket, so thousands are
# cheap; the process needs a file limit above it (LimitNOFILE in pubquiz.service).
worker_connections = int(os.environ.get("PUBQUIZ_WORKER_CONNECTIONS") or 10000)

# The gevent worker's main loop heartbeats the master every second whatever its streams do,
# so `timeout` only catches a worker whose event loop is stuck, never a long stream.
timeout = 30
# Streams are ended on purpose at shutdown (see post_worker_init); what is left to wait for are
# ordinary requests, which take well under this.
graceful_timeout = 15
# Shorter than Nginx's upstream keepalive_timeout would be wrong: Nginx must give up an idle
# connection before we close it, or it may send a request into a closing socket.
keepalive = 5

limit_request_line = 4094  # URLs here are short; anything longer is not a browser of ours
limit_request_fields = 50
limit_request_field_size = 8190

accesslog = None  # Nginx logs every request, and the app logs what matters to it
errorlog = "-"
loglevel = os.environ.get("PUBQUIZ_LOG_LEVEL", "info")
proc_name = "pubquiz"

# Gunicorn 25+ opens a control socket at $HOME/.gunicorn/gunicorn.ctl by default: instances on
# one machine would take it from each other (each unlinks the path), and the service user has no
# home. Off, unless an instance is given its own path.
control_socket = os.environ.get("PUBQUIZ_CONTROL_SOCKET", "")
control_socket_disable = not control_socket


def _hub(worker):
    """The app's Hub, whether gunicorn hands us the Flask app or it sits behind a middleware."""
    app = worker.wsgi
    for _ in range(5):
        extensions = getattr(app, "extensions", None)
        if isinstance(extensions, dict) and "hub" in extensions:
            return extensions["hub"]
        app = getattr(app, "app", None) or getattr(app, "wsgi_app", None)
        if app is None:
            break
    import sys

    module = sys.modules.get("wsgi")
    return getattr(getattr(module, "app", None), "extensions", {}).get("hub")


def _end_streams(worker, hub):
    import gevent

    # With its streams ended, a connection only waits for the browser's (or Nginx's) next
    # request on keep-alive; during a drain that would hold the worker for `keepalive` seconds
    # per idle connection. Connections that go idle from now on are closed at once.
    worker.cfg.set("keepalive", 0)
    worker.log.info("Graceful exit (pid:%s): ending %d open streams", worker.pid, hub.stream_count())
    # Until the process exits: Nginx may still send a reconnecting browser here over a keep-alive
    # connection it opened before the stop, and that stream must not hold the drain either.
    while True:
        hub.close_all()
        gevent.sleep(0.25)


def post_worker_init(worker):
    """A graceful exit (SIGTERM to the worker: a stop, a HUP reload, a systemd restart) must end
    every open stream at once. Left alone, gunicorn waits graceful_timeout for streams that never
    end by themselves, then kills them: every browser waits that long for its reconnect.
    Ended now, browsers reconnect straight away and Nginx sends them to the other instances."""
    hub = _hub(worker)
    if hub is None:
        worker.log.warning("No hub found on the app: streams will hold a graceful exit")
        return
    import gevent

    on_sigterm = signal.getsignal(signal.SIGTERM)  # the worker's handle_exit: stop accepting
    ending = []

    def graceful_exit(signum, frame):
        on_sigterm(signum, frame)
        if not ending:  # the master may send SIGTERM more than once
            # Not inside the signal handler: it may have interrupted a greenlet holding the hub's lock.
            ending.append(gevent.spawn(_end_streams, worker, hub))

    signal.signal(signal.SIGTERM, graceful_exit)
    # signal.signal() makes SIGTERM interrupt system calls again; gunicorn had turned that off.
    signal.siginterrupt(signal.SIGTERM, False)


def worker_int(worker):
    """SIGINT/SIGQUIT: the quick exit. Still end streams properly so browsers reconnect at once
    rather than see a reset connection. (Runs in a greenlet of the gevent worker.)"""
    hub = _hub(worker)
    if hub is not None:
        hub.close_all()


def when_ready(server):
    """Connections take their kernel send buffer from the listener they were accepted on: a fixed
    one, so a stalled client blocks its stream's writes and is dropped after the send timeout."""
    import socket

    from pubquiz.config import SEND_BUFFER_BYTES

    for listener in server.LISTENERS:
        listener.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)


def on_starting(server):
    # prometheus_client needs one folder shared by all workers, and empty at start, to add up
    # their metrics; it reads the variable when a worker imports it, after the fork.
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="pubquiz-prometheus-")
        # In the environment, not a global: a HUP reads this file again into fresh globals.
        os.environ["PUBQUIZ_PROMETHEUS_DIR_OWNER"] = str(os.getpid())


def on_exit(server):
    # Only the master that made the folder removes it, and not when it re-executed itself (USR2):
    # the new master inherited the variable and goes on writing there.
    if os.environ.get("PUBQUIZ_PROMETHEUS_DIR_OWNER") == str(os.getpid()) and not server.reexec_pid:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


def child_exit(server, worker):
    # A dead worker's gauges must stop counting in the sum (its counters are kept, as they should).
    try:
        from prometheus_client import multiprocess
    except ImportError:
        return
    multiprocess.mark_process_dead(worker.pid)
