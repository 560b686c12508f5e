"""The `pubquiz` command: serve, migrate, create-host, demo.

Only `click` and the standard library are imported at the top: `serve` must monkey-patch gevent
before anything imports psycopg, redis or ssl.
"""
import os
import signal
import subprocess
import sys

import click


@click.group()
def main():
    """Run and administer a pubquiz server."""


def _app():
    from . import create_app
    from .config import SettingsError

    try:
        return create_app()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None


@main.command()
def migrate():
    """Create or update the database tables."""
    from . import db

    app = _app()
    applied = db.migrate(app.config["DATABASE_URL"])
    click.echo("Applied: " + ", ".join(applied) if applied else "The database is up to date.")


@main.command("create-host")
@click.argument("email")
@click.password_option(help="At least 10 characters.")
def create_host(email, password):
    """Create a host account (quiz master)."""
    from . import auth

    if len(password) < auth.MIN_PASSWORD:
        raise click.UsageError(f"The password needs at least {auth.MIN_PASSWORD} characters.")
    if "@" not in email:
        raise click.UsageError("EMAIL must be an email address.")
    with _app().app_context():
        if auth.create_host(email, password) is None:
            raise click.UsageError(f"There is already a host with the email {email}.")
    click.echo(f"Host {email} created.")


@main.command()
def demo():
    """Create the demo host (with a fresh password) and the demo quiz."""
    from . import demo as demo_data

    with _app().app_context():
        email, password = demo_data.seed()
    click.echo(f"Demo host login:  {email}  /  {password}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every network).")
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=0, type=click.IntRange(0, 64),
              help="Run gunicorn with this many gevent workers (deploy/gunicorn.conf.py); needs REDIS_URL.")
def serve(host, port, workers):
    """Serve the app with gevent (many open streams in one process)."""
    if workers:
        _gunicorn(host, port, workers)
    from gevent import monkey

    monkey.patch_all()

    import socket

    from gevent.pywsgi import WSGIServer

    from . import db
    from .config import SEND_BUFFER_BYTES

    app = _app()
    db.migrate(app.config["DATABASE_URL"])
    listener = socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET,
                                    backlog=WSGIServer.backlog)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)  # accepted ones inherit it
    server = WSGIServer(listener, app, log=None, error_log=sys.stderr)

    def stop(*_):
        # End every stream first, or open streams hold the shutdown until they time out.
        app.extensions["hub"].close_all()
        server.stop(timeout=3)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for url in _urls(host, port):
        click.echo(f"pubquiz is serving on {url}")
    sys.stdout.flush()
    server.serve_forever()


def _gunicorn(host, port, workers):
    """Several processes share games only through Redis: without it, a team's events would reach
    only the streams of the worker that published them."""
    if not os.environ.get("REDIS_URL"):
        raise click.UsageError("--workers needs REDIS_URL: the workers share events through Redis.")
    if not os.environ.get("DATABASE_URL"):
        raise click.UsageError("--workers needs DATABASE_URL: the embedded database is for one process.")
    from .config import ROOT

    subprocess.run([sys.executable, "-m", "pubquiz.cli", "migrate"], check=True)
    os.environ.update(PUBQUIZ_WORKERS=str(workers), PUBQUIZ_BIND=f"{host}:{port}")
    for url in _urls(host, port):
        click.echo(f"pubquiz is serving on {url} with {workers} gunicorn workers")
    os.execvp(sys.executable, [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py")])


def _urls(host, port):
    """The addresses people can open: on 0.0.0.0, each network address of this machine, so a
    phone on the pub's Wi-Fi knows where to go."""
    if host not in ("0.0.0.0", "::"):
        return [f"http://{host}:{port}"]
    import psutil

    urls = [f"http://127.0.0.1:{port}"]
    for addresses in psutil.net_if_addrs().values():
        for address in addresses:
            if address.family.name == "AF_INET" and not address.address.startswith("127."):
                urls.append(f"http://{address.address}:{port}   (phones on the same Wi-Fi)")
    return urls


if __name__ == "__main__":
    main(prog_name=os.path.basename(sys.argv[0]))
