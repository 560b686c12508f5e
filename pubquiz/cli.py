"""The `pubquiz` command: serve, migrate, partitions, prune, create-host, backup, restore, demo,
quiz import/export.

Only `click` and the standard library are imported at the top: `serve` must monkey-patch gevent
before anything imports psycopg, redis or ssl.
"""

import os
import signal
import subprocess
import sys
import warnings

import click


@click.group()
def main():
    """Run and administer a pubquiz server."""
    # Without a desktop session the embedded PostgreSQL keeps its socket under /tmp instead,
    # which is fine; the warning would only push the login and the URL out of sight.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")


def _app(serving=False, **config):
    from . import create_app
    from .config import SettingsError

    try:
        app = create_app(config)
    except SettingsError as error:
        raise click.ClickException(str(error)) from None
    if not serving:
        # A one-off command closes no deadlines; its sweeper would only fail noisily when the
        # embedded PostgreSQL stops as the command exits.
        app.extensions["background"].stop()
    return app


@main.command()
def migrate():
    """Create or update the database tables (and the answer partitions ahead)."""
    from . import db

    app = _app()
    applied = db.migrate(app.config["DATABASE_URL"])
    click.echo("Applied: " + ", ".join(applied) if applied else "The database is up to date.")
    _create_partitions(app)


def _create_partitions(app):
    from . import partitions

    with app.app_context():
        created = partitions.create_ahead(app.config["ANSWER_MONTHS_AHEAD"])
    if created:
        click.echo("Created answer partitions: " + ", ".join(created))


@main.command("partitions")
def list_partitions():
    """Create the answer partitions ahead (PUBQUIZ_ANSWER_MONTHS_AHEAD) and list them all."""
    from . import partitions

    app = _app()
    _create_partitions(app)
    with app.app_context():
        for row in partitions.month_partitions():
            click.echo(f"{row['name']}  answers of games created in {row['month']:%B %Y} (UTC)")


@main.command()
@click.option(
    "--before",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="YYYY-MM-DD: drop the months that end on or before it.",
)
@click.option("--force", is_flag=True, help="Also drop this or last month, or games not ended.")
def prune(before, force):
    """Forget old nights: drop whole months of answers, and the games they belong to."""
    import datetime

    import psycopg

    from . import partitions

    app = _app()
    try:
        with app.app_context():
            pruned = partitions.prune(before.date(), datetime.datetime.now(datetime.UTC).date(), force)
    except partitions.PruneRefused as error:
        raise click.ClickException(str(error)) from None
    except psycopg.errors.LockNotAvailable:
        raise click.ClickException(
            "The answers are busy (a game is being played?): try again later."
        ) from None
    for name, answers in pruned.partitions:
        click.echo(f"Dropped {name} ({answers} answers).")
    if not pruned.partitions:
        click.echo(f"No answer partition lies wholly before {pruned.before}.")
    click.echo(f"Deleted {pruned.games} game(s) created before {pruned.before}.")


@main.command("create-host")
@click.argument("email")
@click.password_option(help="At least 10 characters.")
def create_host(email, password):
    """Create a host account (quiz master)."""
    from . import accounts

    if len(password) < accounts.MIN_PASSWORD:
        raise click.UsageError(f"The password needs at least {accounts.MIN_PASSWORD} characters.")
    if "@" not in email:
        raise click.UsageError("EMAIL must be an email address.")
    with _app().app_context():
        if accounts.create_host(email, password) is None:
            raise click.UsageError(f"There is already a host with the email {email}.")
    click.echo(f"Host {email} created.")


@main.group()
def quiz():
    """Import and export quizzes (pubquiz JSON, CSV, XLSX; Open Trivia DB JSON in)."""


@quiz.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--host", "email", required=True, help="The email of the host who will own the quiz.")
def import_quiz(file, email):
    """Create a quiz from FILE; prints the new quiz's id."""
    from . import db, library, quizfile

    with _app().app_context():
        host = db.one("host_by_email", email=email)
        if host is None:
            raise click.UsageError(f"There is no host with the email {email}.")
        quiz, problems = quizfile.read(file.read(quizfile.MAX_JSON + 1), file.name)
        if problems:
            raise click.ClickException("Nothing was imported. Fix these in the file:\n" + "\n".join(problems))
        click.echo(library.save(host["id"], quiz))


@quiz.command("export")
@click.argument("quiz_id", type=int)
@click.option(
    "--format", "fmt", type=click.Choice(["json", "csv", "xlsx"]), default="json", show_default=True
)
@click.option(
    "-o", "--output", type=click.File("wb"), default="-", help="The file to write (default: stdout)."
)
def export_quiz(quiz_id, fmt, output):
    """Write quiz QUIZ_ID as pubquiz JSON (everything, files included), CSV or XLSX."""
    from . import db, library, quizfile

    if fmt == "xlsx" and output.isatty():
        raise click.UsageError("An XLSX workbook is not for a terminal: add -o FILE.")
    with _app().app_context():
        if db.one("quiz_by_id", id=quiz_id) is None:
            raise click.UsageError(f"There is no quiz {quiz_id}.")
        data, _ = quizfile.write(library.load(quiz_id), fmt)
    output.write(data)


def _database_url():
    """DATABASE_URL, or the embedded PostgreSQL in the instance folder (started for this command)."""
    from . import config, db

    settings = config.from_environment()
    return settings["DATABASE_URL"] or db.embedded_url(settings["INSTANCE_DIR"])


def _key(key_file):
    from .encryption import EncryptionError, read_key

    if key_file is None:
        return None
    try:
        return read_key(key_file)
    except EncryptionError as error:
        raise click.UsageError(str(error)) from None


KEY_OPTION = click.option(
    "--key",
    "key_file",
    type=click.Path(exists=True, dir_okay=False),
    help="A file of 32 random bytes: the backup is encrypted with it (AES-256-GCM).",
)


@main.command()
@click.argument("destination", type=click.Path(dir_okay=True, writable=True))
@KEY_OPTION
@click.option(
    "--keep",
    type=click.IntRange(min=1),
    help="DESTINATION is a folder: afterwards only its newest KEEP backups are kept.",
)
def backup(destination, key_file, keep):
    """Back up the database (pictures and sounds included) to the file or folder DESTINATION."""
    from . import backups
    from .encryption import EncryptionError

    key = _key(key_file)
    is_folder = os.path.isdir(destination)
    if keep and not is_folder:
        raise click.UsageError(f"--keep needs DESTINATION to be a folder; {destination} is not one.")
    try:
        if is_folder:
            path, size, deleted = backups.folder_backup(_database_url(), destination, key, keep)
        else:
            path, size, deleted = destination, backups.create(_database_url(), destination, key), []
    except (backups.BackupError, EncryptionError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up to {path} ({size / 1e6:.1f} MB{', encrypted' if key else ''}).")
    for old in deleted:
        click.echo(f"Deleted the older backup {old}.")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@KEY_OPTION
def restore(file, key_file):
    """Restore the backup FILE into an empty database (all of it, or nothing)."""
    import time

    from . import backups
    from .encryption import EncryptionError

    key = _key(key_file)
    started = time.monotonic()
    try:
        backups.restore(_database_url(), file, key)
    except (backups.BackupError, EncryptionError) as error:
        raise click.ClickException(str(error)) from None
    except OSError as error:  # the file cannot be read
        raise click.ClickException(f"Cannot read {file}: {error.strerror}.") from None
    click.echo(
        f"Restored {file} in {time.monotonic() - started:.1f} s. "
        "Start pubquiz on it: newer migrations are applied as it starts."
    )


@main.command()
def demo():
    """Create the demo host and the demo quiz where missing; print the login."""
    with _app().app_context() as context:
        _seed_demo(context.app)


def _seed_demo(app):
    from . import demo as demo_data

    email, password = demo_data.seed(app.config["INSTANCE_DIR"])
    click.echo(f"Log in as        {email}  /  {password}   (your own account: pubquiz create-host EMAIL)")


@main.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every network)."
)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--workers",
    default=0,
    type=click.IntRange(0, 64),
    help="Run gunicorn with this many gevent workers (deploy/gunicorn.conf.py); needs REDIS_URL.",
)
@click.option("--demo", is_flag=True, help="Also create the demo host and quiz (as `pubquiz demo`).")
def serve(host, port, workers, demo):
    """Serve the app with gevent (many open streams in one process)."""
    if workers:
        if demo:
            raise click.UsageError("--demo is for one process: run `pubquiz demo` once instead.")
        _gunicorn(host, port, workers)
    from gevent import monkey

    monkey.patch_all()

    import socket

    from gevent.pywsgi import WSGIServer

    from . import compression, db
    from .config import SEND_BUFFER_BYTES

    # One process migrates, seeds and serves: the embedded PostgreSQL starts once.
    app = _app(serving=True, LISTEN_HOST=host)
    db.migrate(app.config["DATABASE_URL"])
    listener = socket.create_server(
        (host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET, backlog=WSGIServer.backlog
    )
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)  # accepted ones inherit it
    # Nothing in front compresses here (in production Nginx does, in front of gunicorn).
    server = WSGIServer(listener, compression.Compress(app), log=None, error_log=sys.stderr)

    def stop(*_):
        # End every stream first, or open streams hold the shutdown until they time out.
        app.extensions["hub"].close_all()
        app.extensions["background"].stop()
        server.stop(timeout=3)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.start()  # listening before it says so: a stop right after the message finds it running
    for url in _urls(host, port):
        click.echo(f"pubquiz is serving on {url}")
    if demo:
        with app.app_context():
            _seed_demo(app)
    click.echo("Press Ctrl+C to stop.")
    sys.stdout.flush()
    server.serve_forever()
    db.close(app)  # now: a finalizer at exit would run after gevent's hub is gone


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
    os.execvp(
        sys.executable, [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py")]
    )


def _urls(host, port):
    """The addresses people can open: on 0.0.0.0, each network address of this machine first, so
    the host opens the console where phones on the pub's Wi-Fi can follow its join link."""
    if host not in ("0.0.0.0", "::"):
        return [f"http://{host}:{port}"]
    from .links import lan_addresses

    urls = [
        f"http://{address}:{port}   (open the console here: phones on the same Wi-Fi can)"
        for address in lan_addresses()
    ]
    return urls + [f"http://127.0.0.1:{port}   (this machine only)"]


if __name__ == "__main__":
    main(prog_name=os.path.basename(sys.argv[0]))
